import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ChatCompletionChunk } from '../../contracts/openai.js';
import { ProviderError } from '../types.js';
import { createOpenAiStreamDecoder } from './openai-stream.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const chunk = (content: string, finish: string | null = null) =>
  JSON.stringify({
    id: 'c1',
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta: { content }, finish_reason: finish }],
  });

function decoder() {
  return createOpenAiStreamDecoder<ChatCompletionChunk>('OpenAI');
}

describe('OpenAI stream decoder', () => {
  test('passes chunks through with their exact raw JSON, and stops at [DONE]', () => {
    const d = decoder();
    const first = chunk('Hel');
    const events = [
      ...d.push(bytes(`data: ${first}\n\ndata: ${chunk('lo', 'stop')}\n\n`)),
      ...d.push(bytes('data: [DONE]\n\n')),
      ...d.end(),
    ];
    assert.equal(events.length, 2);
    assert.equal(events[0]?.raw, first);
    assert.equal(events[0]?.chunk.choices[0]?.delta.content, 'Hel');
    assert.equal(events[1]?.chunk.choices[0]?.finish_reason, 'stop');
  });

  test('a stream cut off before [DONE] or a finish_reason is a connection error', () => {
    const d = decoder();
    d.push(bytes(`data: ${chunk('Hel')}\n\n`));
    assert.throws(
      () => d.end(),
      (e: unknown) =>
        e instanceof ProviderError &&
        e.kind === 'connection' &&
        e.message === 'OpenAI stream ended before it was complete',
    );
  });

  test('an empty stream is a connection error', () => {
    assert.throws(() => decoder().end(), { kind: 'connection' });
  });

  test('a stream that finished but never sent [DONE] is accepted', () => {
    const d = decoder();
    d.push(bytes(`data: ${chunk('Hi', 'stop')}\n\n`));
    assert.deepEqual(d.end(), []);
  });

  test('a last chunk without its blank line is still delivered at the end', () => {
    const d = decoder();
    assert.deepEqual(d.push(bytes(`data: ${chunk('Hi', 'length')}`)), []);
    const rest = d.end();
    assert.equal(rest.length, 1);
    assert.equal(rest[0]?.chunk.choices[0]?.finish_reason, 'length');
  });

  test('an error chunk mid-stream throws the upstream message and type', () => {
    const d = decoder();
    d.push(bytes(`data: ${chunk('a')}\n\n`));
    assert.throws(
      () => d.push(bytes('data: {"error":{"message":"overloaded","type":"server_error"}}\n\n')),
      (e: unknown) =>
        e instanceof ProviderError &&
        e.kind === 'server' &&
        e.message === 'overloaded' &&
        e.details.type === 'server_error',
    );
  });

  test('a chunk that is not JSON is a bad_response', () => {
    assert.throws(() => decoder().push(bytes('data: {not json\n\n')), { kind: 'bad_response' });
  });

  test('keep-alive comments and empty data are skipped', () => {
    const d = decoder();
    assert.deepEqual(d.push(bytes(': ping\n\ndata:\n\n')), []);
  });
});

test('a chunk that is JSON but not an object is a clean bad_response, not a crash', () => {
  const decoder = createOpenAiStreamDecoder('OpenAI');
  assert.throws(
    () => decoder.push(new TextEncoder().encode('data: null\n\n')),
    (error: unknown) => error instanceof ProviderError && error.kind === 'bad_response',
  );
});
