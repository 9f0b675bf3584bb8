import assert from 'node:assert/strict';
import { test } from 'node:test';
import { streamedText } from './estimate-usage.js';

const delta = (content: string) =>
  JSON.stringify({ choices: [{ index: 0, delta: { content }, finish_reason: null }], usage: null });

test('the streamed text joins raw chunks and parsed ones, completions text included', () => {
  const text = streamedText([
    delta('Hello'),
    { choices: [{ delta: { content: ', ' } }] },
    delta('world ✓'),
    { choices: [{ text: '!' }] },
  ]);
  assert.equal(text, 'Hello, world ✓!');
});

test('tool call names and arguments count as streamed text; a chunk that is not JSON does not', () => {
  const call = JSON.stringify({
    choices: [{ delta: { tool_calls: [{ function: { name: 'get', arguments: '{"a":1}' } }] } }],
  });
  assert.equal(streamedText([call, '{not json', delta('.')]), 'get{"a":1}.');
});
