import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Deployment } from '../../contracts/deployment.js';
import type { ChatRequest } from '../../contracts/openai.js';
import { ProviderError, type CallContext } from '../types.js';
import { buildAnthropicRequest } from './anthropic-request.js';

function deployment(overrides: Partial<Deployment> = {}): Deployment {
  return {
    id: 'd1',
    modelName: 'claude',
    provider: 'anthropic',
    model: 'claude-sonnet-4-5',
    apiKey: 'sk-ant-test',
    headers: {},
    connection: {},
    defaults: {},
    weight: 1,
    modelInfo: { id: 'd1', access_groups: [] },
    ...overrides,
  };
}

function ctx(overrides: Partial<CallContext> = {}): CallContext {
  return {
    deployment: deployment(),
    stream: false,
    requestId: 'req-1',
    dropParams: false,
    ...overrides,
  };
}

function build(request: Partial<ChatRequest>, context: CallContext = ctx()) {
  const upstream = buildAnthropicRequest(
    { model: 'claude', messages: [{ role: 'user', content: 'hi' }], ...request },
    context,
  );
  return { ...upstream, json: JSON.parse(upstream.body ?? '{}') as Record<string, unknown> };
}

describe('buildAnthropicRequest', () => {
  it('targets /v1/messages with Anthropic headers and the deployment model', () => {
    const d = deployment({ headers: { 'anthropic-beta': 'prompt-caching-2024-07-31' } });
    const { url, headers, json } = build({}, ctx({ deployment: d }));
    assert.equal(url, 'https://api.anthropic.com/v1/messages');
    assert.deepEqual(headers, {
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
      'x-api-key': 'sk-ant-test',
      'anthropic-beta': 'prompt-caching-2024-07-31',
    });
    assert.deepEqual(json, {
      model: 'claude-sonnet-4-5',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      max_tokens: 4096,
    });
  });

  it('accepts api_base as host, /v1 prefix or full endpoint', () => {
    for (const apiBase of [
      'http://h:1',
      'http://h:1/',
      'http://h:1/v1',
      'http://h:1/v1/messages',
    ]) {
      assert.equal(
        build({}, ctx({ deployment: deployment({ apiBase }) })).url,
        'http://h:1/v1/messages',
      );
    }
  });

  it('moves system messages to `system` and merges consecutive same-role turns', () => {
    const { json } = build({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'one' },
        { role: 'user', content: [{ type: 'text', text: 'two' }] },
        { role: 'assistant', content: 'ok' },
      ],
    });
    assert.equal(json.system, 'Be brief.');
    assert.deepEqual(json.messages, [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'one' },
          { type: 'text', text: 'two' },
        ],
      },
      { role: 'assistant', content: [{ type: 'text', text: 'ok' }] },
    ]);
  });

  it('keeps cache_control on system and content parts as blocks', () => {
    const { json } = build({
      messages: [
        {
          role: 'system',
          content: [{ type: 'text', text: 'long doc', cache_control: { type: 'ephemeral' } }],
        },
        { role: 'system', content: 'second' },
        { role: 'user', content: 'q', cache_control: { type: 'ephemeral' } },
      ],
    });
    assert.deepEqual(json.system, [
      { type: 'text', text: 'long doc', cache_control: { type: 'ephemeral' } },
      { type: 'text', text: 'second' },
    ]);
    assert.deepEqual(json.messages, [
      {
        role: 'user',
        content: [{ type: 'text', text: 'q', cache_control: { type: 'ephemeral' } }],
      },
    ]);
  });

  it('turns image_url data URLs into base64 blocks and http URLs into url sources', () => {
    const { json } = build({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
            { type: 'image_url', image_url: 'data:application/pdf;base64,JVBERi0=' },
          ],
        },
      ],
    });
    assert.deepEqual((json.messages as { content: unknown[] }[])[0]?.content, [
      { type: 'text', text: 'what is this?' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
      {
        type: 'document',
        source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' },
      },
    ]);
  });

  it('turns tool calls into tool_use blocks and tool answers into one user turn', () => {
    const { json } = build({
      messages: [
        { role: 'user', content: 'weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: 'Checking.',
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
            },
            { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
        { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: 'rainy' }] },
        { role: 'user', content: 'thanks' },
      ],
    });
    assert.deepEqual(json.messages, [
      { role: 'user', content: [{ type: 'text', text: 'weather in Paris and Rome?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'call_2', name: 'get_weather', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: 'sunny' },
          {
            type: 'tool_result',
            tool_use_id: 'call_2',
            content: [{ type: 'text', text: 'rainy' }],
          },
          { type: 'text', text: 'thanks' },
        ],
      },
    ]);
  });

  it('maps tools, tool_choice and parallel_tool_calls', () => {
    const tools = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Weather for a city',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
        },
      },
      { type: 'function', function: { name: 'noop' } },
    ];
    const { json } = build({ tools, tool_choice: 'required', parallel_tool_calls: false });
    assert.deepEqual(json.tools, [
      {
        name: 'get_weather',
        input_schema: { type: 'object', properties: { city: { type: 'string' } } },
        description: 'Weather for a city',
      },
      { name: 'noop', input_schema: { type: 'object', properties: {} } },
    ]);
    assert.deepEqual(json.tool_choice, { type: 'any', disable_parallel_tool_use: true });
    const choices: [unknown, unknown][] = [
      ['auto', { type: 'auto' }],
      ['none', { type: 'none' }],
      [
        { type: 'function', function: { name: 'noop' } },
        { type: 'tool', name: 'noop' },
      ],
    ];
    for (const [choice, expected] of choices) {
      assert.deepEqual(build({ tools, tool_choice: choice }).json.tool_choice, expected);
    }
  });

  it('maps max_completion_tokens, stop, sampling, user, and passes Anthropic-only fields', () => {
    const { json } = build({
      max_completion_tokens: 100,
      stop: ['END', '\n'],
      temperature: 0.2,
      top_p: 0.9,
      user: 'u-42',
      top_k: 5,
      metadata: { tags: ['gateway-only'] },
      stream_options: { include_usage: true },
    });
    assert.equal(json.max_tokens, 100);
    assert.deepEqual(json.stop_sequences, ['END']);
    assert.equal(json.temperature, 0.2);
    assert.equal(json.top_p, 0.9);
    assert.equal(json.top_k, 5);
    assert.deepEqual(json.metadata, { user_id: 'u-42' });
    assert.equal(json.stream_options, undefined);
    assert.equal(json.max_completion_tokens, undefined);
  });

  it('merges deployment defaults under the client fields and streams when asked', () => {
    const d = deployment({ defaults: { temperature: 0.5, max_tokens: 256, stop: 'STOP' } });
    const { json } = build(
      { temperature: 0.1, max_tokens: null },
      ctx({ deployment: d, stream: true }),
    );
    assert.equal(json.temperature, 0.1);
    assert.equal(json.max_tokens, 256);
    assert.deepEqual(json.stop_sequences, ['STOP']);
    assert.equal(json.stream, true);
  });

  it('rejects OpenAI-only parameters unless drop_params is on', () => {
    assert.throws(
      () => build({ presence_penalty: 0.5, seed: 1, n: 1 }),
      (e: unknown) =>
        e instanceof ProviderError &&
        e.kind === 'bad_request' &&
        e.message.includes("['presence_penalty', 'seed']"),
    );
    const { json } = build({ presence_penalty: 0.5 }, ctx({ dropParams: true }));
    assert.equal(json.presence_penalty, undefined);
  });

  it('forces the JSON tool for response_format and maps reasoning_effort to thinking', () => {
    const schema = { type: 'object', properties: { a: { type: 'number' } } };
    const { json } = build({
      response_format: { type: 'json_schema', json_schema: { name: 'x', schema } },
      reasoning_effort: 'high',
    });
    assert.deepEqual(json.tools, [
      { name: 'json_tool_call', description: 'Respond with a JSON object.', input_schema: schema },
    ]);
    assert.deepEqual(json.tool_choice, { type: 'tool', name: 'json_tool_call' });
    assert.deepEqual(json.thinking, { type: 'enabled', budget_tokens: 4096 });
    assert.equal(json.max_tokens, 8192);
  });
});
