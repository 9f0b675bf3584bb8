import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testContext, testDeployment } from '../../../test/helpers/test-deployment.js';
import type { ChatRequest } from '../../contracts/openai.js';
import { ProviderError } from '../types.js';
import {
  flattenConversation,
  toOllamaChatBody,
  toOllamaEmbedBody,
  toOllamaGenerateBody,
  toOllamaTextBody,
} from './ollama-request.js';

const d = testDeployment('ollama_chat', 'llama3');
const weatherTool = {
  type: 'function',
  function: { name: 'get_weather', parameters: { type: 'object', properties: {} } },
};

test('chat maps sampling parameters into options and keeps tools', () => {
  const request: ChatRequest = {
    model: 'local',
    messages: [{ role: 'user', content: 'hi' }],
    temperature: 0.3,
    top_p: 0.9,
    max_tokens: 50,
    stop: 'END',
    seed: 7,
    tools: [weatherTool],
    tool_choice: 'auto',
    response_format: { type: 'json_object' },
  };
  const body = toOllamaChatBody(request, testContext(d, true));
  assert.deepEqual(body, {
    model: 'llama3',
    messages: [{ role: 'user', content: 'hi' }],
    stream: true,
    options: { temperature: 0.3, top_p: 0.9, seed: 7, num_predict: 50, stop: ['END'] },
    tools: [weatherTool],
    format: 'json',
  });
});

test('deployment defaults apply unless the request overrides them; native options win', () => {
  const withDefaults = testDeployment('ollama_chat', 'llama3', {
    defaults: { temperature: 0.1, num_ctx: 8192 },
    connection: { keep_alive: '10m' },
  });
  const body = toOllamaChatBody(
    {
      model: 'x',
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0.5,
      max_completion_tokens: 20,
      options: { num_ctx: 4096 },
    },
    testContext(withDefaults),
  );
  assert.deepEqual(body.options, { temperature: 0.5, num_ctx: 4096, num_predict: 20 });
  assert.equal(body.keep_alive, '10m');
  assert.equal(body.stream, false);
});

test('json_schema response formats become an Ollama format schema', () => {
  const schema = { type: 'object', properties: { city: { type: 'string' } } };
  const body = toOllamaChatBody(
    {
      model: 'x',
      messages: [{ role: 'user', content: 'hi' }],
      response_format: { type: 'json_schema', json_schema: { name: 'c', schema } },
    },
    testContext(d),
  );
  assert.deepEqual(body.format, schema);
});

test('images become base64 arrays; tool calls carry object arguments and results their name', () => {
  const body = toOllamaChatBody(
    {
      model: 'x',
      messages: [
        { role: 'developer', content: 'be brief' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
      ],
    },
    testContext(d),
  );
  assert.deepEqual(body.messages, [
    { role: 'system', content: 'be brief' },
    { role: 'user', content: 'what is this?', images: ['iVBORw0KGgo='] },
    {
      role: 'assistant',
      content: '',
      tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Paris' } } }],
    },
    { role: 'tool', content: 'sunny', tool_name: 'get_weather' },
  ]);
});

test('remote image URLs are refused: adapters do no I/O', () => {
  assert.throws(
    () =>
      toOllamaChatBody(
        {
          model: 'x',
          messages: [
            {
              role: 'user',
              content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }],
            },
          ],
        },
        testContext(d),
      ),
    (error: unknown) => error instanceof ProviderError && error.kind === 'bad_request',
  );
});

test('ollama/ flattens the conversation like LiteLLM, system prompt aside', () => {
  const { system, prompt } = flattenConversation([
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'Hi' },
    { role: 'assistant', content: 'Hello' },
    { role: 'user', content: 'Weather?' },
  ]);
  assert.equal(system, 'You are terse.');
  assert.equal(prompt, '### User:\nHi\n\n### Assistant:\nHello\n\n### User:\nWeather?\n\n');
});

test('ollama/ generate body carries prompt, system and options', () => {
  const body = toOllamaGenerateBody(
    {
      model: 'x',
      messages: [
        { role: 'system', content: 'terse' },
        { role: 'user', content: 'Hi' },
      ],
      max_tokens: 5,
    },
    testContext(testDeployment('ollama', 'llama3'), true),
  );
  assert.deepEqual(body, {
    model: 'llama3',
    prompt: '### User:\nHi\n\n',
    stream: true,
    options: { num_predict: 5 },
    system: 'terse',
  });
});

test('tools on ollama/ are a clear error pointing at ollama_chat/, or dropped with drop_params', () => {
  const request: ChatRequest = {
    model: 'x',
    messages: [{ role: 'user', content: 'use a tool' }],
    tools: [weatherTool],
  };
  const ollama = testDeployment('ollama', 'llama3');
  assert.throws(
    () => toOllamaGenerateBody(request, testContext(ollama)),
    (error: unknown) =>
      error instanceof ProviderError &&
      error.kind === 'bad_request' &&
      error.message.includes('ollama_chat/llama3'),
  );
  const dropped = toOllamaGenerateBody(request, testContext(ollama, false, true));
  assert.equal(dropped.tools, undefined);
});

test('text completions send the prompt as written, one prompt per request', () => {
  const ctx = testContext(testDeployment('ollama', 'llama3'));
  const body = toOllamaTextBody({ model: 'x', prompt: ['def add(a, b):'], suffix: '\n' }, ctx);
  assert.equal(body.prompt, 'def add(a, b):');
  assert.equal(body.suffix, '\n');
  assert.throws(() => toOllamaTextBody({ model: 'x', prompt: ['a', 'b'] }, ctx), ProviderError);
});

test('embeddings send text input and refuse token arrays', () => {
  const ctx = testContext(testDeployment('ollama', 'nomic-embed-text'));
  assert.deepEqual(toOllamaEmbedBody({ model: 'x', input: 'hello' }, ctx), {
    model: 'nomic-embed-text',
    input: 'hello',
  });
  assert.deepEqual(toOllamaEmbedBody({ model: 'x', input: ['a', 'b'], dimensions: 64 }, ctx), {
    model: 'nomic-embed-text',
    input: ['a', 'b'],
    dimensions: 64,
  });
  assert.throws(() => toOllamaEmbedBody({ model: 'x', input: [1, 2, 3] }, ctx), ProviderError);
});
