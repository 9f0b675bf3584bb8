/**
 * OpenAI chat request → Gemini `generateContent` body. Gemini has two roles (`user`, `model`),
 * takes the system prompt apart, answers tool calls by function *name*, and wants consecutive
 * turns of one role merged, so the translation keeps a little state while it walks the messages.
 */
import type { ChatMessage, ChatRequest } from '../../contracts/openai.js';
import {
  isRecord,
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
import { toGeminiSchema } from './gemini-schema.js';
import { own } from '../../util/own.js';

export type GeminiRequestPart =
  | { text: string }
  | { inlineData: { mimeType: string; data: string } }
  | { fileData: { mimeType: string; fileUri: string } }
  | { functionCall: { name: string; args: Record<string, unknown> } }
  | { functionResponse: { name: string; response: Record<string, unknown> } };

export interface GeminiContent {
  role: 'user' | 'model';
  parts: GeminiRequestPart[];
}

export interface GeminiRequestBody {
  contents: GeminiContent[];
  systemInstruction?: { parts: { text: string }[] };
  tools?: { functionDeclarations: Record<string, unknown>[] }[];
  toolConfig?: { functionCallingConfig: { mode: string; allowedFunctionNames?: string[] } };
  generationConfig?: Record<string, unknown>;
}

/** LiteLLM's thinking budgets for OpenAI's `reasoning_effort`. */
const THINKING_BUDGETS: Record<string, number> = { low: 1024, medium: 2048, high: 4096 };

export function toGeminiRequest(request: ChatRequest): GeminiRequestBody {
  const { contents, system } = translateMessages(request.messages);
  const body: GeminiRequestBody = { contents };
  if (system.length > 0) body.systemInstruction = { parts: system.map((text) => ({ text })) };
  const declarations = readFunctionTools(request.tools).map((tool) => {
    const declaration: Record<string, unknown> = { name: tool.name };
    if (tool.description) declaration.description = tool.description;
    // Gemini rejects an OBJECT schema without properties, which is how "no arguments" is spelt.
    if (tool.parameters && isRecord(tool.parameters.properties)) {
      if (Object.keys(tool.parameters.properties).length > 0) {
        declaration.parameters = toGeminiSchema(tool.parameters);
      }
    }
    return declaration;
  });
  if (declarations.length > 0) body.tools = [{ functionDeclarations: declarations }];
  const choice = readToolChoice(request.tool_choice);
  if (choice && declarations.length > 0) {
    body.toolConfig = {
      functionCallingConfig:
        choice.mode === 'function'
          ? { mode: 'ANY', allowedFunctionNames: [choice.name] }
          : { mode: { auto: 'AUTO', none: 'NONE', required: 'ANY' }[choice.mode] },
    };
  }
  const config = generationConfig(request);
  if (Object.keys(config).length > 0) body.generationConfig = config;
  return body;
}

function translateMessages(messages: ChatMessage[]): {
  contents: GeminiContent[];
  system: string[];
} {
  const contents: GeminiContent[] = [];
  const system: string[] = [];
  const toolNames = new Map<string, string>();
  const append = (role: GeminiContent['role'], parts: GeminiRequestPart[]) => {
    if (parts.length === 0) return;
    const last = contents[contents.length - 1];
    if (last?.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };
  for (const message of messages) {
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(readMessageText(message));
        break;
      case 'user':
        append('user', userParts(message));
        break;
      case 'assistant': {
        const parts: GeminiRequestPart[] = readMessageParts(message).flatMap((p) =>
          p.kind === 'text' ? [{ text: p.text }] : [],
        );
        for (const call of readToolCalls(message)) {
          toolNames.set(call.id, call.name);
          const args = parseToolArguments(call.arguments, call.name);
          parts.push({ functionCall: { name: call.name, args } });
        }
        append('model', parts);
        break;
      }
      case 'tool':
      case 'function': {
        const name =
          (message.tool_call_id ? toolNames.get(message.tool_call_id) : undefined) ?? message.name;
        if (!name) {
          throw new ProviderError(
            'bad_request',
            `tool message ${message.tool_call_id ?? ''} answers no earlier tool call`,
            { status: 400 },
          );
        }
        const response = { content: readMessageText(message) };
        append('user', [{ functionResponse: { name, response } }]);
        break;
      }
      default:
        throw new ProviderError('bad_request', `unsupported message role "${message.role}"`, {
          status: 400,
        });
    }
  }
  // Gemini refuses a request without contents; a system-only prompt becomes the user turn.
  if (contents.length === 0 && system.length > 0) {
    return { contents: [{ role: 'user', parts: system.map((text) => ({ text })) }], system: [] };
  }
  return { contents, system };
}

function userParts(message: ChatMessage): GeminiRequestPart[] {
  return readMessageParts(message).map((part): GeminiRequestPart => {
    if (part.kind === 'text') return { text: part.text };
    const inline = parseDataUrl(part.url);
    if (inline) return { inlineData: inline };
    // Adapters do no I/O, so a remote image is passed by reference for Google to fetch.
    return { fileData: { mimeType: guessImageMimeType(part.url), fileUri: part.url } };
  });
}

function guessImageMimeType(url: string): string {
  const extension = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(url)?.[1]?.toLowerCase();
  const types: Record<string, string> = {
    png: 'image/png',
    gif: 'image/gif',
    webp: 'image/webp',
    heic: 'image/heic',
    pdf: 'application/pdf',
  };
  return (extension && types[extension]) ?? 'image/jpeg';
}

function generationConfig(request: ChatRequest): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  const set = (key: string, value: unknown) => {
    if (value !== undefined && value !== null) config[key] = value;
  };
  set('maxOutputTokens', request.max_completion_tokens ?? request.max_tokens);
  set('temperature', request.temperature);
  set('topP', request.top_p);
  set('topK', typeof request.top_k === 'number' ? request.top_k : undefined);
  set('candidateCount', request.n);
  set('stopSequences', readStopSequences(request.stop));
  set('presencePenalty', request.presence_penalty);
  set('frequencyPenalty', request.frequency_penalty);
  set('seed', request.seed);
  const format = request.response_format;
  if (isRecord(format) && (format.type === 'json_object' || format.type === 'json_schema')) {
    config.responseMimeType = 'application/json';
    const schema = isRecord(format.json_schema) ? format.json_schema.schema : undefined;
    if (isRecord(schema)) config.responseSchema = toGeminiSchema(schema);
  }
  const effort = request.reasoning_effort;
  if (typeof effort === 'string') {
    const budget = own(THINKING_BUDGETS, effort);
    if (budget !== undefined)
      config.thinkingConfig = { thinkingBudget: budget, includeThoughts: true };
    else if (effort === 'none' || effort === 'disable')
      config.thinkingConfig = { thinkingBudget: 0 };
  }
  return config;
}
