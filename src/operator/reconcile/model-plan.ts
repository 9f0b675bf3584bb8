/**
 * A Model resource in the gateway's terms, and the pure decisions about it: which gateway model
 * it is (by the id it is bound to, `modelInfo.id`, else by model name + `litellm_params.model`,
 * so an existing model is adopted, never duplicated), whether that model must be written again,
 * and the /model/new and /model/update bodies. No I/O.
 *
 * The gateway never shows credentials, so drift is found through hashes kept in status: what was
 * last written (spec + the credentials Secret's resourceVersion, never the credentials) and what
 * `/model/info` showed right after (any change someone makes in the gateway changes it).
 */
import { createHash } from 'node:crypto';
import { ReconcileError } from '../reconcile-error.js';

type Json = Record<string, unknown>;

export interface DesiredModel {
  modelName: string;
  /** snake_case, as the admin API takes them; no credentials from the Secret. */
  litellmParams: Json;
  modelInfo: Json;
}

/** One entry of `/model/info`. */
export interface GatewayModel {
  model_name?: unknown;
  litellm_params?: Json;
  model_info?: Json;
}

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** LiteLLM operator's string-typed prices and budgets: numbers for the admin API. */
const NUMERIC = /(cost|budget)/i;

export function desiredModel(spec: Json | undefined): DesiredModel {
  const problems: string[] = [];
  const modelName = typeof spec?.modelName === 'string' ? spec.modelName.trim() : '';
  if (modelName === '') problems.push('spec.modelName: required');
  const litellmParams: Json = {};
  for (const [key, value] of Object.entries((spec?.litellmParams ?? {}) as Json)) {
    const name = snake(key);
    if (NUMERIC.test(key) && key !== 'budgetDuration' && typeof value === 'string') {
      const number = Number(value);
      if (value.trim() === '' || !Number.isFinite(number)) {
        problems.push(`spec.litellmParams.${key}: "${value}" is not a number`);
      }
      litellmParams[name] = number;
    } else {
      litellmParams[name] = value;
    }
  }
  if (typeof litellmParams.model !== 'string' || litellmParams.model === '') {
    problems.push('spec.litellmParams.model: required (provider/model, e.g. openai/gpt-4o)');
  }
  const modelInfo: Json = {};
  for (const [key, value] of Object.entries((spec?.modelInfo ?? {}) as Json)) {
    // The gateway decides db_model: it is a stored model because the operator stores it.
    if (key !== 'dbModel' && value !== undefined) modelInfo[snake(key)] = value;
  }
  if (problems.length > 0) throw new ReconcileError('InvalidSpec', problems.join('; '), false);
  return { modelName, litellmParams, modelInfo };
}

/**
 * Provider credentials from the `modelSecretRef` Secret's data: `apiKey` → `api_key`,
 * `awsSecretAccessKey` → `aws_secret_access_key`, ... (snake_case names are taken as written).
 */
export function credentialParams(data: Record<string, string> | undefined): Json {
  const params: Json = {};
  for (const [key, encoded] of Object.entries(data ?? {})) {
    const value = Buffer.from(encoded, 'base64').toString('utf8').trim();
    if (value !== '') params[snake(key)] = value;
  }
  return params;
}

/** `provider/model`, as `/model/info` shows it. */
function modelKey(params: Json | undefined): string {
  const model = String(params?.model ?? '');
  const provider = params?.custom_llm_provider;
  return typeof provider === 'string' && !model.startsWith(`${provider}/`)
    ? `${provider}/${model}`
    : model;
}

function sameModel(shown: Json | undefined, desired: Json): boolean {
  const a = String(shown?.model ?? '');
  const b = modelKey(desired);
  // A model written without a provider is shown with the one the gateway inferred.
  return a === b || (!b.includes('/') && a.endsWith(`/${b}`));
}

const idOf = (entry: GatewayModel) => String(entry.model_info?.id ?? '');

/**
 * The gateway model this resource is, if any: the one it is bound to (status.modelId), the one
 * `modelInfo.id` names, else the one model of that name serving that model.
 */
export function findModel(
  models: readonly GatewayModel[],
  desired: DesiredModel,
  boundId: string | undefined,
): GatewayModel | undefined {
  const ids = [boundId, desired.modelInfo.id].filter((id) => id !== undefined && id !== '');
  for (const id of ids) {
    const found = models.find((m) => idOf(m) === String(id));
    if (found) return usable(found);
  }
  if (desired.modelInfo.id !== undefined) return undefined;
  const matches = models.filter(
    (m) => m.model_name === desired.modelName && sameModel(m.litellm_params, desired.litellmParams),
  );
  if (matches.length > 1) {
    throw new ReconcileError(
      'ConfigError',
      `${matches.length} models named ${desired.modelName} serve ${modelKey(desired.litellmParams)} (ids ${matches.map(idOf).join(', ')}): set spec.modelInfo.id to the one this resource is`,
    );
  }
  return matches[0] && usable(matches[0]);
}

function usable(model: GatewayModel): GatewayModel {
  if (model.model_info?.db_model === false) {
    throw new ReconcileError(
      'ConfigError',
      `model ${String(model.model_name)} (id ${idOf(model)}) is defined in the gateway's config file; change it there or remove it from the file`,
    );
  }
  return model;
}

export function isManaged(model: GatewayModel | undefined, managedBy: string): boolean {
  return model?.model_info?.managed_by === managedBy;
}

const sha256 = (value: unknown) =>
  createHash('sha256').update(canonical(value)).digest('hex').slice(0, 32);

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Json)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What was written: the spec and which version of the credentials Secret (never its values). */
export function appliedHash(desired: DesiredModel, credentialsVersion: string): string {
  return sha256({ desired, credentialsVersion });
}

/** What the gateway shows of a model, without bookkeeping fields that change on every write. */
export function gatewayHash(model: GatewayModel): string {
  const info = { ...model.model_info };
  for (const field of ['created_at', 'updated_at', 'created_by', 'updated_by']) delete info[field];
  return sha256({ ...model, model_info: info });
}

/** The /model/new body: the spec, the credentials and the operator's marker. */
export function createBody(desired: DesiredModel, credentials: Json, managedBy: string): Json {
  return {
    model_name: desired.modelName,
    litellm_params: { ...desired.litellmParams, ...credentials },
    model_info: { ...desired.modelInfo, managed_by: managedBy },
  };
}

/**
 * The /model/update body that puts the whole spec back: every param given again (with the
 * credentials), and the params the gateway shows that the spec no longer has removed (null).
 * The marker is left as it is, so an adopted model stays adopted.
 */
export function updateBody(desired: DesiredModel, credentials: Json, current: GatewayModel): Json {
  const params: Json = { ...desired.litellmParams, ...credentials };
  for (const key of Object.keys(current.litellm_params ?? {})) {
    if (!(key in params)) params[key] = null;
  }
  return {
    model_name: desired.modelName,
    litellm_params: params,
    model_info: { ...desired.modelInfo, id: idOf(current) },
  };
}

/** Replaces every credential value in a message, so an echoing gateway never puts one in status. */
export function redact(message: string, credentials: Json): string {
  let text = message;
  for (const value of Object.values(credentials)) {
    if (typeof value === 'string' && value.length >= 4) text = text.replaceAll(value, '[redacted]');
  }
  return text;
}

export { idOf as modelIdOf, modelKey };
