import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSequentialIdSource } from '../shared/id-source.js';
import { fromConverseResponse, mapStopReason, toOpenAiUsage } from './bedrock-response.js';

test('a Converse answer becomes a chat completion', () => {
  const completion = fromConverseResponse(
    {
      output: {
        message: {
          role: 'assistant',
          content: [
            { reasoningContent: { reasoningText: { text: 'hmm', signature: 'sig' } } },
            { text: 'Let me check.' },
            { toolUse: { toolUseId: 'tooluse_1', name: 'get_weather', input: { city: 'Paris' } } },
          ],
        },
      },
      stopReason: 'tool_use',
      usage: { inputTokens: 12, outputTokens: 8, totalTokens: 20 },
    },
    'anthropic.claude-3-5-sonnet-20240620-v1:0',
    createSequentialIdSource(),
  );
  assert.deepEqual(completion, {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1700000000,
    model: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: 'Let me check.',
          reasoning_content: 'hmm',
          tool_calls: [
            {
              id: 'tooluse_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
            },
          ],
        },
        finish_reason: 'tool_calls',
      },
    ],
    usage: { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 },
  });
});

test('stop reasons map to OpenAI finish reasons', () => {
  assert.equal(mapStopReason('end_turn'), 'stop');
  assert.equal(mapStopReason('stop_sequence'), 'stop');
  assert.equal(mapStopReason('max_tokens'), 'length');
  assert.equal(mapStopReason('tool_use'), 'tool_calls');
  assert.equal(mapStopReason('content_filtered'), 'content_filter');
  assert.equal(mapStopReason('guardrail_intervened'), 'content_filter');
});

test('cache tokens count as prompt tokens and are reported apart', () => {
  assert.deepEqual(
    toOpenAiUsage({
      inputTokens: 10,
      outputTokens: 5,
      totalTokens: 45,
      cacheReadInputTokens: 20,
      cacheWriteInputTokens: 10,
    }),
    {
      prompt_tokens: 40,
      completion_tokens: 5,
      total_tokens: 45,
      prompt_tokens_details: { cached_tokens: 20 },
      cache_read_input_tokens: 20,
      cache_creation_input_tokens: 10,
    },
  );
});
