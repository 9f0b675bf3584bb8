/**
 * Turns OpenAI chat.completion.chunk objects into the Responses API event stream a
 * `/v1/responses` client expects: `response.created`, `response.in_progress`, one output item per
 * reasoning run, text run or function call (added, deltas, done), then `response.completed` (or
 * `response.incomplete`) with the whole response and its usage. Every event carries its
 * `sequence_number`, as OpenAI's do.
 */
import type { ChatCompletionChunk, ChunkDelta, Usage } from '../../contracts/openai.js';
import type { OutputItem } from '../../contracts/responses.js';
import {
  finalStatus,
  itemId,
  responseShell,
  toResponsesUsage,
  type ResponseFrame,
} from './chat-to-responses.js';

type OpenItem =
  | { kind: 'message'; id: string; index: number; text: string }
  | { kind: 'reasoning'; id: string; index: number; text: string }
  | {
      kind: 'tool';
      id: string;
      index: number;
      toolIndex: number;
      callId: string;
      name: string;
      args: string;
    };

export class ResponsesStreamEncoder {
  private sequence = 0;
  private started = false;
  private ended = false;
  private open: OpenItem | undefined;
  private readonly output: OutputItem[] = [];
  private finishReason: string | null = null;
  private usage: Usage | undefined;
  private tools = 0;
  /** Everything the model produced so far, for counting when the upstream reports no usage. */
  private produced = '';

  constructor(private readonly frame: ResponseFrame) {}

  /** The events for one upstream chunk; often the empty string. */
  push(chunk: ChatCompletionChunk): string {
    if (this.ended) return '';
    let out = this.start();
    if (chunk.usage) this.usage = chunk.usage;
    const choice = chunk.choices.find((c) => c.index === 0);
    if (!choice) return out;
    out += this.delta(choice.delta);
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
    return out;
  }

  /** The text the stream produced so far (reasoning, answer, call arguments). */
  producedText(): string {
    return this.produced;
  }

  /** The closing events. `usage` wins over any usage seen in the chunks. */
  end(usage?: Usage | null): string {
    if (this.ended) return '';
    const out = this.start() + this.close();
    this.ended = true;
    const status = finalStatus(this.finishReason);
    const response = {
      ...responseShell(this.frame),
      ...status,
      output: this.output,
      usage: toResponsesUsage(usage ?? this.usage),
    };
    const type = status.status === 'completed' ? 'response.completed' : 'response.incomplete';
    return out + this.event(type, { response });
  }

  /**
   * An `error` event, for a failure after the stream has started. It carries OpenAI's fields
   * (`code`, `message`, `param`) and an `error` object, on which the OpenAI SDKs throw.
   */
  error(message: string, code: string, type: string): string {
    this.ended = true;
    return this.event('error', {
      code,
      message,
      param: null,
      error: { type, code, message, param: null },
    });
  }

  private event(type: string, payload: Record<string, unknown>): string {
    const data = JSON.stringify({ type, sequence_number: this.sequence++, ...payload });
    return `event: ${type}\ndata: ${data}\n\n`;
  }

  private start(): string {
    if (this.started) return '';
    this.started = true;
    const response = responseShell(this.frame);
    return (
      this.event('response.created', { response }) +
      this.event('response.in_progress', { response })
    );
  }

  private delta(delta: ChunkDelta): string {
    let out = '';
    const reasoning = delta.reasoning_content;
    if (typeof reasoning === 'string' && reasoning !== '') {
      if (this.open?.kind !== 'reasoning') out += this.openReasoning();
      const open = this.open as Extract<OpenItem, { kind: 'reasoning' }>;
      open.text += reasoning;
      this.produced += reasoning;
      out += this.event('response.reasoning_text.delta', {
        item_id: open.id,
        output_index: open.index,
        content_index: 0,
        delta: reasoning,
      });
    }
    if (typeof delta.content === 'string' && delta.content !== '') {
      if (this.open?.kind !== 'message') out += this.openMessage();
      const open = this.open as Extract<OpenItem, { kind: 'message' }>;
      open.text += delta.content;
      this.produced += delta.content;
      out += this.event('response.output_text.delta', {
        item_id: open.id,
        output_index: open.index,
        content_index: 0,
        delta: delta.content,
        logprobs: [],
      });
    }
    for (const call of delta.tool_calls ?? []) {
      // Some providers repeat the id on every chunk: a new item starts on a new index only.
      if (this.open?.kind !== 'tool' || this.open.toolIndex !== call.index) {
        out += this.openTool(call);
      }
      const open = this.open as Extract<OpenItem, { kind: 'tool' }>;
      const args = call.function?.arguments;
      if (args) {
        open.args += args;
        this.produced += args;
        out += this.event('response.function_call_arguments.delta', {
          item_id: open.id,
          output_index: open.index,
          delta: args,
        });
      }
    }
    return out;
  }

