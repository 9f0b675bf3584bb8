import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatRequest } from '../../contracts/openai.js';
import { ProviderError } from '../types.js';
import { toGeminiRequest } from './gemini-request.js';
import { toGeminiSchema } from './gemini-schema.js';

const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather of a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' } },
      required: ['city'],
      additionalProperties: false,
    },
  },
};

test('system turns go to systemInstruction, roles become user/model, same-role turns merge', () => {
  const body = toGeminiRequest({
    model: 'g',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'developer', content: 'Answer in English.' },
      { role: 'user', content: 'Hi' },
      { role: 'user', content: [{ type: 'text', text: 'there' }] },
      { role: 'assistant', content: 'Hello!' },
      { role: 'user', content: 'Bye' },
    ],
  });
  assert.deepEqual(body.systemInstruction, {
    parts: [{ text: 'Be brief.' }, { text: 'Answer in English.' }],
  });
  assert.deepEqual(body.contents, [
    { role: 'user', parts: [{ text: 'Hi' }, { text: 'there' }] },
    { role: 'model', parts: [{ text: 'Hello!' }] },
    { role: 'user', parts: [{ text: 'Bye' }] },
  ]);
});

test('tool calls become functionCall parts and tool results functionResponse parts by name', () => {
  const body = toGeminiRequest({
    model: 'g',
    messages: [
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'c1',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
          },
          { id: 'c2', type: 'function', function: { name: 'get_time', arguments: '' } },
        ],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
      { role: 'tool', tool_call_id: 'c2', content: [{ type: 'text', text: 'noon' }] },
    ],
  });
  assert.deepEqual(body.contents.slice(1), [
    {
      role: 'model',
      parts: [
        { functionCall: { name: 'get_weather', args: { city: 'Paris' } } },
        { functionCall: { name: 'get_time', args: {} } },
      ],
    },
    {
      role: 'user',
      parts: [
        { functionResponse: { name: 'get_weather', response: { content: 'sunny' } } },
        { functionResponse: { name: 'get_time', response: { content: 'noon' } } },
      ],
    },
  ]);
});

test('data-URL images are sent inline, remote ones by reference', () => {
  const body = toGeminiRequest({
    model: 'g',
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Compare' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.webp?x=1' } },
        ],
      },
    ],
  });
  assert.deepEqual(body.contents[0]?.parts, [
    { text: 'Compare' },
    { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
    { fileData: { mimeType: 'image/webp', fileUri: 'https://example.com/cat.webp?x=1' } },
  ]);
});

test('sampling parameters map to generationConfig', () => {
  const body = toGeminiRequest({
    model: 'g',
    messages: [{ role: 'user', content: 'Hi' }],
    max_tokens: 50,
    max_completion_tokens: 80,
    temperature: 0.2,
    top_p: 0.9,
    n: 2,
    stop: 'END',
    seed: 7,
    response_format: {
      type: 'json_schema',
      json_schema: {
        name: 'x',
        schema: {
          type: 'object',
          properties: { a: { type: 'integer' } },
          additionalProperties: false,
        },
      },
    },
    reasoning_effort: 'low',
  } as ChatRequest);
  assert.deepEqual(body.generationConfig, {
    maxOutputTokens: 80,
    temperature: 0.2,
    topP: 0.9,
    candidateCount: 2,
    stopSequences: ['END'],
    seed: 7,
    responseMimeType: 'application/json',
    responseSchema: { type: 'object', properties: { a: { type: 'integer' } } },
    thinkingConfig: { thinkingBudget: 1024, includeThoughts: true },
  });
  const plain = toGeminiRequest({ model: 'g', messages: [{ role: 'user', content: 'Hi' }] });
  assert.equal(plain.generationConfig, undefined);
});

test('tools become functionDeclarations with Gemini-safe schemas; tool_choice becomes a mode', () => {
  const request = (tool_choice?: unknown): ChatRequest => ({
    model: 'g',
    messages: [{ role: 'user', content: 'Hi' }],
    tools: [
      WEATHER_TOOL,
      {
        type: 'function',
        function: { name: 'ping', parameters: { type: 'object', properties: {} } },
      },
    ],
    tool_choice,
  });
  const body = toGeminiRequest(request());
  assert.deepEqual(body.tools, [
    {
      functionDeclarations: [
        {
          name: 'get_weather',
          description: 'Weather of a city',
          parameters: {
            type: 'object',
            properties: { city: { type: 'string' } },
            required: ['city'],
          },
        },
        { name: 'ping' },
      ],
    },
  ]);
  assert.equal(body.toolConfig, undefined);
  const mode = (choice: unknown) =>
    toGeminiRequest(request(choice)).toolConfig?.functionCallingConfig;
  assert.deepEqual(mode('auto'), { mode: 'AUTO' });
  assert.deepEqual(mode('none'), { mode: 'NONE' });
  assert.deepEqual(mode('required'), { mode: 'ANY' });
  assert.deepEqual(mode({ type: 'function', function: { name: 'ping' } }), {
    mode: 'ANY',
    allowedFunctionNames: ['ping'],
  });
});

test('JSON schemas lose unsupported keys, inline $refs and turn null unions into nullable', () => {
  assert.deepEqual(
    toGeminiSchema({
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: {
        when: { type: ['string', 'null'], format: 'date-time' },
        place: { $ref: '#/$defs/Place', description: 'where' },
        kind: { const: 'visit' },
        tags: { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'null' }] } },
      },
      required: ['when', 'missing'],
      $defs: {
        Place: {
          type: 'object',
          properties: { name: { type: 'string' } },
          additionalProperties: false,
        },
      },
    }),
    {
      type: 'object',
      properties: {
        when: { type: 'string', format: 'date-time', nullable: true },
        place: { type: 'object', description: 'where', properties: { name: { type: 'string' } } },
        kind: { enum: ['visit'] },
        tags: { type: 'array', items: { nullable: true, type: 'string' } },
      },
      required: ['when'],
    },
  );
});

test('requests Gemini cannot express are refused as bad requests', () => {
  const refuse = (request: ChatRequest) =>
    assert.throws(
      () => toGeminiRequest(request),
      (e: unknown) => e instanceof ProviderError && e.kind === 'bad_request',
    );
  refuse({ model: 'g', messages: [{ role: 'wizard', content: 'Hi' }] });
  refuse({ model: 'g', messages: [{ role: 'tool', tool_call_id: 'unknown', content: 'x' }] });
  refuse({
    model: 'g',
    messages: [
      { role: 'assistant', tool_calls: [{ id: 'c', function: { name: 'f', arguments: '{oops' } }] },
    ],
  });
  refuse({ model: 'g', messages: [{ role: 'user', content: [{ type: 'input_audio' }] }] });
});
