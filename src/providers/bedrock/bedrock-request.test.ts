import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatRequest } from '../../contracts/openai.js';
import { ProviderError } from '../types.js';
import { toConverseRequest } from './bedrock-request.js';

const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather of a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

test('system prompts go apart and a tool round trip becomes toolUse / toolResult blocks', () => {
  const body = toConverseRequest({
    model: 'b',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: '',
        tool_calls: [
          {
            id: 'tooluse_1',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'tooluse_1', content: 'sunny' },
      { role: 'user', content: 'Thanks' },
    ],
    tools: [WEATHER_TOOL],
  });
  assert.deepEqual(body.system, [{ text: 'Be brief.' }]);
  assert.deepEqual(body.messages, [
    { role: 'user', content: [{ text: 'Weather in Paris?' }] },
    {
      role: 'assistant',
      content: [
        { toolUse: { toolUseId: 'tooluse_1', name: 'get_weather', input: { city: 'Paris' } } },
      ],
    },
    {
      role: 'user',
      content: [
        { toolResult: { toolUseId: 'tooluse_1', content: [{ text: 'sunny' }] } },
        { text: 'Thanks' },
      ],
    },
  ]);
  assert.deepEqual(body.toolConfig, {
    tools: [
      {
        toolSpec: {
          name: 'get_weather',
          description: 'Weather of a city',
          inputSchema: { json: WEATHER_TOOL.function.parameters },
        },
      },
    ],
  });
});

test('sampling parameters become inferenceConfig', () => {
  const body = toConverseRequest({
    model: 'b',
    messages: [{ role: 'user', content: 'Hi' }],
    max_tokens: 100,
    temperature: 0.3,
    top_p: 0.8,
    stop: ['END', 'STOP'],
  });
  assert.deepEqual(body.inferenceConfig, {
    maxTokens: 100,
    temperature: 0.3,
    topP: 0.8,
    stopSequences: ['END', 'STOP'],
  });
  const bare = toConverseRequest({ model: 'b', messages: [{ role: 'user', content: 'Hi' }] });
  assert.deepEqual(Object.keys(bare), ['messages']);
});

test('tool_choice maps to auto / any / tool, and "none" sends no choice', () => {
  const choice = (tool_choice: unknown) =>
    toConverseRequest({
      model: 'b',
      messages: [{ role: 'user', content: 'Hi' }],
      tools: [{ type: 'function', function: { name: 'ping' } }],
      tool_choice,
    }).toolConfig;
  assert.deepEqual(choice('auto')?.toolChoice, { auto: {} });
  assert.deepEqual(choice('required')?.toolChoice, { any: {} });
  assert.deepEqual(choice({ type: 'function', function: { name: 'ping' } })?.toolChoice, {
    tool: { name: 'ping' },
  });
  assert.equal(choice('none')?.toolChoice, undefined);
  assert.deepEqual(choice(undefined)?.tools, [
    { toolSpec: { name: 'ping', inputSchema: { json: { type: 'object', properties: {} } } } },
  ]);
});

test('data-URL images become image bytes; remote images are refused', () => {
  const body = toConverseRequest({
    model: 'b',
    messages: [
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: 'data:image/jpg;base64,/9j/4AAQ' } },
          { type: 'text', text: 'What is this?' },
        ],
      },
    ],
  });
  assert.deepEqual(body.messages[0]?.content, [
    { image: { format: 'jpeg', source: { bytes: '/9j/4AAQ' } } },
    { text: 'What is this?' },
  ]);
  const refuse = (request: ChatRequest) =>
    assert.throws(
      () => toConverseRequest(request),
      (e: unknown) => e instanceof ProviderError && e.kind === 'bad_request',
    );
  refuse({
    model: 'b',
    messages: [
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] },
    ],
  });
  refuse({ model: 'b', messages: [{ role: 'tool', content: 'orphan' }] });
  refuse({ model: 'b', messages: [{ role: 'critic', content: 'Hi' }] });
});
