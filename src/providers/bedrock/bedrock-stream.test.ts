import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import type { ChatCompletionChunk } from '../../contracts/openai.js';
import { createSequentialIdSource } from '../shared/id-source.js';
import { ProviderError } from '../types.js';
import { loadEventStreamCodec } from './bedrock-event-stream.js';
import { createBedrockStreamDecoder } from './bedrock-stream.js';

await loadEventStreamCodec();

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const str = (value: string) => ({ type: 'string' as const, value });

const event = (type: string, payload: object) =>
  codec.encode({
    headers: {
      ':event-type': str(type),
      ':content-type': str('application/json'),
      ':message-type': str('event'),
    },
    body: fromUtf8(JSON.stringify({ ...payload, p: 'abc' })),
  });

const exception = (type: string, message: string) =>
  codec.encode({
    headers: {
      ':exception-type': str(type),
      ':content-type': str('application/json'),
      ':message-type': str('exception'),
    },
    body: fromUtf8(JSON.stringify({ message })),
  });

function decode(frames: Uint8Array[], complete = true): ChatCompletionChunk[] {
  const decoder = createBedrockStreamDecoder('Bedrock', 'claude', createSequentialIdSource());
  const chunks = frames.flatMap((f) => decoder.push(f)).map((e) => e.chunk);
  if (complete) chunks.push(...decoder.end().map((e) => e.chunk));
  return chunks;
}

const ending = (stopReason: string) => [
  event('messageStop', { stopReason }),
  event('metadata', {
    usage: { inputTokens: 5, outputTokens: 2, totalTokens: 7 },
    metrics: { latencyMs: 9 },
  }),
];

test('text events become role, content deltas, a finish chunk and a usage chunk', () => {
  const chunks = decode([
    event('messageStart', { role: 'assistant' }),
    event('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hel' } }),
    event('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'lo' } }),
    event('contentBlockStop', { contentBlockIndex: 0 }),
    ...ending('end_turn'),
  ]);
  assert.deepEqual(
    chunks.map((c) => [c.choices[0]?.delta, c.choices[0]?.finish_reason]),
    [
      [{ role: 'assistant', content: '' }, null],
      [{ content: 'Hel' }, null],
      [{ content: 'lo' }, null],
      [{}, 'stop'],
      [undefined, undefined],
    ],
  );
  assert.ok(chunks.every((c) => c.id === 'chatcmpl-1' && c.model === 'claude'));
  assert.deepEqual(chunks.at(-1)?.usage, {
    prompt_tokens: 5,
    completion_tokens: 2,
    total_tokens: 7,
  });
});

test('tool use blocks become tool call deltas indexed per tool', () => {
  const chunks = decode([
    event('messageStart', { role: 'assistant' }),
    event('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Checking.' } }),
    event('contentBlockStop', { contentBlockIndex: 0 }),
    event('contentBlockStart', {
      contentBlockIndex: 1,
      start: { toolUse: { toolUseId: 'tu_1', name: 'get_weather' } },
    }),
    event('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '{"city":' } } }),
    event('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '"Paris"}' } } }),
    event('contentBlockStop', { contentBlockIndex: 1 }),
    ...ending('tool_use'),
  ]);
  const toolDeltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
  assert.deepEqual(toolDeltas, [
    { index: 0, id: 'tu_1', type: 'function', function: { name: 'get_weather', arguments: '' } },
    { index: 0, function: { arguments: '{"city":' } },
    { index: 0, function: { arguments: '"Paris"}' } },
  ]);
  assert.equal(chunks.at(-2)?.choices[0]?.finish_reason, 'tool_calls');
});

test('exception frames become classified errors', () => {
  const cases: [string, string, string][] = [
    ['throttlingException', 'Too many tokens, please wait before trying again.', 'rate_limit'],
    ['modelStreamErrorException', 'The model stream errored.', 'server'],
    ['validationException', 'Input is too long for requested model.', 'context_window'],
    ['serviceUnavailableException', 'Bedrock is unable to process your request.', 'server'],
  ];
  for (const [type, message, kind] of cases) {
    assert.throws(
      () => decode([event('messageStart', { role: 'assistant' }), exception(type, message)], false),
      (e: unknown) => e instanceof ProviderError && e.kind === kind && e.message === message,
      type,
    );
  }
});

test('a stream without messageStop and metadata was cut', () => {
  const start = [
    event('messageStart', { role: 'assistant' }),
    event('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hi' } }),
  ];
  const isCut = (e: unknown) => e instanceof ProviderError && e.kind === 'connection';
  assert.throws(() => decode(start), isCut);
  assert.throws(() => decode([...start, event('messageStop', { stopReason: 'end_turn' })]), isCut);
  const [stop, metadata] = ending('end_turn');
  assert.throws(() => decode([...start, stop!, metadata!.subarray(0, 10)]), isCut);
});
