/**
 * OpenAI chat request → Bedrock Converse body. Converse wants strictly alternating user/assistant
 * turns of content blocks, tool results as user turns, the system prompt apart, and images as
 * bytes, so consecutive turns of one role are merged while walking the messages.
 */
import type { ChatMessage, ChatRequest } from '../../contracts/openai.js';
import {
  parseDataUrl,
  parseToolArguments,
  readFunctionTools,
  readMessageParts,
  readMessageText,
  readStopSequences,
  readToolCalls,
  readToolChoice,
} from '../shared/chat-messages.js';
import { ProviderError } from '../types.js';

export type ConverseBlock =
  | { text: string }
  | { image: { format: string; source: { bytes: string } } }
  | { toolUse: { toolUseId: string; name: string; input: Record<string, unknown> } }
  | { toolResult: { toolUseId: string; content: { text: string }[] } };

export interface ConverseMessage {
  role: 'user' | 'assistant';
  content: ConverseBlock[];
}

export interface ConverseRequestBody {
  messages: ConverseMessage[];
  system?: { text: string }[];
  inferenceConfig?: {
    maxTokens?: number;
    temperature?: number;
    topP?: number;
    stopSequences?: string[];
  };
  toolConfig?: {
    tools: { toolSpec: { name: string; description?: string; inputSchema: { json: unknown } } }[];
    toolChoice?: { auto: object } | { any: object } | { tool: { name: string } };
  };
}

const IMAGE_FORMATS = new Set(['png', 'jpeg', 'gif', 'webp']);

export function toConverseRequest(request: ChatRequest): ConverseRequestBody {
  const { messages, system } = translateMessages(request.messages);
  const body: ConverseRequestBody = { messages };
  if (system.length > 0) body.system = system.map((text) => ({ text }));
  const inference: NonNullable<ConverseRequestBody['inferenceConfig']> = {};
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (typeof maxTokens === 'number') inference.maxTokens = maxTokens;
  if (typeof request.temperature === 'number') inference.temperature = request.temperature;
  if (typeof request.top_p === 'number') inference.topP = request.top_p;
  const stop = readStopSequences(request.stop);
  if (stop && stop.length > 0) inference.stopSequences = stop;
  if (Object.keys(inference).length > 0) body.inferenceConfig = inference;
  const tools = readFunctionTools(request.tools).map((tool) => ({
    toolSpec: {
      name: tool.name,
      // Bedrock rejects an empty description, so an absent one stays absent.
      ...(tool.description ? { description: tool.description } : {}),
      inputSchema: { json: tool.parameters ?? { type: 'object', properties: {} } },
    },
  }));
  if (tools.length > 0) {
    body.toolConfig = { tools };
    const choice = readToolChoice(request.tool_choice);
    // Converse has no "none": the tools stay declared (history may use them) and the model decides.
    if (choice?.mode === 'auto') body.toolConfig.toolChoice = { auto: {} };
    if (choice?.mode === 'required') body.toolConfig.toolChoice = { any: {} };
    if (choice?.mode === 'function') body.toolConfig.toolChoice = { tool: { name: choice.name } };
  }
  return body;
}

function translateMessages(messages: ChatMessage[]): {
  messages: ConverseMessage[];
  system: string[];
} {
  const out: ConverseMessage[] = [];
  const system: string[] = [];
  const append = (role: ConverseMessage['role'], content: ConverseBlock[]) => {
    if (content.length === 0) return;
    const last = out[out.length - 1];
    if (last?.role === role) last.content.push(...content);
    else out.push({ role, content });
  };
  for (const message of messages) {
    switch (message.role) {
      case 'system':
      case 'developer': {
        const text = readMessageText(message);
        if (text) system.push(text);
        break;
      }
      case 'user':
        append('user', userBlocks(message));
        break;
      case 'assistant': {
        // Bedrock rejects blank text blocks, which assistants with tool calls often carry.
        const blocks: ConverseBlock[] = readMessageParts(message).flatMap((p) =>
          p.kind === 'text' && p.text.trim() !== '' ? [{ text: p.text }] : [],
        );
        for (const call of readToolCalls(message)) {
          const input = parseToolArguments(call.arguments, call.name);
          blocks.push({ toolUse: { toolUseId: call.id, name: call.name, input } });
        }
        append('assistant', blocks);
        break;
      }
      case 'tool': {
        if (!message.tool_call_id) {
          throw new ProviderError('bad_request', 'a tool message needs tool_call_id', {
            status: 400,
          });
        }
        const text = readMessageText(message);
        append('user', [
          { toolResult: { toolUseId: message.tool_call_id, content: [{ text: text || ' ' }] } },
        ]);
        break;
      }
      default:
        throw new ProviderError('bad_request', `unsupported message role "${message.role}"`, {
          status: 400,
        });
    }
  }
  return { messages: out, system };
}

function userBlocks(message: ChatMessage): ConverseBlock[] {
  return readMessageParts(message).map((part): ConverseBlock => {
    if (part.kind === 'text') return { text: part.text };
    const image = parseDataUrl(part.url);
    const format = image?.mimeType.replace(/^image\//, '').replace('jpg', 'jpeg');
    if (!image || !format || !IMAGE_FORMATS.has(format)) {
      // Converse takes image bytes (or S3), and adapters do no I/O to fetch a URL.
      throw new ProviderError(
        'bad_request',
        'Bedrock takes images as base64 data URLs (png, jpeg, gif or webp), not remote URLs',
        { status: 400 },
      );
    }
    return { image: { format, source: { bytes: image.data } } };
  });
}
