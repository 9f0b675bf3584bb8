/**
 * Azure OpenAI addresses a deployment, not a model: `{api_base}/openai/deployments/{deployment}
 * /{operation}?api-version=...`. This is the one place that builds those URLs.
 */
import type { Deployment } from '../../contracts/deployment.js';
import { ProviderError } from '../types.js';

/**
 * LiteLLM's `AZURE_DEFAULT_API_VERSION` (litellm/__init__.py), used when neither the config nor
 * AZURE_API_VERSION names one, so an unchanged LiteLLM config reaches the same API surface.
 */
export const AZURE_DEFAULT_API_VERSION = '2025-02-01-preview';

export type AzureOperation =
  | '/chat/completions'
  | '/completions'
  | '/embeddings'
  | '/images/generations'
  | '/images/edits'
  | '/audio/speech'
  | '/audio/transcriptions'
  | '/audio/translations';

/** LiteLLM route prefixes that select model-family quirks; they are not part of the deployment. */
const ROUTE_PREFIXES = ['o_series/', 'gpt5_series/'];

export function azureDeploymentName(model: string): string {
  const prefix = ROUTE_PREFIXES.find((p) => model.startsWith(p));
  return prefix ? model.slice(prefix.length) : model;
}

export function azureUrl(d: Deployment, operation: AzureOperation): string {
  if (!d.apiBase) {
    throw new ProviderError(
      'bad_request',
      `Azure needs api_base (https://<resource>.openai.azure.com) for model ${d.modelName}: set litellm_params.api_base or AZURE_API_BASE`,
      { status: 400 },
    );
  }
  let url: URL;
  try {
    url = new URL(d.apiBase);
  } catch {
    throw new ProviderError(
      'bad_request',
      `Azure api_base "${d.apiBase}" of model ${d.modelName} is not a URL`,
      { status: 400 },
    );
  }
  const path = url.pathname.replace(/\/+$/, '');
  if (path.includes('/openai/deployments/')) {
    // A deployment URL copied from the Azure portal is used as given, operation and all.
    const known = [
      '/chat/completions',
      '/completions',
      '/embeddings',
      '/images/generations',
      '/images/edits',
      '/audio/speech',
      '/audio/transcriptions',
      '/audio/translations',
    ].some((op) => path.endsWith(op));
    url.pathname = known ? path : path + operation;
  } else {
    // `https://x.openai.azure.com/openai` is a common way to write the endpoint, too.
    const root = path.replace(/\/openai$/, '');
    url.pathname = `${root}/openai/deployments/${encodeURIComponent(azureDeploymentName(d.model))}${operation}`;
  }
  if (!url.searchParams.has('api-version')) {
    url.searchParams.set('api-version', d.apiVersion ?? AZURE_DEFAULT_API_VERSION);
  }
  return url.toString();
}

/** The first dated API version that has the Responses API. */
const FIRST_RESPONSES_API_VERSION = '2025-03-01-preview';
/** What `/v1/responses` uses when the deployment's API version predates the Responses API. */
export const AZURE_RESPONSES_API_VERSION = '2025-04-01-preview';

/**
 * Azure's Responses API is per resource, not per deployment: `{resource}/openai/responses
 * ?api-version=...`, the deployment named by the body's `model`. A dated API version older than
 * the Responses API (such as the default for chat) is replaced by one that has it: the older one
 * could only answer 404.
 */
export function azureResponsesUrl(d: Deployment): string {
  const url = new URL(azureUrl(d, '/chat/completions'));
  const path = url.pathname.replace(/\/openai\/deployments\/.*$/, '');
  url.pathname = `${path}/openai/responses`;
  const version = url.searchParams.get('api-version') ?? AZURE_DEFAULT_API_VERSION;
  const date = /^\d{4}-\d{2}-\d{2}/.exec(version)?.[0];
  if (date !== undefined && `${date}-preview` < FIRST_RESPONSES_API_VERSION) {
    url.searchParams.set('api-version', AZURE_RESPONSES_API_VERSION);
  }
  return url.toString();
}

/** The API version a request to this URL will use. */
export function apiVersionOf(url: string): string {
  return new URL(url).searchParams.get('api-version') ?? AZURE_DEFAULT_API_VERSION;
}

/**
 * Azure rejects `stream_options` (400 "Unrecognized request argument") before 2024-09-01-preview;
 * later dated versions and the undated `v1`/`latest`/`preview` accept it.
 */
export function acceptsStreamOptions(apiVersion: string): boolean {
  const date = /^\d{4}-\d{2}-\d{2}/.exec(apiVersion)?.[0];
  return date === undefined || date >= '2024-09-01';
}
