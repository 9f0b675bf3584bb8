import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSequentialIdSource } from '../shared/id-source.js';
import { ProviderError } from '../types.js';
import { fromGeminiResponse, mapFinishReason, toOpenAiUsage } from './gemini-response.js';

test('text candidates become choices with usage, cached and reasoning tokens', () => {
  const completion = fromGeminiResponse(
    {
      candidates: [
        {
          content: {
            role: 'model',
            parts: [{ text: 'Let me think', thought: true }, { text: 'Hello' }, { text: ' world' }],
          },
          finishReason: 'STOP',
        },
      ],
      usageMetadata: {
        promptTokenCount: 10,
        candidatesTokenCount: 4,
        thoughtsTokenCount: 6,
        cachedContentTokenCount: 3,
        totalTokenCount: 20,
      },
      responseId: 'resp-1',
    },
    'gemini-2.5-flash',
    createSequentialIdSource(),
  );
  assert.deepEqual(completion, {
    id: 'resp-1',
    object: 'chat.completion',
    created: 1700000000,
    model: 'gemini-2.5-flash',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: 'Hello world', reasoning_content: 'Let me think' },
        finish_reason: 'stop',
      },
    ],
    usage: {
      prompt_tokens: 10,
      completion_tokens: 10,
      total_tokens: 20,
      prompt_tokens_details: { cached_tokens: 3 },
      completion_tokens_details: { reasoning_tokens: 6 },
    },
  });
});

test('function calls become tool calls with generated ids and finish as tool_calls', () => {
  const completion = fromGeminiResponse(
    {
      candidates: [
        {
          content: {
            role: 'model',
            parts: [
              { functionCall: { name: 'get_weather', args: { city: 'Paris' } } },
              { functionCall: { id: 'given', name: 'ping' } },
            ],
          },
          finishReason: 'STOP',
        },
      ],
    },
    'g',
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
    { id: 'given', type: 'function', function: { name: 'ping', arguments: '{}' } },
  ]);
  assert.deepEqual(completion.usage, { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
});

test('finish reasons map to OpenAI vocabulary', () => {
  assert.equal(mapFinishReason('STOP', false), 'stop');
  assert.equal(mapFinishReason('MAX_TOKENS', false), 'length');
  assert.equal(mapFinishReason('MAX_TOKENS', true), 'length');
  for (const reason of ['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII']) {
    assert.equal(mapFinishReason(reason, false), 'content_filter');
  }
  assert.equal(mapFinishReason('OTHER', false), 'stop');
});

test('several candidates keep their index', () => {
  const completion = fromGeminiResponse(
    {
      candidates: [
        { index: 0, content: { parts: [{ text: 'a' }] }, finishReason: 'STOP' },
        { index: 1, content: { parts: [{ text: 'b' }] }, finishReason: 'MAX_TOKENS' },
      ],
    },
    'g',
    createSequentialIdSource(),
  );
  assert.deepEqual(
    completion.choices.map((c) => [c.index, c.message.content, c.finish_reason]),
    [
      [0, 'a', 'stop'],
      [1, 'b', 'length'],
    ],
  );
});

test('a blocked prompt is a content policy error', () => {
  assert.throws(
    () =>
      fromGeminiResponse(
        { promptFeedback: { blockReason: 'PROHIBITED_CONTENT' } },
        'g',
        createSequentialIdSource(),
      ),
    (e: unknown) =>
      e instanceof ProviderError &&
      e.kind === 'content_policy' &&
      e.details.type === 'PROHIBITED_CONTENT',
  );
});

test('usage without totals is summed', () => {
  assert.deepEqual(toOpenAiUsage({ promptTokenCount: 2, candidatesTokenCount: 3 }), {
    prompt_tokens: 2,
    completion_tokens: 3,
    total_tokens: 5,
  });
});
