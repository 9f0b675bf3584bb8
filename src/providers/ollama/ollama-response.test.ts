import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testContext, testDeployment } from '../../../test/helpers/test-deployment.js';
import { createSequentialIdSource } from '../shared/id-source.js';
import { ProviderError } from '../types.js';
import { fromOllamaAnswer, fromOllamaTextAnswer } from './ollama-response.js';

const ctx = testContext(testDeployment('ollama_chat', 'llama3'));

test('a chat answer becomes a chat.completion with usage from the eval counts', () => {
  const completion = fromOllamaAnswer(
    {
      model: 'llama3',
      created_at: '2024-05-01T10:00:00.5Z',
      message: { role: 'assistant', content: 'Hello!' },
      done: true,
      done_reason: 'stop',
      prompt_eval_count: 12,
      eval_count: 3,
    },
    ctx,
    createSequentialIdSource(),
  );
  assert.deepEqual(completion, {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1714557600,
    model: 'llama3',
    choices: [
      { index: 0, message: { role: 'assistant', content: 'Hello!' }, finish_reason: 'stop' },
    ],
    usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 },
  });
});

test('done_reason "length" is finish_reason "length"', () => {
  const completion = fromOllamaAnswer(
    { model: 'llama3', response: 'Hel', done: true, done_reason: 'length', eval_count: 1 },
    ctx,
    createSequentialIdSource(),
  );
  assert.equal(completion.choices[0]?.finish_reason, 'length');
  assert.equal(completion.choices[0]?.message.content, 'Hel');
  assert.deepEqual(completion.usage, { prompt_tokens: 0, completion_tokens: 1, total_tokens: 1 });
});

test('tool calls get generated ids, JSON-string arguments and finish_reason tool_calls', () => {
  const completion = fromOllamaAnswer(
    {
      model: 'llama3.1',
      message: {
        role: 'assistant',
        content: '',
        tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Paris' } } }],
      },
      done: true,
      done_reason: 'stop',
    },
    ctx,
    createSequentialIdSource(),
  );
  const choice = completion.choices[0];
  assert.equal(choice?.finish_reason, 'tool_calls');
  assert.equal(choice?.message.content, null);
  assert.deepEqual(choice?.message.tool_calls, [
    {
      id: 'call_1',
      type: 'function',
      function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
    },
  ]);
});

test('thinking becomes reasoning_content', () => {
  const completion = fromOllamaAnswer(
    { message: { role: 'assistant', content: '42', thinking: 'let me think' }, done: true },
    ctx,
    createSequentialIdSource(),
  );
  assert.equal(completion.choices[0]?.message.reasoning_content, 'let me think');
  assert.equal(completion.model, 'llama3', 'falls back to the deployment model');
});

test('a generate answer becomes a text_completion', () => {
  const completion = fromOllamaTextAnswer(
    { model: 'llama3', response: ' return a + b', done: true, prompt_eval_count: 5, eval_count: 4 },
    ctx,
    createSequentialIdSource(),
  );
  assert.equal(completion.object, 'text_completion');
  assert.equal(completion.id, 'cmpl-1');
  assert.equal(completion.choices[0]?.text, ' return a + b');
  assert.equal(completion.usage?.total_tokens, 9);
});

test('an answer that is an error is a ProviderError', () => {
  assert.throws(
    () =>
      fromOllamaAnswer(
        { error: 'llama runner process has terminated' },
        ctx,
        createSequentialIdSource(),
      ),
    (error: unknown) => error instanceof ProviderError && error.kind === 'server',
  );
});
