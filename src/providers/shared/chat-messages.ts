/**
 * Reading OpenAI chat messages for adapters that must rebuild them in another shape (Gemini,
 * Bedrock): content parts, data-URL images, assistant tool calls and tool arguments. The request
 * schema keeps these fields loose, so every read here checks the shape it relies on.
 */
import type { ChatMessage } from '../../contracts/openai.js';
import { ProviderError } from '../types.js';

export type MessagePart = { kind: 'text'; text: string } | { kind: 'image'; url: string };

export interface RequestedToolCall {
  id: string;
  name: string;
  /** The arguments as the client sent them: a JSON string. */
  arguments: string;
}

export interface DataUrl {
  mimeType: string;
  /** Base64 payload, as found in the URL. */
  data: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The text and image parts of a message, in order; other part types are rejected. */
export function readMessageParts(message: ChatMessage): MessagePart[] {
  const { content } = message;
  if (content === undefined || content === null) return [];
  if (typeof content === 'string') return content === '' ? [] : [{ kind: 'text', text: content }];
  return content.map((part): MessagePart => {
    if (part.type === 'text' && typeof part.text === 'string') {
      return { kind: 'text', text: part.text };
    }
    if (part.type === 'image_url') {
      const image = part.image_url;
      const url = typeof image === 'string' ? image : isRecord(image) ? image.url : undefined;
      if (typeof url === 'string') return { kind: 'image', url };
    }
    throw new ProviderError('bad_request', `unsupported message content part "${part.type}"`, {
      status: 400,
    });
  });
}

/** All text of a message joined, for roles that only take text (system, tool results). */
export function readMessageText(message: ChatMessage): string {
  return readMessageParts(message)
    .map((part) => (part.kind === 'text' ? part.text : ''))
    .join('');
}

export function readToolCalls(message: ChatMessage): RequestedToolCall[] {
  return (message.tool_calls ?? []).map((call, index) => {
    const fn = isRecord(call.function) ? call.function : {};
    if (typeof fn.name !== 'string') {
      throw new ProviderError('bad_request', `tool_calls[${index}].function.name is missing`, {
        status: 400,
      });
    }
    return {
      id: typeof call.id === 'string' ? call.id : `call_${index}`,
      name: fn.name,
      arguments: typeof fn.arguments === 'string' ? fn.arguments : '{}',
    };
  });
}

/** Tool arguments as an object: both Gemini and Bedrock want structured input, not a string. */
export function parseToolArguments(text: string, toolName: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ProviderError(
      'bad_request',
      `the arguments of tool call "${toolName}" are not valid JSON`,
      { status: 400 },
    );
  }
  return isRecord(parsed) ? parsed : { value: parsed };
}

export function parseDataUrl(url: string): DataUrl | undefined {
  const match = /^data:([^;,]+)(?:;[^,]*)?;base64,(.*)$/s.exec(url);
  return match?.[1] && match[2] !== undefined ? { mimeType: match[1], data: match[2] } : undefined;
}

/** `stop` may be a string, a list, or null. */
export function readStopSequences(stop: unknown): string[] | undefined {
  if (typeof stop === 'string') return [stop];
  if (Array.isArray(stop)) return stop.filter((s): s is string => typeof s === 'string');
  return undefined;
}

/** The function tools of a request, with their JSON-schema parameters. */
export interface FunctionTool {
  name: string;
  description?: string;
  parameters?: Record<string, unknown>;
}

export function readFunctionTools(tools: unknown): FunctionTool[] {
  if (!Array.isArray(tools)) return [];
  return tools.flatMap((tool: unknown) => {
    if (!isRecord(tool) || !isRecord(tool.function) || typeof tool.function.name !== 'string') {
      return [];
    }
    const fn = tool.function;
    return [
      {
        name: fn.name as string,
        description: typeof fn.description === 'string' ? fn.description : undefined,
        parameters: isRecord(fn.parameters) ? fn.parameters : undefined,
      },
    ];
  });
}

/** OpenAI `tool_choice`, reduced to what non-OpenAI providers can express. */
export type ToolChoice =
  { mode: 'auto' } | { mode: 'none' } | { mode: 'required' } | { mode: 'function'; name: string };

export function readToolChoice(choice: unknown): ToolChoice | undefined {
  if (choice === 'auto' || choice === 'none' || choice === 'required') return { mode: choice };
  if (isRecord(choice) && isRecord(choice.function) && typeof choice.function.name === 'string') {
    return { mode: 'function', name: choice.function.name };
  }
  return undefined;
}

export { isRecord };
