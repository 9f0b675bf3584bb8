import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatCompletionChunk } from '../../contracts/openai.js';
import { ProviderError, type TextCompletionChunk } from '../types.js';
import { createAzureStreamDecoder } from './azure-stream.js';

const encoder = new TextEncoder();
const sse = (...events: unknown[]) =>
  encoder.encode(
    events.map((e) => `data: ${typeof e === 'string' ? e : JSON.stringify(e)}\n\n`).join(''),
  );

const promptFilterChunk = {
  choices: [],
  created: 0,
  id: '',
  model: '',
  object: '',
  prompt_filter_results: [{ prompt_index: 0, content_filter_results: {} }],
};
const base = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o' };

test('the prompt_filter_results chunk is dropped, not taken for the usage chunk', () => {
  const decoder = createAzureStreamDecoder<ChatCompletionChunk>('Azure', 'chat');
  const events = decoder.push(
    sse(
      promptFilterChunk,
      {
        ...base,
        choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: null }],
      },
      { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
      { ...base, choices: [], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } },
      '[DONE]',
    ),
  );
  events.push(...decoder.end());
  assert.equal(events.length, 3);
  assert.equal(events[0]?.chunk.choices[0]?.delta.content, 'Hi');
  assert.ok(events[0]?.raw, 'unchanged chunks keep their raw JSON');
  assert.equal(events[2]?.chunk.usage?.total_tokens, 2);
});

test('choices without a delta get an empty one', () => {
  const decoder = createAzureStreamDecoder<ChatCompletionChunk>('Azure', 'chat');
  const events = decoder.push(
    sse({
      ...base,
      choices: [
        {
          index: 0,
          finish_reason: null,
          content_filter_offsets: { check_offset: 0, start_offset: 0, end_offset: 10 },
          content_filter_results: {},
        },
      ],
    }),
  );
  assert.equal(events.length, 1);
  assert.deepEqual(events[0]?.chunk.choices[0]?.delta, {});
  assert.equal(events[0]?.raw, undefined);
  const choice = events[0]?.chunk.choices[0] as Record<string, unknown> | undefined;
  assert.deepEqual(choice?.content_filter_offsets, {
    check_offset: 0,
    start_offset: 0,
    end_offset: 10,
  });
});

test('text completion streams drop the filter-only chunk too', () => {
  const decoder = createAzureStreamDecoder<TextCompletionChunk>('Azure', 'text');
  const text = {
    id: 'cmpl-1',
    object: 'text_completion',
    created: 1,
    model: 'gpt-35-turbo-instruct',
  };
  const events = decoder.push(
    sse(
      promptFilterChunk,
      { ...text, choices: [{ index: 0, text: 'Hi', finish_reason: 'stop', logprobs: null }] },
      '[DONE]',
    ),
  );
  assert.deepEqual(
    events.map((e) => e.chunk.choices[0]?.text),
    ['Hi'],
  );
});

test('a stream cut before [DONE] and before a finish reason is a connection error', () => {
  const decoder = createAzureStreamDecoder<ChatCompletionChunk>('Azure', 'chat');
  decoder.push(sse(promptFilterChunk));
  assert.throws(
    () => decoder.end(),
    (error: unknown) => error instanceof ProviderError && error.kind === 'connection',
  );
});
