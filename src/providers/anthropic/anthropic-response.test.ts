import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProviderError } from '../types.js';
import { parseAnthropicError } from './anthropic-errors.js';
import { parseAnthropicResponse, toFinishReason } from './anthropic-response.js';

function message(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    id: 'msg_01',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5-20250929',
    content: [{ type: 'text', text: 'Hello!' }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: 3 },
    ...overrides,
  });
}

describe('parseAnthropicResponse', () => {
  it('turns a text message into a chat.completion', () => {
    const completion = parseAnthropicResponse(message(), 'Anthropic');
    assert.equal(completion.id, 'msg_01');
    assert.equal(completion.object, 'chat.completion');
    assert.equal(completion.model, 'claude-sonnet-4-5-20250929');
    assert.deepEqual(completion.choices, [
      { index: 0, message: { role: 'assistant', content: 'Hello!' }, finish_reason: 'stop' },
    ]);
    assert.deepEqual(completion.usage, {
      prompt_tokens: 10,
      completion_tokens: 3,
      total_tokens: 13,
      prompt_tokens_details: { cached_tokens: 0 },
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    });
  });

  it('counts cache tokens into prompt_tokens', () => {
    const usage = {
      input_tokens: 5,
      output_tokens: 2,
      cache_creation_input_tokens: 100,
      cache_read_input_tokens: 40,
    };
    assert.deepEqual(parseAnthropicResponse(message({ usage }), 'Anthropic').usage, {
      prompt_tokens: 145,
      completion_tokens: 2,
      total_tokens: 147,
      prompt_tokens_details: { cached_tokens: 40 },
      cache_creation_input_tokens: 100,
      cache_read_input_tokens: 40,
    });
  });

  it('turns tool_use blocks into tool_calls', () => {
    const content = [
      { type: 'text', text: 'Let me check.' },
      { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
    ];
    const completion = parseAnthropicResponse(message({ content, stop_reason: 'tool_use' }), 'A');
    assert.deepEqual(completion.choices[0], {
      index: 0,
      message: {
        role: 'assistant',
        content: 'Let me check.',
        tool_calls: [
          {
            id: 'toolu_1',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
          },
        ],
      },
      finish_reason: 'tool_calls',
    });
  });

  it('gives null content when there is no text, and keeps thinking as reasoning_content', () => {
    const thinking = { type: 'thinking', thinking: 'hmm', signature: 'sig' };
    const content = [thinking, { type: 'tool_use', id: 't', name: 'f', input: {} }];
    const { message: m } = parseAnthropicResponse(message({ content }), 'A').choices[0]!;
    assert.equal(m.content, null);
    assert.equal(m.reasoning_content, 'hmm');
    assert.deepEqual(m.thinking_blocks, [thinking]);
  });

  it('answers response_format requests with the JSON tool input as content', () => {
    const content = [{ type: 'tool_use', id: 't', name: 'json_tool_call', input: { a: 1 } }];
    const choice = parseAnthropicResponse(message({ content, stop_reason: 'tool_use' }), 'A')
      .choices[0]!;
    assert.deepEqual(choice.message, { role: 'assistant', content: '{"a":1}' });
    assert.equal(choice.finish_reason, 'stop');
  });

  it('maps every stop reason', () => {
    assert.equal(toFinishReason('end_turn'), 'stop');
    assert.equal(toFinishReason('stop_sequence'), 'stop');
    assert.equal(toFinishReason('max_tokens'), 'length');
    assert.equal(toFinishReason('tool_use'), 'tool_calls');
    assert.equal(toFinishReason('refusal'), 'content_filter');
    assert.equal(toFinishReason(null), null);
  });

  it('classifies bodies that are not an Anthropic message', () => {
    for (const body of ['<html>', '{"id":"x"}']) {
      assert.throws(
        () => parseAnthropicResponse(body, 'Anthropic'),
        (e: unknown) => e instanceof ProviderError && e.kind === 'bad_response',
      );
    }
  });
});

describe('parseAnthropicError', () => {
  const body = (type: string, msg: string) =>
    JSON.stringify({ type: 'error', error: { type, message: msg } });

  it('classifies each Anthropic error type by status', () => {
    const cases: [number, string, string][] = [
      [400, 'invalid_request_error', 'bad_request'],
      [401, 'authentication_error', 'auth'],
      [403, 'permission_error', 'permission'],
      [404, 'not_found_error', 'not_found'],
      [429, 'rate_limit_error', 'rate_limit'],
      [500, 'api_error', 'server'],
      [529, 'overloaded_error', 'server'],
    ];
    for (const [status, type, kind] of cases) {
      const error = parseAnthropicError(status, body(type, 'boom'), {});
      assert.equal(error.kind, kind, type);
      assert.equal(error.details.type, type);
      assert.equal(error.details.status, status);
      assert.equal(error.message, 'boom');
    }
  });

  it('recognises a prompt that is too long and reads retry-after', () => {
    const tooLong = parseAnthropicError(
      400,
      body('invalid_request_error', 'prompt is too long: 210000 tokens > 200000 maximum'),
      {},
    );
    assert.equal(tooLong.kind, 'context_window');
    const limited = parseAnthropicError(429, body('rate_limit_error', 'slow down'), {
      'retry-after': '7',
    });
    assert.equal(limited.details.retryAfterMs, 7000);
  });

  it('keeps a non-JSON body as the message', () => {
    const error = parseAnthropicError(502, 'Bad Gateway', {});
    assert.equal(error.kind, 'server');
    assert.equal(error.message, 'Bad Gateway');
  });
});
