import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProviderError } from '../types.js';
import { NdjsonDecoder } from './ndjson-decoder.js';

const encoder = new TextEncoder();
const lines = [
  { model: 'llama3', message: { content: 'Grüße, ' }, done: false },
  { model: 'llama3', message: { content: '世界 🌍' }, done: false },
  { model: 'llama3', done: true, eval_count: 3 },
];
const body = encoder.encode(lines.map((l) => JSON.stringify(l)).join('\n') + '\n');

test('decodes a whole body in one push', () => {
  const decoder = new NdjsonDecoder('Ollama');
  assert.deepEqual([...decoder.push(body), ...decoder.flush()], lines);
});

test('decodes the same values whatever byte the body is split at', () => {
  for (let cut = 1; cut < body.length; cut++) {
    const decoder = new NdjsonDecoder('Ollama');
    const out = [
      ...decoder.push(body.subarray(0, cut)),
      ...decoder.push(body.subarray(cut)),
      ...decoder.flush(),
    ];
    assert.deepEqual(out, lines, `split at byte ${cut}`);
  }
});

test('decodes a body fed one byte at a time', () => {
  const decoder = new NdjsonDecoder('Ollama');
  const out: unknown[] = [];
  for (let i = 0; i < body.length; i++) out.push(...decoder.push(body.subarray(i, i + 1)));
  out.push(...decoder.flush());
  assert.deepEqual(out, lines);
});

test('returns a value only once its line is complete', () => {
  const decoder = new NdjsonDecoder('Ollama');
  assert.deepEqual(decoder.push(encoder.encode('{"a":')), []);
  assert.deepEqual(decoder.push(encoder.encode('1}')), []);
  assert.deepEqual(decoder.push(encoder.encode('\n')), [{ a: 1 }]);
});

test('tolerates CRLF, blank lines and a last line without a newline', () => {
  const decoder = new NdjsonDecoder('Ollama');
  const out = decoder.push(encoder.encode('{"a":1}\r\n\r\n\n{"b":2}'));
  assert.deepEqual(out, [{ a: 1 }]);
  assert.deepEqual(decoder.flush(), [{ b: 2 }]);
  assert.deepEqual(decoder.flush(), []);
});

test('a line that is not JSON is a bad_response ProviderError naming the provider', () => {
  const decoder = new NdjsonDecoder('Ollama');
  assert.throws(
    () => decoder.push(encoder.encode('<html>oops</html>\n')),
    (error: unknown) =>
      error instanceof ProviderError &&
      error.kind === 'bad_response' &&
      error.message.includes('Ollama'),
  );
});
