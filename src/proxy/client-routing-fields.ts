/**
 * Refuses request bodies that try to choose where or with what a call goes: `api_base`,
 * `base_url`, `api_key`, provider endpoints and credentials (`azure_endpoint`, `aws_*`,
 * `vertex_*`, any `*_url` / `*_endpoint`), logging callbacks, at any depth. The gateway picks
 * upstream hosts and credentials from its own config only (CVE-2024-6587: a client `api_base`
 * received the server's provider key). What the model reads (messages, tools, schemas) is not
 * searched: those keys belong to the user's content, not to the gateway.
 */
import { GatewayError } from '../errors/gateway-error.js';

const EXACT = new Set([
  'api_base',
  'base_url',
  'api_key',
  'azure_endpoint',
  'azure_ad_token',
  'callbacks',
  'success_callback',
  'failure_callback',
  'user_config',
]);

const PREFIXES = ['aws_', 'vertex_', 'langfuse_', 's3_'];
const SUFFIXES = ['_url', '_endpoint', '_api_base', '_base_url'];

/** Content the model reads, where any key name is the user's own business. */
const CONTENT = new Set([
  'messages',
  'tools',
  'functions',
  'tool_choice',
  'response_format',
  // The Responses API's instructions and output format (its JSON schema names the user's fields).
  'instructions',
  'text',
  'input',
  'prompt',
  'system',
  'contents',
]);

/** Keys of content parts that carry a URL for the model to read, not for the gateway to call. */
const CONTENT_URLS = new Set(['image_url', 'audio_url', 'video_url', 'file_url', 'document_url']);

/** Throws a 400 naming the first field that would steer the upstream call. */
export function refuseClientRouting(body: object): void {
  const found = find(body as Record<string, unknown>, 0);
  if (found === undefined) return;
  throw new GatewayError(
    'bad_request',
    `Rejected Request: ${found} is not allowed in request body. The gateway chooses upstream hosts and credentials from its own configuration.`,
    { param: found },
  );
}

/** The path, relative to `value`, of the first field in it that steers; built only when found. */
function find(value: Record<string, unknown>, depth: number): string | undefined {
  // Bodies nested this deep are refused earlier (server/body-depth.ts); stop regardless.
  if (depth > 100) return undefined;
  for (const key of Object.keys(value)) {
    if (depth === 0 && CONTENT.has(key)) continue;
    if (steers(key)) return key;
    const child = value[key];
    if (child === null || typeof child !== 'object') continue;
    if (Array.isArray(child)) {
      const nested = findInArray(child, depth + 1);
      if (nested !== undefined) return `${key}${nested}`;
    } else {
      const nested = find(child as Record<string, unknown>, depth + 1);
      if (nested !== undefined) return `${key}.${nested}`;
    }
  }
  return undefined;
}

/** Like `find`, for an array: the path it returns starts at the index (`[2].api_base`). */
function findInArray(items: unknown[], depth: number): string | undefined {
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (item === null || typeof item !== 'object') continue;
    if (Array.isArray(item)) {
      const nested = findInArray(item, depth + 1);
      if (nested !== undefined) return `[${i}]${nested}`;
    } else {
      const nested = find(item as Record<string, unknown>, depth + 1);
      if (nested !== undefined) return `[${i}].${nested}`;
    }
  }
  return undefined;
}

function steers(key: string): boolean {
  if (EXACT.has(key)) return true;
  // Every prefix and suffix has an underscore; most keys a body carries (model, stream,
  // temperature…) have none.
  if (!key.includes('_') || CONTENT_URLS.has(key)) return false;
  for (const prefix of PREFIXES) if (key.startsWith(prefix)) return true;
  for (const suffix of SUFFIXES) if (key.endsWith(suffix)) return true;
  return false;
}
