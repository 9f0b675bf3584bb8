/**
 * OpenAI requests → Ollama request bodies: /api/chat (`ollama_chat/`), /api/generate (`ollama/`,
 * with the conversation flattened into one prompt the way LiteLLM does) and /api/embed. Sampling
 * parameters move into Ollama's `options`.
 */
import type {
  ChatMessage,
  ChatRequest,
  CompletionRequest,
  EmbeddingRequest,
} from '../../contracts/openai.js';
import type { Deployment } from '../../contracts/deployment.js';
import {
  isRecord,
  parseDataUrl,
  parseToolArguments,
  readMessageParts,
  readMessageText,
  readStopSequences,
  readToolCalls,
  type MessagePart,
} from '../shared/chat-messages.js';
import { readEmbeddingTexts } from '../shared/embedding-list.js';
import { upstreamBody } from '../shared/url.js';
import { ProviderError, type CallContext } from '../types.js';

export type OllamaKind = 'ollama' | 'ollama_chat';
type Body = Record<string, unknown>;

/** Options Ollama knows by the same name as OpenAI, and Ollama's own knobs a config may set. */
const OPTION_NAMES = [
  'temperature',
  'top_p',
  'top_k',
  'min_p',
  'typical_p',
  'seed',
  'frequency_penalty',
  'presence_penalty',
  'repeat_penalty',
  'repeat_last_n',
  'num_predict',
  'num_ctx',
  'num_keep',
  'num_batch',
  'num_gpu',
  'main_gpu',
  'num_thread',
  'mirostat',
  'mirostat_eta',
  'mirostat_tau',
  'tfs_z',
  'penalize_newline',
] as const;

export function toOllamaChatBody(request: ChatRequest, ctx: CallContext): Body {
  const params = merged(request, ctx.deployment);
  const body: Body = {
    model: ctx.deployment.model,
    messages: toOllamaMessages(request.messages),
    stream: ctx.stream,
    options: toOllamaOptions(params),
  };
  // `tool_choice` is left out: Ollama has no such field and LiteLLM found it makes requests hang.
  if (Array.isArray(params.tools) && params.tools.length > 0) body.tools = params.tools;
  return Object.assign(body, topLevelFields(params, ctx.deployment));
}

/** `ollama/` chat: /api/generate takes one prompt, so the conversation is flattened. */
export function toOllamaGenerateBody(request: ChatRequest, ctx: CallContext): Body {
  const params = merged(request, ctx.deployment);
  if (Array.isArray(params.tools) && params.tools.length > 0 && !ctx.dropParams) {
    throw new ProviderError(
      'bad_request',
      `ollama/${ctx.deployment.model} cannot call tools: Ollama's /api/generate has no tool support. Use ollama_chat/${ctx.deployment.model} for tool calling.`,
      { status: 400 },
    );
  }
  const { system, prompt, images } = flattenConversation(request.messages);
  const body: Body = {
    model: ctx.deployment.model,
    prompt,
    stream: ctx.stream,
    options: toOllamaOptions(params),
  };
  if (system !== '') body.system = system;
  if (images.length > 0) body.images = images;
  return Object.assign(body, topLevelFields(params, ctx.deployment));
}

/** Legacy /completions on `ollama/`: the prompt goes to /api/generate as written. */
export function toOllamaTextBody(request: CompletionRequest, ctx: CallContext): Body {
  const params = merged(request, ctx.deployment);
  const body: Body = {
    model: ctx.deployment.model,
    prompt: singlePrompt(request.prompt),
    stream: ctx.stream,
    options: toOllamaOptions(params),
  };
  if (typeof params.suffix === 'string') body.suffix = params.suffix;
  return Object.assign(body, topLevelFields(params, ctx.deployment));
}

export function toOllamaEmbedBody(request: EmbeddingRequest, ctx: CallContext): Body {
  const params = merged(request, ctx.deployment);
  const texts = readEmbeddingTexts(request.input, 'Ollama');
  const body: Body = {
    model: ctx.deployment.model,
    input: typeof request.input === 'string' ? request.input : texts,
  };
  if (typeof request.dimensions === 'number') body.dimensions = request.dimensions;
  if (typeof params.truncate === 'boolean') body.truncate = params.truncate;
  const options = toOllamaOptions(params);
  if (Object.keys(options).length > 0) body.options = options;
  const keepAlive = params.keep_alive ?? ctx.deployment.connection.keep_alive;
  if (keepAlive !== undefined) body.keep_alive = keepAlive;
  return body;
}

function merged(request: object, d: Deployment): Body {
  return upstreamBody(request, d.defaults, d.model);
}

export function toOllamaOptions(params: Body): Body {
  const options: Body = {};
  for (const name of OPTION_NAMES) {
    if (params[name] !== undefined && params[name] !== null) options[name] = params[name];
  }
  const maxTokens = params.max_completion_tokens ?? params.max_tokens;
  if (typeof maxTokens === 'number') options.num_predict = maxTokens;
  const stop = readStopSequences(params.stop);
  if (stop && stop.length > 0) options.stop = stop;
  // Ollama-native `options` sent by the client are the most specific, so they win.
  if (isRecord(params.options)) Object.assign(options, params.options);
  return options;
}

