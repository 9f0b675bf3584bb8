import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatCompletionChunk } from '../../contracts/openai.js';
import { ProviderError, type StreamDecoder } from '../types.js';
import { createAnthropicStreamDecoder } from './anthropic-stream.js';

const encoder = new TextEncoder();

function sse(events: Record<string, unknown>[]): string {
  return events.map((e) => `event: ${String(e.type)}\ndata: ${JSON.stringify(e)}\n\n`).join('');
}

const START = {
  type: 'message_start',
  message: {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-x',
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: 12, cache_read_input_tokens: 8, output_tokens: 1 },
  },
};

function decodeAll(decoder: StreamDecoder, text: string): ChatCompletionChunk[] {
  return [...decoder.push(encoder.encode(text)), ...decoder.end()].map((e) => e.chunk);
}

const deltas = (chunks: ChatCompletionChunk[]) => chunks.map((c) => c.choices[0]?.delta);

describe('createAnthropicStreamDecoder', () => {
  it('turns a text stream into role, content, finish and usage chunks', () => {
    const text = sse([
      START,
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'ping' },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hel' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'lo' } },
      { type: 'content_block_stop', index: 0 },
      {
        type: 'message_delta',
        delta: { stop_reason: 'end_turn', stop_sequence: null },
        usage: { output_tokens: 5 },
      },
      { type: 'message_stop' },
    ]);
    const chunks = decodeAll(createAnthropicStreamDecoder('Anthropic'), text);
    assert.deepEqual(deltas(chunks), [
      { role: 'assistant', content: '' },
      { content: 'Hel' },
      { content: 'lo' },
      {},
      undefined,
    ]);
    assert.ok(chunks.every((c) => c.id === 'msg_1' && c.model === 'claude-x'));
    assert.equal(chunks[3]?.choices[0]?.finish_reason, 'stop');
    assert.deepEqual(chunks[4]?.choices, []);
    assert.deepEqual(chunks[4]?.usage, {
      prompt_tokens: 20,
      completion_tokens: 5,
      total_tokens: 25,
      prompt_tokens_details: { cached_tokens: 8 },
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 8,
    });
  });

  it('turns tool_use blocks into indexed tool call deltas', () => {
    const text = sse([
      START,
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Ok.' } },
      { type: 'content_block_stop', index: 0 },
      {
        type: 'content_block_start',
        index: 1,
        content_block: { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} },
      },
      {
        type: 'content_block_delta',
        index: 1,
        delta: { type: 'input_json_delta', partial_json: '' },
      },
      {
        type: 'content_block_delta',
        index: 1,
        delta: { type: 'input_json_delta', partial_json: '{"city":' },
      },
      {
        type: 'content_block_delta',
        index: 1,
        delta: { type: 'input_json_delta', partial_json: '"Paris"}' },
      },
      { type: 'content_block_stop', index: 1 },
      {
        type: 'content_block_start',
        index: 2,
        content_block: { type: 'tool_use', id: 'toolu_2', name: 'get_time', input: {} },
      },
      { type: 'content_block_stop', index: 2 },
      {
        type: 'message_delta',
        delta: { stop_reason: 'tool_use', stop_sequence: null },
        usage: { output_tokens: 30 },
      },
      { type: 'message_stop' },
    ]);
    const chunks = decodeAll(createAnthropicStreamDecoder('Anthropic'), text);
    assert.deepEqual(deltas(chunks).slice(1, 6), [
      { content: 'Ok.' },
      {
        tool_calls: [
          {
            index: 0,
            id: 'toolu_1',
            type: 'function',
            function: { name: 'get_weather', arguments: '' },
          },
        ],
      },
      { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] },
      {
        tool_calls: [
          {
            index: 1,
            id: 'toolu_2',
            type: 'function',
            function: { name: 'get_time', arguments: '' },
          },
        ],
      },
    ]);
    assert.equal(chunks[6]?.choices[0]?.finish_reason, 'tool_calls');
  });

  it('decodes events split at any byte', () => {
    const text = sse([
      START,
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'héllo' } },
      { type: 'message_delta', delta: { stop_reason: 'max_tokens' }, usage: { output_tokens: 1 } },
      { type: 'message_stop' },
    ]);
    const bytes = encoder.encode(text);
    const decoder = createAnthropicStreamDecoder('Anthropic');
    const chunks: ChatCompletionChunk[] = [];
    for (let i = 0; i < bytes.length; i += 7) {
      chunks.push(...decoder.push(bytes.slice(i, i + 7)).map((e) => e.chunk));
    }
    chunks.push(...decoder.end().map((e) => e.chunk));
    assert.equal(chunks[1]?.choices[0]?.delta.content, 'héllo');
    assert.equal(chunks[2]?.choices[0]?.finish_reason, 'length');
  });

  it('detects a stream cut before message_stop', () => {
    const decoder = createAnthropicStreamDecoder('Anthropic');
    decoder.push(encoder.encode(sse([START])));
    assert.throws(
      () => decoder.end(),
      (e: unknown) => e instanceof ProviderError && e.kind === 'connection',
    );
  });

  it('throws a classified error for an error event', () => {
    const decoder = createAnthropicStreamDecoder('Anthropic');
    const error = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };
    assert.throws(
      () => decoder.push(encoder.encode(sse([START, error]))),
      (e: unknown) =>
        e instanceof ProviderError &&
        e.kind === 'server' &&
        e.details.status === 529 &&
        e.details.type === 'overloaded_error',
    );
  });

  it('streams the JSON tool of response_format as content', () => {
    const text = sse([
      START,
      {
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'tool_use', id: 't', name: 'json_tool_call', input: {} },
      },
      {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'input_json_delta', partial_json: '{"a":1}' },
      },
      { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 4 } },
      { type: 'message_stop' },
    ]);
    const chunks = decodeAll(createAnthropicStreamDecoder('Anthropic'), text);
    assert.deepEqual(deltas(chunks).slice(1, 3), [{ content: '{"a":1}' }, {}]);
    assert.equal(chunks[2]?.choices[0]?.finish_reason, 'stop');
  });
});
