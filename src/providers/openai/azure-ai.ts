/**
 * Azure AI Foundry (LiteLLM's `azure_ai/`): OpenAI's chat format at a deployment's own address.
 * What differs from OpenAI:
 *
 * - the address: a `*.services.ai.azure.com` resource serves its models under `/models`
 *   (`/models/chat/completions`), a serverless endpoint (`*.models.ai.azure.com`, ...) at its root
 *   (`/chat/completions`); an `api_base` that already ends with the path is used as it is, and the
 *   deployment's `api_version` is added as `api-version` unless the address has one;
 * - the key: in an `api-key` header for `*.services.ai.azure.com` and `*.openai.azure.com`, as
 *   `Authorization: Bearer` elsewhere;
 * - message content: a list of text parts is sent as one string (the service refuses lists);
 *   content with an image or audio part goes as it is.
 */
import { ProviderError } from '../types.js';

const KEY_HEADER_HOSTS = ['.services.ai.azure.com', '.openai.azure.com'];

function parseBase(base: string): URL {
  try {
    return new URL(base);
  } catch {
    throw new ProviderError('bad_request', `Azure_ai api_base is not a URL: ${base}`, {
      status: 400,
    });
  }
}

/** Whether the key goes in an `api-key` header (Foundry resources) rather than as a bearer token. */
export function azureAiKeyHeader(base: string): boolean {
  const host = parseBase(base).hostname;
  return KEY_HEADER_HOSTS.some((suffix) => host.endsWith(suffix));
}

/** The address of `path` (`/chat/completions`, `/embeddings`) for a deployment's `api_base`. */
export function azureAiUrl(base: string, path: string, apiVersion: string | undefined): string {
  const url = parseBase(base);
  const ending = url.hostname.endsWith('.services.ai.azure.com') ? `/models${path}` : path;
  const trimmed = url.pathname.replace(/\/+$/, '');
  if (!trimmed.endsWith(ending)) {
    url.pathname =
      trimmed.endsWith('/models') && ending.startsWith('/models/')
        ? trimmed + path
        : trimmed + ending;
  }
  if (apiVersion && !url.searchParams.has('api-version')) {
    url.searchParams.set('api-version', apiVersion);
  }
  return url.toString();
}

/** Messages with lists of text parts joined into one string; images and audio left as they are. */
export function flattenTextContent(messages: unknown): unknown {
  if (!Array.isArray(messages)) return messages;
  return messages.map((message: unknown) => {
    if (message === null || typeof message !== 'object') return message;
    const content = (message as { content?: unknown }).content;
    if (!Array.isArray(content) || content.length === 0) return message;
    let text = '';
    for (const part of content) {
      if (part === null || typeof part !== 'object') return message;
      const { type, text: partText } = part as { type?: unknown; text?: unknown };
      if (type !== 'text' || typeof partText !== 'string') return message;
      text += partText;
    }
    return { ...(message as object), content: text };
  });
}
