/**
 * An Anthropic Messages request → the canonical OpenAI chat request, for `/v1/messages` calls that
 * route to a deployment that does not speak Anthropic. Fields with no OpenAI meaning (`top_k`,
 * `thinking`, beta features) are dropped: an OpenAI-format upstream would reject them.
 */
import type {
  AnthropicContentBlockParam,
  AnthropicMessageParam,
  AnthropicMessagesRequest,
  AnthropicTool,
  AnthropicToolChoice,
} from '../../contracts/anthropic.js';
import type { ChatMessage, ChatRequest } from '../../contracts/openai.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { GATEWAY_ONLY_FIELDS } from '../../providers/shared/url.js';

type Part = { type: string; [k: string]: unknown };

export function anthropicToOpenAiRequest(body: AnthropicMessagesRequest): ChatRequest {
  const messages: ChatMessage[] = [];
  const system = systemMessage(body.system);
  if (system) messages.push(system);
  for (const message of body.messages) messages.push(...toOpenAiMessages(message));

  const request: ChatRequest = { model: body.model, messages, max_tokens: body.max_tokens };
  // The gateway's own fields (mock_response, fallbacks, metadata tags, …) keep working here.
  for (const field of GATEWAY_ONLY_FIELDS) {
    if (body[field] !== undefined) Object.assign(request, { [field]: body[field] });
  }
  if (body.stream) {
    request.stream = true;
    request.stream_options = { include_usage: true };
  }
  if (body.temperature !== undefined) request.temperature = body.temperature;
  if (body.top_p !== undefined) request.top_p = body.top_p;
  if (body.stop_sequences?.length) request.stop = body.stop_sequences;
  if (typeof body.metadata?.user_id === 'string') request.user = body.metadata.user_id;
  if (body.tools?.length) {
    request.tools = body.tools.map(toOpenAiTool);
    const choice = toOpenAiToolChoice(body.tool_choice);
    if (choice !== undefined) request.tool_choice = choice;
    if (body.tool_choice?.disable_parallel_tool_use) request.parallel_tool_calls = false;
  }
  return request;
}

function systemMessage(system: AnthropicMessagesRequest['system']): ChatMessage | undefined {
  if (system === undefined || system === '' || system.length === 0) return undefined;
  if (typeof system === 'string') return { role: 'system', content: system };
  return { role: 'system', content: simplify(system.map((block) => textPart(block.text, block))) };
}

function toOpenAiMessages(message: AnthropicMessageParam): ChatMessage[] {
  const { content } = message;
  if (typeof content === 'string') return [{ role: message.role, content }];
  if (message.role === 'assistant') return [assistantMessage(content)];
  // Tool results become `tool` messages, which OpenAI wants right after the assistant's calls.
  const out: ChatMessage[] = [];
  const parts: Part[] = [];
  for (const block of content) {
    if (block.type === 'tool_result') out.push(toolMessage(block));
    else {
      const part = toOpenAiPart(block);
      if (part) parts.push(part);
    }
  }
  if (parts.length > 0) out.push({ role: 'user', content: simplify(parts) });
  return out;
}

function assistantMessage(blocks: readonly AnthropicContentBlockParam[]): ChatMessage {
  let text = '';
  const toolCalls: Record<string, unknown>[] = [];
  for (const block of blocks) {
    if (block.type === 'text' && typeof block.text === 'string') text += block.text;
    else if (block.type === 'tool_use') {
      toolCalls.push({
        id: String(block.id),
        type: 'function',
        function: { name: String(block.name), arguments: JSON.stringify(block.input ?? {}) },
      });
    }
    // Thinking blocks are Anthropic's own reasoning record; other providers cannot use them.
  }
  const message: ChatMessage = { role: 'assistant', content: text === '' ? null : text };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return message;
}

function toolMessage(block: AnthropicContentBlockParam): ChatMessage {
  const content = block.content;
  let text = '';
  if (typeof content === 'string') text = content;
  else if (Array.isArray(content)) {
    // OpenAI tool messages carry text only.
    text = (content as Part[])
      .filter((p) => p.type === 'text' && typeof p.text === 'string')
      .map((p) => p.text as string)
      .join('\n');
  }
  return { role: 'tool', tool_call_id: String(block.tool_use_id), content: text };
}

function toOpenAiPart(block: AnthropicContentBlockParam): Part | undefined {
  if (block.type === 'text' && typeof block.text === 'string') return textPart(block.text, block);
  const source = (block.source ?? {}) as Record<string, unknown>;
  const url =
    source.type === 'base64'
      ? `data:${String(source.media_type)};base64,${String(source.data)}`
      : source.type === 'url'
        ? String(source.url)
        : undefined;
  if (block.type === 'image' && url) return { type: 'image_url', image_url: { url } };
  if (block.type === 'document' && source.type === 'text' && typeof source.data === 'string') {
    return textPart(source.data, block);
  }
  if (block.type === 'document' && url) return { type: 'file', file: { file_data: url } };
  return undefined;
}

function textPart(text: string, block: Readonly<Record<string, unknown>>): Part {
  const part: Part = { type: 'text', text };
  // OpenAI-format upstreams ignore it, but LiteLLM-style caching of other providers reads it.
  if (block.cache_control) part.cache_control = block.cache_control;
  return part;
}

/** A single plain text part is sent as a string, which every OpenAI-compatible server accepts. */
function simplify(parts: Part[]): string | Part[] {
  const [only] = parts;
  if (parts.length === 1 && only?.type === 'text' && !only.cache_control) return String(only.text);
  return parts;
}

function toOpenAiTool(tool: AnthropicTool, index: number): Record<string, unknown> {
  if (tool.type && tool.type !== 'custom') {
    throw new GatewayError(
      'bad_request',
      `tools[${index}]: "${tool.name}" is an Anthropic server tool (${tool.type}); only anthropic deployments can run it`,
      { param: `tools[${index}]` },
    );
  }
  const fn: Record<string, unknown> = {
    name: tool.name,
    parameters: tool.input_schema ?? { type: 'object' },
  };
  if (tool.description !== undefined) fn.description = tool.description;
  return { type: 'function', function: fn };
}

function toOpenAiToolChoice(choice: AnthropicToolChoice | undefined): unknown {
  if (!choice) return undefined;
  if (choice.type === 'any') return 'required';
  if (choice.type === 'tool' && choice.name) {
    return { type: 'function', function: { name: choice.name } };
  }
  if (choice.type === 'none') return 'none';
  return 'auto';
}
