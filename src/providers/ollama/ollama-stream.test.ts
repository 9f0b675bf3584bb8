import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testContext, testDeployment } from '../../../test/helpers/test-deployment.js';
import { createSequentialIdSource } from '../shared/id-source.js';
import { ProviderError } from '../types.js';
import { createOllamaChatStreamDecoder, createOllamaTextStreamDecoder } from './ollama-stream.js';

const ctx = testContext(testDeployment('ollama_chat', 'llama3'), true);
const encoder = new TextEncoder();
const ndjson = (...lines: unknown[]) =>
  encoder.encode(lines.map((line) => JSON.stringify(line) + '\n').join(''));
const at = '2024-05-01T10:00:00Z';
const chatLine = (content: string) => ({
  model: 'llama3',
  created_at: at,
  message: { role: 'assistant', content },
  done: false,
});
const doneLine = {
  model: 'llama3',
  created_at: at,
  message: { role: 'assistant', content: '' },
  done: true,
  done_reason: 'stop',
  prompt_eval_count: 10,
  eval_count: 2,
};

test('chat lines become role, content deltas, a finish chunk and a usage chunk', () => {
  const decoder = createOllamaChatStreamDecoder(ctx, createSequentialIdSource());
  const events = [
    ...decoder.push(ndjson(chatLine('Hel'), chatLine('lo'), doneLine)),
    ...decoder.end(),
  ];
  const chunks = events.map((e) => e.chunk);
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
  const usage = chunks[4];
  assert.deepEqual(usage?.choices, []);
  assert.deepEqual(usage?.usage, { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 });
  assert.ok(
    chunks.every((c) => c.id === 'chatcmpl-1' && c.created === 1714557600 && c.model === 'llama3'),
  );
  assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk'));
});

test('a line split across network chunks is decoded once complete', () => {
  const decoder = createOllamaChatStreamDecoder(ctx, createSequentialIdSource());
  const bytes = ndjson(chatLine('Hi'), doneLine);
  const events = [];
  for (let i = 0; i < bytes.length; i += 7) events.push(...decoder.push(bytes.subarray(i, i + 7)));
  events.push(...decoder.end());
  assert.equal(events.length, 4);
});

test('streamed tool calls get an index, an id and string arguments, and finish as tool_calls', () => {
  const decoder = createOllamaChatStreamDecoder(ctx, createSequentialIdSource());
  const toolLine = {
    model: 'llama3',
    created_at: at,
    message: {
      role: 'assistant',
      content: '',
      tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Paris' } } }],
    },
    done: false,
  };
  const events = [...decoder.push(ndjson(toolLine, doneLine)), ...decoder.end()];
  assert.deepEqual(events[1]?.chunk.choices[0]?.delta.tool_calls, [
    {
      index: 0,
      id: 'call_2',
      type: 'function',
      function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
    },
  ]);
  assert.equal(events[2]?.chunk.choices[0]?.finish_reason, 'tool_calls');
});

test('generate lines (ollama/) stream the same way', () => {
  const decoder = createOllamaChatStreamDecoder(ctx, createSequentialIdSource());
  const events = [
    ...decoder.push(
      ndjson(
        { model: 'llama3', created_at: at, response: 'Hi', done: false },
        {
          model: 'llama3',
          created_at: at,
          response: '',
          done: true,
          done_reason: 'length',
          eval_count: 1,
        },
      ),
    ),
    ...decoder.end(),
  ];
  assert.equal(events[1]?.chunk.choices[0]?.delta.content, 'Hi');
  assert.equal(events[2]?.chunk.choices[0]?.finish_reason, 'length');
});

test('text completion streams produce text_completion chunks', () => {
  const decoder = createOllamaTextStreamDecoder(ctx, createSequentialIdSource());
  const events = [
    ...decoder.push(
      ndjson(
        { model: 'llama3', created_at: at, response: 'return', done: false },
        {
          model: 'llama3',
          created_at: at,
          response: '',
          done: true,
          done_reason: 'stop',
          eval_count: 1,
        },
      ),
    ),
    ...decoder.end(),
  ];
  assert.deepEqual(
    events.map((e) => [
      e.chunk.object,
      e.chunk.choices[0]?.text,
      e.chunk.choices[0]?.finish_reason,
    ]),
    [
      ['text_completion', 'return', null],
      ['text_completion', '', 'stop'],
      ['text_completion', undefined, undefined],
    ],
  );
  assert.equal(events[2]?.chunk.usage?.completion_tokens, 1);
});

test('a stream that ends without done: true is a connection error', () => {
  const decoder = createOllamaChatStreamDecoder(ctx, createSequentialIdSource());
  decoder.push(ndjson(chatLine('Hel')));
  assert.throws(
    () => decoder.end(),
    (error: unknown) => error instanceof ProviderError && error.kind === 'connection',
  );
});

test('an error line mid-stream is a ProviderError carrying Ollama’s message', () => {
  const decoder = createOllamaChatStreamDecoder(ctx, createSequentialIdSource());
  assert.throws(
    () => decoder.push(ndjson(chatLine('Hel'), { error: 'unexpected EOF' })),
    (error: unknown) =>
      error instanceof ProviderError &&
      error.kind === 'server' &&
      error.message.includes('unexpected EOF'),
  );
});