/** Fields that sit next to `options` in every Ollama body: format, keep_alive, think. */
function topLevelFields(params: Body, d: Deployment): Body {
  const out: Body = {};
  const format = formatOf(params.response_format) ?? params.format;
  if (format !== undefined) out.format = format;
  const keepAlive = params.keep_alive ?? d.connection.keep_alive;
  if (keepAlive !== undefined) out.keep_alive = keepAlive;
  const think = params.think ?? thinkOf(params.reasoning_effort, d.model);
  if (think !== undefined) out.think = think;
  return out;
}

function formatOf(responseFormat: unknown): unknown {
  if (!isRecord(responseFormat)) return undefined;
  if (responseFormat.type === 'json_object') return 'json';
  if (responseFormat.type === 'json_schema' && isRecord(responseFormat.json_schema)) {
    return responseFormat.json_schema.schema;
  }
  return undefined;
}

/** As LiteLLM: gpt-oss takes the effort level itself, other thinking models an on/off switch. */
function thinkOf(effort: unknown, model: string): unknown {
  if (typeof effort !== 'string') return undefined;
  if (model.startsWith('gpt-oss')) return effort;
  return effort !== 'none';
}

export function toOllamaMessages(messages: ChatMessage[]): Body[] {
  const toolNames = new Map<string, string>();
  return messages.map((message) => {
    const parts = readMessageParts(message);
    const out: Body = { role: ollamaRole(message.role), content: textOf(parts) };
    const images = imagesOf(parts);
    if (images.length > 0) out.images = images;
    const calls = message.role === 'assistant' ? readToolCalls(message) : [];
    if (calls.length > 0) {
      out.tool_calls = calls.map((call) => {
        toolNames.set(call.id, call.name);
        return {
          function: { name: call.name, arguments: parseToolArguments(call.arguments, call.name) },
        };
      });
    }
    if (typeof message.reasoning_content === 'string') out.thinking = message.reasoning_content;
    // Ollama matches a tool result to its call by name, not by id.
    const toolName = message.tool_call_id ? toolNames.get(message.tool_call_id) : undefined;
    if (message.role === 'tool' && toolName) out.tool_name = toolName;
    return out;
  });
}

function ollamaRole(role: string): string {
  if (role === 'developer') return 'system';
  if (role === 'function') return 'tool';
  return role;
}

/**
 * LiteLLM's `ollama_pt` prompt: runs of user/tool turns under `### User:`, assistant turns under
 * `### Assistant:`. System messages go to Ollama's own `system` field instead, so the model's
 * template places them.
 */
export function flattenConversation(messages: ChatMessage[]): {
  system: string;
  prompt: string;
  images: string[];
} {
  const system: string[] = [];
  const blocks: { speaker: string; text: string }[] = [];
  const images: string[] = [];
  for (const message of messages) {
    if (message.role === 'system' || message.role === 'developer') {
      system.push(readMessageText(message));
      continue;
    }
    const speaker = message.role === 'assistant' ? 'Assistant' : 'User';
    const parts = readMessageParts(message);
    images.push(...imagesOf(parts));
    let text = textOf(parts);
    const calls = message.role === 'assistant' ? readToolCalls(message) : [];
    if (calls.length > 0) text += `Tool Calls: ${JSON.stringify(calls, null, 2)}`;
    const last = blocks[blocks.length - 1];
    if (last && last.speaker === speaker) last.text += text;
    else blocks.push({ speaker, text });
  }
  const prompt = blocks
    .filter((block) => block.text !== '')
    .map((block) => `### ${block.speaker}:\n${block.text}\n\n`)
    .join('');
  return { system: system.join('\n'), prompt, images };
}

function textOf(parts: MessagePart[]): string {
  return parts.map((part) => (part.kind === 'text' ? part.text : '')).join('');
}

/** Ollama takes images as bare base64; fetching remote URLs would be I/O, which adapters never do. */
function imagesOf(parts: MessagePart[]): string[] {
  return parts.flatMap((part) => {
    if (part.kind !== 'image') return [];
    const data = parseDataUrl(part.url);
    if (data) return [data.data];
    if (/^https?:\/\//i.test(part.url)) {
      throw new ProviderError(
        'bad_request',
        'Ollama takes images inline: send them as base64 data URLs (data:image/png;base64,...)',
        { status: 400 },
      );
    }
    return [part.url];
  });
}

function singlePrompt(prompt: CompletionRequest['prompt']): string {
  if (typeof prompt === 'string') return prompt;
  if (prompt.length === 1 && typeof prompt[0] === 'string') return prompt[0];
  throw new ProviderError('bad_request', 'Ollama takes one text prompt per completion request', {
    status: 400,
  });
}
