/**
 * The /model/* operations (LiteLLM's model_management_endpoints): models stored in the database,
 * validated as config entries, their credentials encrypted before they are written, and applied
 * on this replica before the call returns (other replicas pick them up on their next poll).
 */
import { randomUUID } from 'node:crypto';
import type { Principal } from '../auth/principal.js';
import { GatewayError } from '../errors/gateway-error.js';
import { deploymentOf } from '../config/stored-model.js';
import type { CredentialCipher } from '../store/credential-cipher.js';
import type { ModelRecord } from '../store/model-repository.js';
import { changesBy } from '../store/audited-repositories.js';
import type { Store } from '../store/store.js';
import { UniqueViolation } from '../store/unique-violation.js';
import type { NewModelInput, PatchModelInput } from './model-schemas.js';

/** The models the gateway serves (proxy/router/database-models.ts). */
export interface ModelReloader {
  /** Reloads the database models and swaps them into the router. */
  refresh(force?: boolean): Promise<void>;
  isConfigModel(id: string): boolean;
}

export interface ModelServiceDeps {
  store: Pick<Store, 'models' | 'auditedBy'>;
  cipher: CredentialCipher;
  models: ModelReloader;
  env: Readonly<Record<string, string | undefined>>;
  now: () => number;
}

export class ModelService {
  constructor(private readonly deps: ModelServiceDeps) {}

  async create(caller: Principal, input: NewModelInput): Promise<Record<string, unknown>> {
    this.checkCipher();
    const info = { ...input.model_info };
    const modelId = info.id !== undefined ? String(info.id) : randomUUID();
    const params = input.litellm_params as Record<string, unknown>;
    this.validate({ model_name: input.model_name, litellm_params: params, model_info: info });
    if (this.deps.models.isConfigModel(modelId)) throw modelExists(modelId);
    const { models } = changesBy(this.deps.store, caller);
    if (await models.findById(modelId)) throw modelExists(modelId);
    const at = new Date(this.deps.now()).toISOString();
    const record: ModelRecord = {
      model_id: modelId,
      model_name: input.model_name,
      litellm_params: this.deps.cipher.sealParams(params),
      model_info: { ...info, id: modelId },
      created_by: who(caller),
      updated_by: who(caller),
      created_at: at,
      updated_at: at,
    };
    try {
      await models.create(record);
    } catch (error: unknown) {
      if (error instanceof UniqueViolation) throw modelExists(modelId);
      throw error;
    }
    await this.deps.models.refresh(true);
    return record as unknown as Record<string, unknown>;
  }

  async update(
    caller: Principal,
    modelId: string,
    input: PatchModelInput,
  ): Promise<Record<string, unknown>> {
    this.checkCipher();
    const { models } = changesBy(this.deps.store, caller);
    const existing = await models.findById(modelId);
    if (!existing) throw this.notFound(modelId);
    let stored: Record<string, unknown>;
    try {
      stored = this.deps.cipher.openParams(existing.litellm_params);
    } catch {
      throw new GatewayError(
        'bad_request',
        `Model with id=${modelId} was stored with another salt key; delete it and add it again`,
      );
    }
    const params = withoutNulls({ ...stored, ...input.litellm_params });
    const info = withoutNulls({ ...existing.model_info, ...input.model_info, id: modelId });
    const name = input.model_name ?? existing.model_name;
    this.validate({ model_name: name, litellm_params: params, model_info: info });
    const previous = Date.parse(existing.updated_at);
    // Strictly later, so the poll of other replicas always sees the change.
    const at = new Date(Math.max(this.deps.now(), previous + 1)).toISOString();
    const updated = await models.update(modelId, {
      model_name: name,
      litellm_params: this.deps.cipher.sealParams(params),
      model_info: info,
      updated_by: who(caller),
      updated_at: at,
    });
    if (!updated) throw this.notFound(modelId);
    await this.deps.models.refresh(true);
    return updated as unknown as Record<string, unknown>;
  }

  async delete(caller: Principal, modelId: string): Promise<Record<string, unknown>> {
    if (!(await changesBy(this.deps.store, caller).models.delete(modelId))) {
      throw this.notFound(modelId);
    }
    await this.deps.models.refresh(true);
    return { message: `Model: ${modelId} deleted successfully` };
  }

  private validate(entry: {
    model_name: string;
    litellm_params: Record<string, unknown>;
    model_info: Record<string, unknown>;
  }): void {
    const result = deploymentOf(entry, this.deps.env);
    if (result.ok) return;
    const param = /^([\w.[\]]+):/.exec(result.error)?.[1];
    throw new GatewayError(
      result.status === 422 ? 'validation_error' : 'bad_request',
      result.error,
      {
        param,
      },
    );
  }

  private checkCipher(): void {
    if (this.deps.cipher.usable) return;
    throw new GatewayError(
      'bad_request',
      'Models stored in the database need an encryption key: set LITELLM_SALT_KEY (or TOLLGATE_SALT_KEY) or a master key',
    );
  }

  private notFound(modelId: string): GatewayError {
    if (this.deps.models.isConfigModel(modelId)) {
      return new GatewayError(
        'bad_request',
        `Model with id=${modelId} is defined in the config file; change it there`,
      );
    }
    return new GatewayError('bad_request', `Model with id=${modelId} not found in db`);
  }
}

function who(caller: Principal): string | null {
  return caller.userId ?? null;
}

function withoutNulls(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(values).filter(([, v]) => v !== null && v !== undefined),
  );
}

function modelExists(modelId: string): GatewayError {
  return new GatewayError('bad_request', `Model with id=${modelId} already exists`);
}