  private openMessage(): string {
    const out = this.close();
    const index = this.output.length;
    const id = itemId(this.frame, 'msg', index);
    this.open = { kind: 'message', id, index, text: '' };
    return (
      out +
      this.event('response.output_item.added', {
        output_index: index,
        item: { id, type: 'message', status: 'in_progress', role: 'assistant', content: [] },
      }) +
      this.event('response.content_part.added', {
        item_id: id,
        output_index: index,
        content_index: 0,
        part: textPart(''),
      })
    );
  }

  private openReasoning(): string {
    const out = this.close();
    const index = this.output.length;
    const id = itemId(this.frame, 'rs', index);
    this.open = { kind: 'reasoning', id, index, text: '' };
    return (
      out +
      this.event('response.output_item.added', {
        output_index: index,
        item: { id, type: 'reasoning', summary: [], content: [] },
      }) +
      this.event('response.content_part.added', {
        item_id: id,
        output_index: index,
        content_index: 0,
        part: { type: 'reasoning_text', text: '' },
      })
    );
  }

  private openTool(call: NonNullable<ChunkDelta['tool_calls']>[number]): string {
    const out = this.close();
    const index = this.output.length;
    const id = itemId(this.frame, 'fc', this.tools++);
    const callId = call.id ?? `call_${id.slice(3)}`;
    const name = call.function?.name ?? '';
    this.open = { kind: 'tool', id, index, toolIndex: call.index, callId, name, args: '' };
    return (
      out +
      this.event('response.output_item.added', {
        output_index: index,
        item: {
          id,
          type: 'function_call',
          status: 'in_progress',
          call_id: callId,
          name,
          arguments: '',
        },
      })
    );
  }

  /** Closes the open item, if any: its `done` events, and it joins the output. */
  private close(): string {
    const open = this.open;
    if (!open) return '';
    this.open = undefined;
    const at = { item_id: open.id, output_index: open.index };
    if (open.kind === 'tool') {
      const item: OutputItem = {
        id: open.id,
        type: 'function_call',
        status: 'completed',
        call_id: open.callId,
        name: open.name,
        arguments: open.args,
      };
      this.output.push(item);
      return (
        this.event('response.function_call_arguments.done', {
          ...at,
          name: open.name,
          arguments: open.args,
        }) + this.event('response.output_item.done', { output_index: open.index, item })
      );
    }
    if (open.kind === 'reasoning') {
      const part = { type: 'reasoning_text' as const, text: open.text };
      const item: OutputItem = { id: open.id, type: 'reasoning', summary: [], content: [part] };
      this.output.push(item);
      return (
        this.event('response.reasoning_text.done', { ...at, content_index: 0, text: open.text }) +
        this.event('response.content_part.done', { ...at, content_index: 0, part }) +
        this.event('response.output_item.done', { output_index: open.index, item })
      );
    }
    const part = textPart(open.text);
    const item: OutputItem = {
      id: open.id,
      type: 'message',
      status: this.finishReason === 'length' ? 'incomplete' : 'completed',
      role: 'assistant',
      content: [part],
    };
    this.output.push(item);
    return (
      this.event('response.output_text.done', {
        ...at,
        content_index: 0,
        text: open.text,
        logprobs: [],
      }) +
      this.event('response.content_part.done', { ...at, content_index: 0, part }) +
      this.event('response.output_item.done', { output_index: open.index, item })
    );
  }
}

function textPart(text: string): {
  type: 'output_text';
  text: string;
  annotations: [];
  logprobs: [];
} {
  return { type: 'output_text', text, annotations: [], logprobs: [] };
}
