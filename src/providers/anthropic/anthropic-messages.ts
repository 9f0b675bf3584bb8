/**
 * OpenAI chat messages → Anthropic `system` + `messages`. Anthropic has no system or tool roles:
 * system text moves to the top-level field, tool answers become `tool_result` blocks of a user
 * turn, and consecutive turns of one role are merged because the API wants them to alternate.
 */
import type { ChatMessage } from '../../contracts/openai.js';
import { ProviderError } from '../types.js';

export type AnthropicBlock = { type: string; [k: string]: unknown };

export interface AnthropicTurn {
  role: 'user' | 'assistant';
  content: AnthropicBlock[];
}

export interface AnthropicConversation {
  system?: string | AnthropicBlock[];
  messages: AnthropicTurn[];
}

export function toAnthropicMessages(messages: readonly ChatMessage[]): AnthropicConversation {
  const system: AnthropicBlock[] = [];
  const turns: AnthropicTurn[] = [];
  for (const message of messages) {
    if (message.role === 'system' || message.role === 'developer') {
      system.push(...withCacheControl(textBlocks(message.content), message));
    } else if (message.role === 'assistant') {
      addTurn(turns, 'assistant', withCacheControl(assistantBlocks(message), message));
    } else if (message.role === 'tool' || message.role === 'function') {
      addTurn(turns, 'user', withCacheControl([toolResultBlock(message)], message));
    } else {
      addTurn(turns, 'user', withCacheControl(userBlocks(message.content), message));
    }
  }
  const conversation: AnthropicConversation = { messages: turns };
  if (system.length > 0) conversation.system = plainSystem(system) ?? system;
  return conversation;
}

/** A single uncached system text is sent as a plain string, as most clients do. */
function plainSystem(blocks: AnthropicBlock[]): string | undefined {
  const [only] = blocks;
  if (blocks.length !== 1 || !only || Object.keys(only).length !== 2) return undefined;
  return typeof only.text === 'string' ? only.text : undefined;
}

function addTurn(turns: AnthropicTurn[], role: AnthropicTurn['role'], blocks: AnthropicBlock[]) {
  if (blocks.length === 0) return;
  const last = turns.at(-1);
  if (!last || last.role !== role) {
    turns.push({ role, content: blocks });
    return;
  }
  last.content.push(...blocks);
  // Anthropic rejects a user turn whose tool_result blocks do not come first.
  if (role === 'user') {
    const isResult = (b: AnthropicBlock) => b.type === 'tool_result';
    last.content = [...last.content.filter(isResult), ...last.content.filter((b) => !isResult(b))];
  }
}

/** LiteLLM accepts `cache_control` on a whole message; Anthropic wants it on a block. */
function withCacheControl(blocks: AnthropicBlock[], message: ChatMessage): AnthropicBlock[] {
  const last = blocks.at(-1);
  if (last && message.cache_control && typeof message.cache_control === 'object') {
    last.cache_control = message.cache_control;
  }
  return blocks;
}

function textBlocks(content: ChatMessage['content']): AnthropicBlock[] {
  if (typeof content === 'string') return content ? [{ type: 'text', text: content }] : [];
  const blocks: AnthropicBlock[] = [];
  for (const part of content ?? []) {
    if (part.type === 'text' && typeof part.text === 'string' && part.text !== '') {
      blocks.push(keepCacheControl({ type: 'text', text: part.text }, part));
    }
  }
  return blocks;
}

function userBlocks(content: ChatMessage['content']): AnthropicBlock[] {
  if (!Array.isArray(content)) return textBlocks(content);
  const blocks: AnthropicBlock[] = [];
  for (const part of content) {
    if (part.type === 'text') blocks.push(...textBlocks([part]));
    else if (part.type === 'image_url') blocks.push(keepCacheControl(mediaBlock(part), part));
    else if (part.type === 'file') blocks.push(keepCacheControl(fileBlock(part), part));
    // Anything else (`document`, `search_result`, …) is taken to be an Anthropic block already.
    else blocks.push({ ...part });
  }
  return blocks;
}

function assistantBlocks(message: ChatMessage): AnthropicBlock[] {
  const blocks: AnthropicBlock[] = [];
  // Extended thinking must be echoed back before the tool_use it led to.
  if (Array.isArray(message.thinking_blocks)) {
    for (const block of message.thinking_blocks as AnthropicBlock[]) blocks.push({ ...block });
  }
  blocks.push(...textBlocks(message.content));
  for (const call of message.tool_calls ?? []) {
    const fn = (call.function ?? {}) as { name?: unknown; arguments?: unknown };
    blocks.push({
      type: 'tool_use',
      id: String(call.id ?? ''),
      name: String(fn.name ?? ''),
      input: parseArguments(fn.arguments),
    });
  }
  return blocks;
}

function parseArguments(args: unknown): unknown {
  if (typeof args !== 'string' || args.trim() === '') return {};
  try {
    return JSON.parse(args);
  } catch {
    throw new ProviderError('bad_request', `tool call arguments are not valid JSON: ${args}`, {
      status: 400,
    });
  }
}

function toolResultBlock(message: ChatMessage): AnthropicBlock {
  const content = message.content;
  const block: AnthropicBlock = {
    type: 'tool_result',
    // Legacy `function` messages carry no id; their name is the best link to the call there is.
    tool_use_id: message.tool_call_id ?? message.name ?? '',
  };
  if (typeof content === 'string') block.content = content;
  else if (Array.isArray(content)) block.content = userBlocks(content);
  else block.content = '';
  return block;
}

const DATA_URL = /^data:([^;,]+)(?:;[^,]*)?;base64,(.*)$/s;

/** An OpenAI image (or file) URL as an Anthropic source: inline base64, or a URL to fetch. */
function mediaBlock(part: Readonly<Record<string, unknown>>): AnthropicBlock {
  const raw = part.image_url;
  const url =
    typeof raw === 'string' ? raw : raw && typeof raw === 'object' && 'url' in raw ? raw.url : '';
  if (typeof url !== 'string' || url === '') {
    throw new ProviderError('bad_request', 'image_url part without a url', { status: 400 });
  }
  const data = DATA_URL.exec(url);
  if (data) {
    const mediaType = data[1] ?? '';
    const type = mediaType === 'application/pdf' ? 'document' : 'image';
    return { type, source: { type: 'base64', media_type: mediaType, data: data[2] ?? '' } };
  }
  return { type: 'image', source: { type: 'url', url } };
}

function fileBlock(part: Readonly<Record<string, unknown>>): AnthropicBlock {
  const file = (part.file ?? {}) as { file_data?: unknown; file_id?: unknown };
  if (typeof file.file_data === 'string') {
    const block = mediaBlock({ image_url: file.file_data });
    return { ...block, type: 'document' };
  }
  if (typeof file.file_id === 'string') {
    return { type: 'document', source: { type: 'file', file_id: file.file_id } };
  }
  throw new ProviderError('bad_request', 'file part without file_data or file_id', {
    status: 400,
  });
}

function keepCacheControl(block: AnthropicBlock, part: Readonly<Record<string, unknown>>) {
  if (part.cache_control && typeof part.cache_control === 'object') {
    block.cache_control = part.cache_control;
  }
  return block;
}
