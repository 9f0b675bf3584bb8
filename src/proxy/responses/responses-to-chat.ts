/**
 * A Responses API request → the canonical chat request every provider adapter takes, so that
 * `/v1/responses` reaches any deployment, as LiteLLM's bridge does. What a chat request cannot
 * express is refused with a 400 that says what to send instead, never silently dropped: the
 * gateway stores no responses (`previous_response_id`, `item_reference`), and runs no hosted
 * tools (web search, file search, computer use): only function tools.
 */
import type { ChatMessage, ChatRequest } from '../../contracts/openai.js';
import type { ResponsesInputItem, ResponsesRequest } from '../../contracts/responses.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { GATEWAY_ONLY_FIELDS } from '../../providers/shared/url.js';

type Part = { type: string; [k: string]: unknown };

/** Chat request fields with the same name and meaning in both APIs, passed on when present. */
const SHARED_FIELDS = [
  'temperature',
  'top_p',
  'parallel_tool_calls',
  'user',
  'top_logprobs',
  'service_tier',
  'prompt_cache_key',
  'safety_identifier',
  'seed',
] as const;

export function responsesToChatRequest(body: ResponsesRequest): ChatRequest {
  if (body.previous_response_id) {
    throw invalid(
      'previous_response_id',
      "previous_response_id is not supported: this gateway does not store responses. Send the earlier turns in `input` (the items of the previous response's `output`, then the new input)",
    );
  }
  const messages: ChatMessage[] = [];
  if (body.instructions) messages.push({ role: 'system', content: body.instructions });
  if (typeof body.input === 'string') messages.push({ role: 'user', content: body.input });
  else body.input.forEach((item, index) => addItem(messages, item, index));
  if (messages.length === 0) {
    throw invalid('input', '`input` must hold at least one message');
  }

  const request: ChatRequest = { model: body.model, messages };
  // The gateway's own fields (mock_response, metadata tags, fallbacks, …) keep working here.
  for (const field of GATEWAY_ONLY_FIELDS) {
    if (body[field] !== undefined) Object.assign(request, { [field]: body[field] });
  }
  for (const field of SHARED_FIELDS) {
    if (body[field] !== undefined && body[field] !== null) {
      Object.assign(request, { [field]: body[field] });
    }
  }
  if (body.stream) {
    request.stream = true;
    request.stream_options = { include_usage: true };
  }
  if (typeof body.max_output_tokens === 'number') request.max_tokens = body.max_output_tokens;
  const effort = body.reasoning?.effort;
  if (typeof effort === 'string') request.reasoning_effort = effort;
  const format = responseFormat(body.text?.format);
  if (format) request.response_format = format;
  if (body.tools?.length) request.tools = body.tools.map(toChatTool);
  const choice = toChatToolChoice(body.tool_choice);
  if (choice !== undefined) request.tool_choice = choice;
  return request;
}

function addItem(messages: ChatMessage[], item: ResponsesInputItem, index: number): void {
  const type = item.type ?? 'message';
  const at = `input[${index}]`;
  switch (type) {
    case 'message': {
      messages.push(message(item, at));
      return;
    }
    case 'function_call': {
      const call = {
        id: stringField(item, 'call_id', at),
        type: 'function',
        function: { name: stringField(item, 'name', at), arguments: argumentsOf(item) },
      };
      // A model's calls of one turn are one assistant message in chat: join them to its text.
      const last = messages.at(-1);
      if (last?.role === 'assistant') last.tool_calls = [...(last.tool_calls ?? []), call];
      else messages.push({ role: 'assistant', content: null, tool_calls: [call] });
      return;
    }
    case 'function_call_output': {
      messages.push({
        role: 'tool',
        tool_call_id: stringField(item, 'call_id', at),
        content: toolOutput(item.output, at),
      });
      return;
    }
    // The model's earlier reasoning: chat requests have no place for it, and providers that
    // produced it do not need it back to go on.
    case 'reasoning':
      return;
    case 'item_reference':
      throw invalid(
        at,
        `${at}: item_reference is not supported: this gateway does not store responses. Send the item itself`,
      );
    default:
      throw invalid(
        at,
        `${at}: input items of type "${type}" are not supported; use messages, function_call and function_call_output items`,
      );
  }
}

