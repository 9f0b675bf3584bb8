/**
 * Models stored in the database, served next to the config's `model_list` without a restart.
 * The router's catalog is rebuilt as a whole (config deployments + database deployments) and
 * swapped in at once:
 *   - on the replica that handled a `/model/*` write, right after the write;
 *   - on every replica, when a poll every `modelPollMs` finds the table changed. The poll reads
 *     only the ids and `updated_at` of the rows; nothing is decrypted unless something changed.
 * A stored model that cannot be decrypted (another salt key) or no longer validates is skipped
 * with a warning: it never stops the gateway.
 */
import type { Logger } from 'pino';
import {
  buildModelDirectory,
  type ModelDirectory,
  type ModelSource,
} from '../../auth/model-access.js';
import type { AliasTarget } from '../../config/gateway-config.js';
import { deploymentOf } from '../../config/stored-model.js';
import type { Deployment } from '../../contracts/deployment.js';
import type { CredentialCipher } from '../../store/credential-cipher.js';
import type { ModelRecord, ModelRepository } from '../../store/model-repository.js';
import { ModelCatalog } from './model-catalog.js';

export interface DatabaseModelsDeps {
  repository: ModelRepository;
  cipher: CredentialCipher;
  /** The deployments of the config file: always served, never changed here. */
  configDeployments: readonly Deployment[];
  aliases: ReadonlyMap<string, AliasTarget>;
  env: Readonly<Record<string, string | undefined>>;
  /** Installs a new catalog (the router's swap). */
  install: (catalog: ModelCatalog) => void;
  logger: Logger;
  pollMs: number;
}

export class DatabaseModels {
  private fingerprint: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private readonly configIds: ReadonlySet<string>;

  constructor(private readonly deps: DatabaseModelsDeps) {
    this.configIds = new Set(deps.configDeployments.map((d) => d.id));
  }

  /** Whether a deployment id belongs to the config file (not editable through the API). */
  isConfigModel(id: string): boolean {
    return this.configIds.has(id);
  }

  /**
   * Reloads the table when it changed since the last load (always with `force`), then swaps the
   * catalog. Calls are serialised, so an older load never replaces a newer one.
   */
  refresh(force = false): Promise<void> {
    const next = this.running.then(() => this.load(force));
    this.running = next.catch(() => undefined);
    return next;
  }

  /** Polls the table every `pollMs`; the timer does not keep the process alive. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.refresh().catch((error: unknown) => {
        this.deps.logger.warn({ err: error }, 'database models: poll failed');
      });
    }, this.deps.pollMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async load(force: boolean): Promise<void> {
    const { repository } = this.deps;
    const fingerprint = await repository.fingerprint();
    if (!force && fingerprint === this.fingerprint) return;
    const records = await repository.list();
    const deployments: Deployment[] = [];
    for (const record of records) {
      const deployment = this.toDeployment(record);
      if (!deployment) continue;
      deployments.push(deployment);
    }
    this.fingerprint = fingerprint;
    this.deps.install(
      new ModelCatalog([...this.deps.configDeployments, ...deployments], this.deps.aliases),
    );
  }

  private toDeployment(record: ModelRecord): Deployment | undefined {
    const { logger } = this.deps;
    const where = { model: record.model_name, model_id: record.model_id };
    if (this.configIds.has(record.model_id)) {
      logger.warn(where, 'database model skipped: its id is used by a model of the config file');
      return undefined;
    }
    let params: Record<string, unknown>;
    try {
      params = this.deps.cipher.openParams(record.litellm_params);
    } catch (error: unknown) {
      logger.warn(
        { ...where, reason: (error as Error).message },
        'database model skipped: its credentials cannot be decrypted (is LITELLM_SALT_KEY / TOLLGATE_SALT_KEY the one it was stored with?)',
      );
      return undefined;
    }
    const result = deploymentOf(
      {
        model_name: record.model_name,
        litellm_params: params,
        model_info: { ...record.model_info, id: record.model_id },
      },
      this.deps.env,
    );
    if (!result.ok) {
      logger.warn({ ...where, reason: result.error }, 'database model skipped: it is not valid');
      return undefined;
    }
    const d = result.deployment;
    return { ...d, modelInfo: { ...d.modelInfo, db_model: true } };
  }
}

/**
 * A ModelDirectory that always answers from the current catalog: rebuilt once per catalog, so
 * access checks see models added or removed at run time.
 */
export function liveModelDirectory(current: () => ModelSource): ModelDirectory {
  let source: ModelSource | undefined;
  let directory: ModelDirectory | undefined;
  const get = (): ModelDirectory => {
    const now = current();
    if (now !== source || !directory) {
      source = now;
      directory = buildModelDirectory(now);
    }
    return directory;
  };
  return {
    get names() {
      return get().names;
    },
    get nameSet() {
      return get().nameSet;
    },
    get accessGroups() {
      return get().accessGroups;
    },
    routesOf: (name) => get().routesOf(name),
  };
}
