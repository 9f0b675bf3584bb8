/**
 * Encryption at rest of the `litellm_params` of models stored in the database. The key comes
 * from the environment (`LITELLM_SALT_KEY` / `TOLLGATE_SALT_KEY`, else the master key, as in
 * LiteLLM); a 256-bit AES key is derived from it with scrypt (a salt key may be a short
 * human-chosen string). Each value is sealed on its own with AES-256-GCM and a random 96-bit
 * nonce: `tg1:<base64url nonce>:<base64url ciphertext>:<base64url tag>`. The value's JSON is
 * sealed, so numbers and objects come back as they were.
 */
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';

const PREFIX = 'tg1:';
/** Fixed, public: it separates this use of the salt key from any other. */
const KDF_SALT = 'tollgate/model-credentials/v1';
/** `litellm_params` left in clear: they name the model, they are not credentials. */
const CLEAR_PARAMS = new Set(['model', 'custom_llm_provider']);

export class DecryptionError extends Error {
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
    this.name = 'DecryptionError';
  }
}

export class CredentialCipher {
  private key: Buffer | undefined;

  /** `secret` undefined: nothing can be stored or read (no salt key and no master key). */
  constructor(private readonly secret: string | undefined) {}

  get usable(): boolean {
    return this.secret !== undefined && this.secret !== '';
  }

  private derived(): Buffer {
    if (!this.usable) {
      throw new DecryptionError(
        'no encryption key: set LITELLM_SALT_KEY (or TOLLGATE_SALT_KEY) or a master key',
      );
    }
    this.key ??= scryptSync(this.secret as string, KDF_SALT, 32, { N: 2 ** 14, r: 8, p: 1 });
    return this.key;
  }

  encrypt(value: unknown): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.derived(), nonce);
    const sealed = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return `${PREFIX}${nonce.toString('base64url')}:${sealed.toString('base64url')}:${tag.toString('base64url')}`;
  }

  /** Throws DecryptionError when the value was sealed with another key or was altered. */
  decrypt(text: string): unknown {
    const parts = text.slice(PREFIX.length).split(':');
    if (!isSealed(text) || parts.length !== 3) throw new DecryptionError('not an encrypted value');
    const [nonce, sealed, tag] = parts.map((p) => Buffer.from(p, 'base64url')) as [
      Buffer,
      Buffer,
      Buffer,
    ];
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.derived(), nonce);
      decipher.setAuthTag(tag);
      const plain = Buffer.concat([decipher.update(sealed), decipher.final()]).toString('utf8');
      return JSON.parse(plain);
    } catch (error: unknown) {
      if (error instanceof DecryptionError) throw error;
      throw new DecryptionError(
        'cannot decrypt: the salt key differs from the one the value was stored with',
        { cause: error },
      );
    }
  }

  /** Every value of `litellm_params` but the model name, sealed. */
  sealParams(params: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(params)) {
      if (value === undefined) continue;
      out[key] = CLEAR_PARAMS.has(key) ? value : this.encrypt(value);
    }
    return out;
  }

  /** The inverse of sealParams; values stored in clear pass through. */
  openParams(params: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(params)) {
      out[key] = typeof value === 'string' && isSealed(value) ? this.decrypt(value) : value;
    }
    return out;
  }
}

export function isSealed(value: string): boolean {
  return value.startsWith(PREFIX);
}
