/**
 * OpenAI request parameters → Anthropic ones. Shared by the translated path (an OpenAI chat
 * request) and the native path (only the deployment's `litellm_params` defaults, which LiteLLM
 * configs write with OpenAI names).
 */
import { GATEWAY_ONLY_FIELDS } from '../shared/url.js';
import { ProviderError } from '../types.js';
import { own } from '../../util/own.js';

/** The tool LiteLLM forces Claude to call to get `response_format` JSON out of it. */
export const RESPONSE_FORMAT_TOOL = 'json_tool_call';

/**
 * OpenAI parameters Anthropic has no equivalent for. Like LiteLLM, sending one is an error unless
 * `drop_params` is on; silently ignoring it would hide a behaviour the client asked for.
 */
const UNSUPPORTED = [
  'frequency_penalty',
  'presence_penalty',
  'logit_bias',
  'logprobs',
  'top_logprobs',
  'seed',
  'n',
  'modalities',
  'audio',
  'prediction',
  'functions',
  'function_call',
] as const;

/** Fields consumed elsewhere (messages, streaming, the gateway itself) and never copied over. */
const CONSUMED = new Set<string>([
  ...GATEWAY_ONLY_FIELDS,
  'model',
  'messages',
  'stream',
  'stream_options',
  'store',
  'extra_headers',
  'max_tokens',
  'max_completion_tokens',
  'stop',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'user',
  'response_format',
  'reasoning_effort',
  ...UNSUPPORTED,
]);

/** LiteLLM's budgets for `reasoning_effort`. */
const THINKING_BUDGET: Record<string, number> = { low: 1024, medium: 2048, high: 4096 };

export function toAnthropicParams(
  source: Readonly<Record<string, unknown>>,
  dropParams: boolean,
): Record<string, unknown> {
  rejectUnsupported(source, dropParams);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source)) {
    if (!CONSUMED.has(key) && value !== null && value !== undefined) out[key] = value;
  }
  const maxTokens = source.max_tokens ?? source.max_completion_tokens;
  if (typeof maxTokens === 'number') out.max_tokens = maxTokens;
  const stop = stopSequences(source.stop);
  if (stop) out.stop_sequences = stop;
  if (typeof source.user === 'string' && source.user) out.metadata = { user_id: source.user };
  const budget = own(THINKING_BUDGET, String(source.reasoning_effort));
  if (budget && out.thinking === undefined) {
    out.thinking = { type: 'enabled', budget_tokens: budget };
  }
  Object.assign(out, toolParams(source));
  return out;
}

function rejectUnsupported(source: Readonly<Record<string, unknown>>, dropParams: boolean) {
  if (dropParams) return;
  const present = UNSUPPORTED.filter((key) => {
    const value = source[key];
    if (value === null || value === undefined || value === false) return false;
    return !(key === 'n' && value === 1);
  });
  if (present.length === 0) return;
  const list = `[${present.map((p) => `'${p}'`).join(', ')}]`;
  throw new ProviderError(
    'bad_request',
    `anthropic does not support parameters: ${list}. To drop these, set \`drop_params: true\` in the request or, for the proxy, under \`litellm_settings\`.`,
    { status: 400, type: 'UnsupportedParamsError' },
  );
}

/** Anthropic rejects whitespace-only stop sequences, which OpenAI clients often send ("\n"). */
function stopSequences(stop: unknown): string[] | undefined {
  const list = typeof stop === 'string' ? [stop] : Array.isArray(stop) ? stop : [];
  const kept = list.filter((s): s is string => typeof s === 'string' && s.trim() !== '');
  return kept.length > 0 ? kept : undefined;
}

interface OpenAiTool {
  type?: unknown;
  function?: { name?: unknown; description?: unknown; parameters?: unknown };
  cache_control?: unknown;
}

function toolParams(source: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const tools = Array.isArray(source.tools)
    ? (source.tools as OpenAiTool[]).map(toAnthropicTool)
    : [];
  let choice = toAnthropicToolChoice(source.tool_choice);
  const format = responseFormatTool(source.response_format);
  if (format) {
    tools.push(format);
    choice = { type: 'tool', name: RESPONSE_FORMAT_TOOL };
  }
  if (source.parallel_tool_calls === false && tools.length > 0) {
    choice = { ...(choice ?? { type: 'auto' }), disable_parallel_tool_use: true };
  }
  if (tools.length > 0) out.tools = tools;
  if (choice) out.tool_choice = choice;
  return out;
}

function toAnthropicTool(tool: OpenAiTool): Record<string, unknown> {
  // Anthropic-native tools (web search, computer use, …) are sent as they are.
  if (tool.type !== 'function' || !tool.function) return { ...tool };
  const out: Record<string, unknown> = {
    name: tool.function.name,
    input_schema: tool.function.parameters ?? { type: 'object', properties: {} },
  };
  if (typeof tool.function.description === 'string') out.description = tool.function.description;
  if (tool.cache_control) out.cache_control = tool.cache_control;
  return out;
}

function toAnthropicToolChoice(choice: unknown): Record<string, unknown> | undefined {
  if (choice === 'auto') return { type: 'auto' };
  if (choice === 'none') return { type: 'none' };
  if (choice === 'required') return { type: 'any' };
  if (choice && typeof choice === 'object') {
    const named = choice as { type?: unknown; function?: { name?: unknown } };
    if (named.type === 'function' && typeof named.function?.name === 'string') {
      return { type: 'tool', name: named.function.name };
    }
  }
  return undefined;
}

function responseFormatTool(format: unknown): Record<string, unknown> | undefined {
  if (!format || typeof format !== 'object') return undefined;
  const { type, json_schema: jsonSchema } = format as { type?: unknown; json_schema?: unknown };
  if (type !== 'json_object' && type !== 'json_schema') return undefined;
  const schema = (jsonSchema as { schema?: unknown } | undefined)?.schema;
  return {
    name: RESPONSE_FORMAT_TOOL,
    description: 'Respond with a JSON object.',
    input_schema: schema ?? { type: 'object', additionalProperties: true, properties: {} },
  };
}
