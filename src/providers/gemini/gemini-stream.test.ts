import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatCompletionChunk } from '../../contracts/openai.js';
import { createSequentialIdSource } from '../shared/id-source.js';
import { ProviderError } from '../types.js';
import { createGeminiStreamDecoder } from './gemini-stream.js';

const sse = (events: unknown[]) =>
  new TextEncoder().encode(events.map((e) => `data: ${JSON.stringify(e)}\r\n\r\n`).join(''));

/** Feeds the bytes in pieces of `size` so events straddle network chunks. */
function decode(bytes: Uint8Array, size = bytes.length): ChatCompletionChunk[] {
  const decoder = createGeminiStreamDecoder(
    'Gemini',
    'gemini-2.0-flash',
    createSequentialIdSource(),
  );
  const chunks: ChatCompletionChunk[] = [];
  for (let i = 0; i < bytes.length; i += size) {
    chunks.push(...decoder.push(bytes.subarray(i, i + size)).map((e) => e.chunk));
  }
  chunks.push(...decoder.end().map((e) => e.chunk));
  return chunks;
}

const textEvents = [
  {
    candidates: [{ content: { role: 'model', parts: [{ text: 'Hel' }] } }],
    usageMetadata: { promptTokenCount: 4, totalTokenCount: 4 },
    responseId: 'r1',
  },
  {
    candidates: [{ content: { role: 'model', parts: [{ text: 'lo' }] }, finishReason: 'STOP' }],
    usageMetadata: { promptTokenCount: 4, candidatesTokenCount: 2, totalTokenCount: 6 },
    responseId: 'r1',
  },
];

test('text events become role, content, finish and a final usage chunk', () => {
  for (const size of [1, 7, 1000]) {
    const chunks = decode(sse(textEvents), size);
    assert.deepEqual(
      chunks.map((c) => [c.choices[0]?.delta, c.choices[0]?.finish_reason ?? null]),
      [
        [{ role: 'assistant', content: '' }, null],
        [{ content: 'Hel' }, null],
        [{ content: 'lo' }, null],
        [{}, 'stop'],
        [undefined, null],
      ],
    );
    assert.ok(chunks.every((c) => c.id === 'r1' && c.object === 'chat.completion.chunk'));
    assert.deepEqual(chunks.at(-1)?.choices, []);
    assert.deepEqual(chunks.at(-1)?.usage, {
      prompt_tokens: 4,
      completion_tokens: 2,
      total_tokens: 6,
    });
  }
});

test('a function call streams as one tool call delta and finishes as tool_calls', () => {
  const chunks = decode(
    sse([
      {
        candidates: [
          {
            content: {
              parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }],
            },
            finishReason: 'STOP',
          },
        ],
      },
    ]),
  );
  assert.deepEqual(chunks[1]?.choices[0]?.delta.tool_calls, [
    {
      index: 0,
      id: 'call_2',
      type: 'function',
      function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
    },
  ]);
  assert.equal(chunks[2]?.choices[0]?.finish_reason, 'tool_calls');
});

test('a stream that ends before a finishReason was cut', () => {
  const bytes = sse(textEvents.slice(0, 1));
  assert.throws(
    () => decode(bytes),
    (e: unknown) => e instanceof ProviderError && e.kind === 'connection',
  );
  assert.throws(
    () => decode(new Uint8Array(0)),
    (e: unknown) => e instanceof ProviderError && e.kind === 'connection',
  );
});

test('errors and blocked prompts inside the stream are classified', () => {
  assert.throws(
    () =>
      decode(
        sse([{ error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } }]),
      ),
    (e: unknown) => e instanceof ProviderError && e.kind === 'server' && e.details.status === 503,
  );
  assert.throws(
    () => decode(sse([{ promptFeedback: { blockReason: 'SAFETY' } }])),
    (e: unknown) => e instanceof ProviderError && e.kind === 'content_policy',
  );
  assert.throws(
    () => decode(new TextEncoder().encode('data: <html>\r\n\r\n')),
    (e: unknown) => e instanceof ProviderError && e.kind === 'bad_response',
  );
});
