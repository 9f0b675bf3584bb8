import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatCompletionChunk, ChunkDelta, FinishReason } from '../../contracts/openai.js';
import { AnthropicStreamEncoder } from './anthropic-stream-encoder.js';

function chunk(delta: ChunkDelta, finish: FinishReason | null = null): ChatCompletionChunk {
  return {
    id: 'chatcmpl-abc',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'gpt-4o-mini',
    choices: [{ index: 0, delta, finish_reason: finish }],
  };
}

const usageChunk: ChatCompletionChunk = {
  ...chunk({}),
  choices: [],
  usage: {
    prompt_tokens: 30,
    completion_tokens: 7,
    total_tokens: 37,
    prompt_tokens_details: { cached_tokens: 10 },
  },
};

function frame(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

const messageStart = frame('message_start', {
  message: {
    id: 'msg_abc',
    type: 'message',
    role: 'assistant',
    model: 'claude-via-openai',
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: 0, output_tokens: 0 },
  },
});

describe('AnthropicStreamEncoder', () => {
  it('renders a text answer as the exact Anthropic event sequence', () => {
    const encoder = new AnthropicStreamEncoder({ model: 'claude-via-openai' });
    const out = [
      encoder.push(chunk({ role: 'assistant', content: '' })),
      encoder.push(chunk({ content: 'Hello' })),
      encoder.push(chunk({ content: ' world' })),
      encoder.push(chunk({}, 'stop')),
      encoder.push(usageChunk),
      encoder.end(),
    ].join('');
    assert.equal(
      out,
      messageStart +
        frame('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }) +
        frame('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Hello' } }) +
        frame('content_block_delta', { index: 0, delta: { type: 'text_delta', text: ' world' } }) +
        frame('content_block_stop', { index: 0 }) +
        frame('message_delta', {
          delta: { stop_reason: 'end_turn', stop_sequence: null },
          usage: {
            input_tokens: 20,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: 10,
            output_tokens: 7,
          },
        }) +
        frame('message_stop', {}),
    );
  });

  it('renders text then two tool calls as separate blocks with input_json_delta', () => {
    const encoder = new AnthropicStreamEncoder({ model: 'm', messageId: 'msg_fixed' });
    const call = (index: number, id: string | undefined, name: string | undefined, args: string) =>
      chunk({
        tool_calls: [
          {
            index,
            ...(id ? { id, type: 'function' as const } : {}),
            function: { ...(name ? { name } : {}), arguments: args },
          },
        ],
      });
    const out = [
      encoder.push(chunk({ role: 'assistant', content: 'Checking.' })),
      encoder.push(call(0, 'call_1', 'get_weather', '')),
      encoder.push(call(0, undefined, undefined, '{"city":')),
      encoder.push(call(0, undefined, undefined, '"Paris"}')),
      encoder.push(call(1, 'call_2', 'get_time', '{}')),
      encoder.push(chunk({}, 'tool_calls')),
      encoder.end({ prompt_tokens: 5, completion_tokens: 9, total_tokens: 14 }),
    ].join('');
    const events = out
      .split('\n\n')
      .filter(Boolean)
      .map((f) => JSON.parse(f.split('\ndata: ')[1] ?? '') as Record<string, unknown>);
    assert.deepEqual(
      events.map((e) => e.type),
      [
        'message_start',
        'content_block_start',
        'content_block_delta',
        'content_block_stop',
        'content_block_start',
        'content_block_delta',
        'content_block_delta',
        'content_block_stop',
        'content_block_start',
        'content_block_delta',
        'content_block_stop',
        'message_delta',
        'message_stop',
      ],
    );
    assert.equal((events[0]?.message as { id: string }).id, 'msg_fixed');
    assert.deepEqual(events[4], {
      type: 'content_block_start',
      index: 1,
      content_block: { type: 'tool_use', id: 'call_1', name: 'get_weather', input: {} },
    });
    assert.deepEqual(events[5], {
      type: 'content_block_delta',
      index: 1,
      delta: { type: 'input_json_delta', partial_json: '{"city":' },
    });
    assert.deepEqual(events[8], {
      type: 'content_block_start',
      index: 2,
      content_block: { type: 'tool_use', id: 'call_2', name: 'get_time', input: {} },
    });
    assert.deepEqual(events[11], {
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: {
        input_tokens: 5,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        output_tokens: 9,
      },
    });
  });

  it('still sends a well-formed message for an empty stream, and nothing after end', () => {
    const encoder = new AnthropicStreamEncoder({ model: 'm' });
    const out = encoder.end();
    assert.match(out, /^event: message_start\n/);
    assert.match(out, /event: message_stop\ndata: {"type":"message_stop"}\n\n$/);
    assert.equal(encoder.push(chunk({ content: 'late' })), '');
    assert.equal(encoder.end(), '');
  });

  it('renders an Anthropic error frame', () => {
    const encoder = new AnthropicStreamEncoder({ model: 'm' });
    assert.equal(
      encoder.error('Overloaded', 'overloaded_error'),
      'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
    );
  });
});
