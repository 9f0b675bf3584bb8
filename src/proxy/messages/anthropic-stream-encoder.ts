/**
 * Turns OpenAI chat.completion.chunk objects into the byte-exact Anthropic SSE stream a
 * `/v1/messages` client expects: message_start, one content block per text run, reasoning run or
 * tool call (start, deltas, stop), message_delta with the stop reason and usage, message_stop.
 */
import type { AnthropicStopReason } from '../../contracts/anthropic.js';
import type { ChatCompletionChunk, ChunkDelta, Usage } from '../../contracts/openai.js';
import {
  toAnthropicMessageId,
  toAnthropicStopReason,
  toAnthropicUsage,
} from './openai-to-anthropic-response.js';

export interface AnthropicStreamEncoderOptions {
  /** The model name the client asked for, echoed back as Anthropic does. */
  model: string;
  /** Defaults to one derived from the first chunk's id. */
  messageId?: string;
}

type OpenBlock = { kind: 'text' | 'thinking' } | { kind: 'tool'; toolIndex: number };

/** One Anthropic SSE frame. Anthropic writes compact JSON and names every event. */
function frame(type: string, payload: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`;
}

export class AnthropicStreamEncoder {
  private started = false;
  private ended = false;
  private blockCount = 0;
  private open: OpenBlock | undefined;
  private stopReason: AnthropicStopReason | undefined;
  private usage: Usage | undefined;

  constructor(private readonly options: AnthropicStreamEncoderOptions) {}

  /** The frames for one upstream chunk; often the empty string. */
  push(chunk: ChatCompletionChunk): string {
    if (this.ended) return '';
    let out = this.start(chunk.id);
    if (chunk.usage) this.usage = chunk.usage;
    const choice = chunk.choices.find((c) => c.index === 0);
    if (!choice) return out;
    out += this.delta(choice.delta);
    if (choice.finish_reason) {
      this.stopReason = toAnthropicStopReason(choice.finish_reason);
      out += this.closeBlock();
    }
    return out;
  }

  /** The closing frames. `usage` wins over any usage seen in the chunks. */
  end(usage?: Usage | null): string {
    if (this.ended) return '';
    let out = this.start(undefined) + this.closeBlock();
    this.ended = true;
    const { input_tokens, output_tokens, ...cache } = toAnthropicUsage(usage ?? this.usage);
    // message_delta counters are whole-message totals: SDKs overwrite message_start's zeros.
    out += frame('message_delta', {
      delta: { stop_reason: this.stopReason ?? 'end_turn', stop_sequence: null },
      usage: { input_tokens, ...cache, output_tokens },
    });
    return out + frame('message_stop', {});
  }

  /** An Anthropic `error` event, for failures after the response has started. */
  error(message: string, type = 'api_error'): string {
    this.ended = true;
    return frame('error', { error: { type, message } });
  }

  private start(chunkId: string | undefined): string {
    if (this.started) return '';
    this.started = true;
    const message = {
      id: this.options.messageId ?? toAnthropicMessageId(chunkId),
      type: 'message',
      role: 'assistant',
      model: this.options.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      // OpenAI streams report usage only at the end; the real counts go in message_delta.
      usage: { input_tokens: 0, output_tokens: 0 },
    };
    return frame('message_start', { message });
  }

  private delta(delta: ChunkDelta): string {
    let out = '';
    const reasoning = delta.reasoning_content;
    if (typeof reasoning === 'string' && reasoning !== '') {
      if (this.open?.kind !== 'thinking') out += this.openBlock({ kind: 'thinking' });
      out += this.blockDelta({ type: 'thinking_delta', thinking: reasoning });
    }
    if (typeof delta.content === 'string' && delta.content !== '') {
      if (this.open?.kind !== 'text') out += this.openBlock({ kind: 'text' });
      out += this.blockDelta({ type: 'text_delta', text: delta.content });
    }
    for (const call of delta.tool_calls ?? []) {
      // Some providers repeat the id on every chunk: a new block starts on a new index only.
      if (this.open?.kind !== 'tool' || this.open.toolIndex !== call.index) {
        out += this.openBlock({ kind: 'tool', toolIndex: call.index }, call);
      }
      const args = call.function?.arguments;
      if (args) out += this.blockDelta({ type: 'input_json_delta', partial_json: args });
    }
    return out;
  }

  private openBlock(
    block: OpenBlock,
    call?: NonNullable<ChunkDelta['tool_calls']>[number],
  ): string {
    const out = this.closeBlock();
    this.open = block;
    const contentBlock =
      block.kind === 'text'
        ? { type: 'text', text: '' }
        : block.kind === 'thinking'
          ? { type: 'thinking', thinking: '', signature: '' }
          : {
              type: 'tool_use',
              id: call?.id ?? `toolu_${this.blockCount}`,
              name: call?.function?.name ?? '',
              input: {},
            };
    return (
      out + frame('content_block_start', { index: this.blockCount, content_block: contentBlock })
    );
  }

  private blockDelta(delta: Record<string, unknown>): string {
    return frame('content_block_delta', { index: this.blockCount, delta });
  }

  private closeBlock(): string {
    if (!this.open) return '';
    this.open = undefined;
    return frame('content_block_stop', { index: this.blockCount++ });
  }
}
