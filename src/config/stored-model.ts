/**
 * Models stored in the database are `model_list` entries: validated by the same schema and
 * provider checks as the config file's.
 */
import { buildDeployment } from './build-deployment.js';
import { resolveEnvReferences } from './resolve-env.js';
import { ModelEntrySchema, type ModelEntry } from './schema.js';
import type { Deployment } from '../contracts/deployment.js';

/** A database model turned into a Deployment, or why it cannot be one. */
export type StoredModelResult =
  { ok: true; deployment: Deployment } | { ok: false; error: string; status: 400 | 422 };

/**
 * Validates a model entry exactly as a config `model_list` entry (schema, then provider checks);
 * error messages use the entry's own paths (`litellm_params.model: unknown provider ...`).
 */
export function deploymentOf(
  entry: unknown,
  env: Readonly<Record<string, string | undefined>>,
): StoredModelResult {
  const parsed = ModelEntrySchema.safeParse(entry);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.map(String).join('.') ?? '';
    return {
      ok: false,
      status: 422,
      error: `${path ? `${path}: ` : ''}${issue?.message ?? 'invalid'}`,
    };
  }
  const resolved = resolveEnvReferences(parsed.data, env).value as ModelEntry;
  const result = buildDeployment(resolved, 0, env);
  if (result.ok) return result;
  const message = result.skip ? result.warning : result.error;
  return { ok: false, status: 400, error: message.replace(/^model_list\[0\]\./, '') };
}
