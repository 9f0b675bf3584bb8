/**
 * What sign-in reads: the user a login name means (its id, or its email in any case) and the
 * stored password hash. Kept apart from UserRepository so that records never carry the hash.
 */
import type { Kysely } from 'kysely';
import type { DatabaseSchema } from './schema.js';

export interface StoredCredential {
  user_id: string;
  password_hash: string | null;
}

export class CredentialRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  /** The user whose email (case-insensitive) or, failing that, whose id is `username`. */
  async findByLogin(username: string): Promise<StoredCredential | undefined> {
    const byEmail = await this.db
      .selectFrom('users')
      .select(['user_id', 'password_hash'])
      .where('user_email_lower', '=', username.toLowerCase())
      .executeTakeFirst();
    if (byEmail) return byEmail;
    return this.db
      .selectFrom('users')
      .select(['user_id', 'password_hash'])
      .where('user_id', '=', username)
      .executeTakeFirst();
  }
}
