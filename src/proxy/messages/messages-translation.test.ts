import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnthropicMessagesRequestSchema } from '../../contracts/anthropic.js';
import type { ChatCompletion } from '../../contracts/openai.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { anthropicToOpenAiRequest } from './anthropic-to-openai-request.js';
import { toAnthropicErrorBody } from './anthropic-error-body.js';
import { openAiToAnthropicResponse } from './openai-to-anthropic-response.js';

const parse = (body: Record<string, unknown>) => AnthropicMessagesRequestSchema.parse(body);

describe('anthropicToOpenAiRequest', () => {
  it('maps system, sampling, stop, user and streaming', () => {
    const request = anthropicToOpenAiRequest(
      parse({
        model: 'claude',
        max_tokens: 100,
        system: 'Be brief.',
        messages: [{ role: 'user', content: 'hi' }],
        temperature: 0.5,
        top_p: 0.9,
        top_k: 3,
        stop_sequences: ['END'],
        metadata: { user_id: 'u1' },
        stream: true,
        mock_response: 'canned',
      }),
    );
    assert.deepEqual(request, {
      model: 'claude',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
      ],
      max_tokens: 100,
      mock_response: 'canned',
      metadata: { user_id: 'u1' },
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.5,
      top_p: 0.9,
      stop: ['END'],
      user: 'u1',
    });
  });

  it('maps blocks: images, documents, tool_use and tool_result', () => {
    const request = anthropicToOpenAiRequest(
      parse({
        model: 'claude',
        max_tokens: 100,
        system: [{ type: 'text', text: 'sys', cache_control: { type: 'ephemeral' } }],
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'look' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAA' } },
              { type: 'image', source: { type: 'url', url: 'https://x/cat.png' } },
              { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'doc' } },
            ],
          },
          {
            role: 'assistant',
            content: [
              { type: 'thinking', thinking: 'hmm', signature: 's' },
              { type: 'text', text: 'Checking.' },
              { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
            ],
          },
          {
            role: 'user',
            content: [
              {
                type: 'tool_result',
                tool_use_id: 'toolu_1',
                content: [{ type: 'text', text: 'sunny' }],
              },
              { type: 'text', text: 'and tomorrow?' },
            ],
          },
        ],
      }),
    );
    assert.deepEqual(request.messages, [
      {
        role: 'system',
        content: [{ type: 'text', text: 'sys', cache_control: { type: 'ephemeral' } }],
      },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'look' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AAA' } },
          { type: 'image_url', image_url: { url: 'https://x/cat.png' } },
          { type: 'text', text: 'doc' },
        ],
      },
      {
        role: 'assistant',
        content: 'Checking.',
        tool_calls: [
          {
            id: 'toolu_1',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: 'sunny' },
      { role: 'user', content: 'and tomorrow?' },
    ]);
  });

  it('maps tools and every tool_choice', () => {
    const tools = [
      {
        name: 'get_weather',
        description: 'Weather',
        input_schema: { type: 'object', properties: {} },
      },
    ];
    const base = { model: 'c', max_tokens: 1, messages: [{ role: 'user', content: 'x' }], tools };
    const request = anthropicToOpenAiRequest(
      parse({ ...base, tool_choice: { type: 'any', disable_parallel_tool_use: true } }),
    );
    assert.deepEqual(request.tools, [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          parameters: { type: 'object', properties: {} },
          description: 'Weather',
        },
      },
    ]);
    assert.equal(request.tool_choice, 'required');
    assert.equal(request.parallel_tool_calls, false);
    const choice = (tool_choice: Record<string, unknown>) =>
      anthropicToOpenAiRequest(parse({ ...base, tool_choice })).tool_choice;
    assert.equal(choice({ type: 'auto' }), 'auto');
    assert.equal(choice({ type: 'none' }), 'none');
    assert.deepEqual(choice({ type: 'tool', name: 'get_weather' }), {
      type: 'function',
      function: { name: 'get_weather' },
    });
  });

  it('refuses Anthropic server tools for other providers', () => {
    const body = parse({
      model: 'c',
      max_tokens: 1,
      messages: [{ role: 'user', content: 'x' }],
      tools: [{ type: 'web_search_20250305', name: 'web_search' }],
    });
    assert.throws(() => anthropicToOpenAiRequest(body), GatewayError);
  });

  it('lets unknown fields through the schema but rejects a missing max_tokens', () => {
    const body = parse({
      model: 'c',
      max_tokens: 1,
      messages: [{ role: 'user', content: 'x' }],
      future: 1,
    });
    assert.equal(body.future, 1);
    const missing = AnthropicMessagesRequestSchema.safeParse({ model: 'c', messages: [] });
    assert.equal(missing.success, false);
  });
});

describe('openAiToAnthropicResponse', () => {
  const completion = (message: ChatCompletion['choices'][0]['message'], finish: string) =>
    ({
      id: 'chatcmpl-xyz',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, message, finish_reason: finish }],
      usage: {
        prompt_tokens: 50,
        completion_tokens: 8,
        total_tokens: 58,
        prompt_tokens_details: { cached_tokens: 20 },
      },
    }) as ChatCompletion;

  it('renders text with usage split into input and cache tokens', () => {
    const message = openAiToAnthropicResponse(
      completion({ role: 'assistant', content: 'Hi!' }, 'stop'),
      'claude-alias',
    );
    assert.deepEqual(message, {
      id: 'msg_xyz',
      type: 'message',
      role: 'assistant',
      model: 'claude-alias',
      content: [{ type: 'text', text: 'Hi!' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: {
        input_tokens: 30,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 20,
        output_tokens: 8,
      },
    });
  });

  it('renders tool calls as tool_use blocks and maps stop reasons', () => {
    const message = openAiToAnthropicResponse(
      completion(
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } },
          ],
        },
        'tool_calls',
      ),
      'm',
    );
    assert.deepEqual(message.content, [
      { type: 'tool_use', id: 'call_1', name: 'f', input: { a: 1 } },
    ]);
    assert.equal(message.stop_reason, 'tool_use');
    const length = openAiToAnthropicResponse(
      completion({ role: 'assistant', content: 'x' }, 'length'),
      'm',
    );
    assert.equal(length.stop_reason, 'max_tokens');
  });

  it('renders gateway errors in Anthropic format', () => {
    assert.deepEqual(toAnthropicErrorBody(new GatewayError('rate_limit', 'slow down')), {
      type: 'error',
      error: { type: 'rate_limit_error', message: 'slow down' },
    });
  });
});