function message(item: ResponsesInputItem, at: string): ChatMessage {
  const role = item.role;
  if (role !== 'user' && role !== 'assistant' && role !== 'system' && role !== 'developer') {
    throw invalid(
      `${at}.role`,
      `${at}.role: must be "user", "assistant", "system" or "developer", got ${JSON.stringify(role)}`,
    );
  }
  // `developer` is the newer name of `system`; not every provider knows it.
  const chatRole = role === 'developer' ? 'system' : role;
  const content = item.content;
  if (typeof content === 'string') return { role: chatRole, content };
  if (!Array.isArray(content)) {
    throw invalid(`${at}.content`, `${at}.content: must be a string or an array of content parts`);
  }
  const parts = content.map((part, i) => toChatPart(part, `${at}.content[${i}]`));
  // Assistant turns and system prompts are plain text in chat.
  if (chatRole !== 'user') return { role: chatRole, content: parts.map(textOf).join('') };
  const [only] = parts;
  if (parts.length === 1 && only?.type === 'text') return { role: chatRole, content: textOf(only) };
  return { role: chatRole, content: parts };
}

function toChatPart(part: unknown, at: string): Part {
  const p = (part ?? {}) as Record<string, unknown>;
  switch (p.type) {
    case 'input_text':
    case 'output_text':
      return { type: 'text', text: String(p.text ?? '') };
    case 'refusal':
      return { type: 'text', text: String(p.refusal ?? '') };
    case 'input_image': {
      if (typeof p.image_url !== 'string') {
        throw invalid(
          at,
          `${at}: images must be sent by image_url (a URL or a data: URL); file_id needs stored files, which this gateway does not keep`,
        );
      }
      const image: Record<string, unknown> = { url: p.image_url };
      if (typeof p.detail === 'string') image.detail = p.detail;
      return { type: 'image_url', image_url: image };
    }
    case 'input_file': {
      if (typeof p.file_data !== 'string') {
        throw invalid(
          at,
          `${at}: files must be sent inline as file_data; file_id and file_url are not supported by this gateway`,
        );
      }
      const file: Record<string, unknown> = { file_data: p.file_data };
      if (typeof p.filename === 'string') file.filename = p.filename;
      return { type: 'file', file };
    }
    default:
      throw invalid(
        at,
        `${at}: content parts of type ${JSON.stringify(p.type)} are not supported; use input_text, input_image or input_file`,
      );
  }
}

function textOf(part: Part): string {
  return part.type === 'text' ? String(part.text) : '';
}

function toolOutput(output: unknown, at: string): string {
  if (typeof output === 'string') return output;
  if (Array.isArray(output)) {
    return output
      .filter((p): p is { text: string } => typeof (p as Part)?.text === 'string')
      .map((p) => p.text)
      .join('');
  }
  throw invalid(`${at}.output`, `${at}.output: must be a string`);
}

function argumentsOf(item: ResponsesInputItem): string {
  const args = item.arguments;
  return typeof args === 'string' ? args : JSON.stringify(args ?? {});
}

function stringField(item: ResponsesInputItem, field: string, at: string): string {
  const value = item[field];
  if (typeof value !== 'string' || value === '') {
    throw invalid(`${at}.${field}`, `${at}.${field}: required, a non-empty string`);
  }
  return value;
}

function toChatTool(tool: { type: string; [k: string]: unknown }, index: number): Part {
  const at = `tools[${index}]`;
  if (tool.type !== 'function') {
    throw invalid(
      at,
      `${at}: tools of type "${tool.type}" are hosted by OpenAI and not run by this gateway; only function tools are supported on /v1/responses`,
    );
  }
  if (typeof tool.name !== 'string' || tool.name === '') {
    throw invalid(`${at}.name`, `${at}.name: required, a non-empty string`);
  }
  const fn: Record<string, unknown> = {
    name: tool.name,
    parameters: tool.parameters ?? { type: 'object', properties: {} },
  };
  if (typeof tool.description === 'string') fn.description = tool.description;
  if (typeof tool.strict === 'boolean') fn.strict = tool.strict;
  return { type: 'function', function: fn };
}

function toChatToolChoice(choice: unknown): unknown {
  if (choice === undefined || choice === null) return undefined;
  if (choice === 'auto' || choice === 'none' || choice === 'required') return choice;
  const c = choice as Record<string, unknown>;
  if (c.type === 'function' && typeof c.name === 'string') {
    return { type: 'function', function: { name: c.name } };
  }
  throw invalid(
    'tool_choice',
    'tool_choice: must be "auto", "none", "required" or {"type":"function","name":...}',
  );
}

function responseFormat(
  format: { type: string; [k: string]: unknown } | null | undefined,
): Record<string, unknown> | undefined {
  if (!format || format.type === 'text') return undefined;
  if (format.type === 'json_object') return { type: 'json_object' };
  if (format.type === 'json_schema') {
    const { type: _type, ...schema } = format;
    return { type: 'json_schema', json_schema: schema };
  }
  throw invalid(
    'text.format',
    `text.format: type ${JSON.stringify(format.type)} is not supported; use "text", "json_object" or "json_schema"`,
  );
}

function invalid(param: string, message: string): GatewayError {
  return new GatewayError('bad_request', message, { param });
}
