/**
 * `POST /v1/responses` end to end with the official `openai` SDK (`client.responses.create`,
 * `client.responses.stream`). Bridged to chat for OpenAI-compatible vendors and Anthropic:
 * answers and streams, function tools both ways, structured output, what the upstream is sent,
 * refusals of what the bridge cannot carry. Passed through to OpenAI's own Responses API for
 * `openai/` deployments: hosted tools, stored responses, streams as sent. Errors in OpenAI's
 * shape, and the money path either way (cost header, spend log with call type `aresponses`,
 * budgets, a lowered output cap), on a real SQLite store.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import OpenAI from 'openai';
import { MASTER_KEY } from './helpers/gateway.js';
import { gatewayOnSqlite } from './helpers/sqlite-gateway.js';
import { startAnthropicSimulator } from './simulators/anthropic-simulator.js';
import { startAzureSimulator } from './simulators/azure-simulator.js';
import {
  countSimTokens,
  simulatedAnswer,
  startOpenAiSimulator,
} from './simulators/openai-simulator.js';
import type { Simulator } from './simulators/simulator-server.js';
import { promptTokenUpperBound } from '../src/spend/token-count.js';

const INPUT_PRICE = 0.000001;
const OUTPUT_PRICE = 0.000002;
const PRICES = { input_cost_per_token: INPUT_PRICE, output_cost_per_token: OUTPUT_PRICE };

const WEATHER_TOOL = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
    additionalProperties: false,
  },
  strict: true,
};

// Started before the gateway (their URLs go in its config) and closed after every test.
const openAiUpstream = await startOpenAiSimulator({ apiKey: 'sk-upstream' });
const anthropicUpstream = await startAnthropicSimulator({ apiKey: 'sk-ant-upstream' });
const azureUpstream = await startAzureSimulator({ apiKey: 'azure-key' });

after(async () => {
  await openAiUpstream.close();
  await anthropicUpstream.close();
  await azureUpstream.close();
});

const CONFIG = {
  model_list: [
    {
      // An OpenAI-compatible vendor: served through the chat bridge.
      model_name: 'gpt-sim',
      litellm_params: {
        model: 'hosted_vllm/gpt-4o-mini',
        api_base: `${openAiUpstream.url}/v1`,
        api_key: 'sk-upstream',
        ...PRICES,
      },
    },
    {
      // Gives up on a stream that goes silent for 0.3 s.
      model_name: 'gpt-impatient',
      litellm_params: {
        model: 'hosted_vllm/gpt-4o-mini',
        api_base: `${openAiUpstream.url}/v1`,
        api_key: 'sk-upstream',
        stream_timeout: 0.3,
      },
    },
    {
      // Azure: its own Responses API, per resource. The chat API version predates it.
      model_name: 'azure-native',
      litellm_params: {
        model: 'azure/gpt-4o-deploy',
        api_base: azureUpstream.url,
        api_key: 'azure-key',
        api_version: '2025-02-01-preview',
        ...PRICES,
      },
    },
    {
      // Falls back to gpt-sim, which only the chat bridge reaches.
      model_name: 'gpt-native-fb',
      litellm_params: {
        model: 'openai/gpt-4o-mini',
        api_base: `${openAiUpstream.url}/v1`,
        api_key: 'sk-upstream',
      },
    },
    // The built-in mock provider (the quickstart's models).
    { model_name: 'mock-gpt', litellm_params: { model: 'mock/mock-gpt' } },
    {
      // OpenAI itself: its own Responses API, passed through.
      model_name: 'gpt-native',
      litellm_params: {
        model: 'openai/gpt-4o-mini',
        api_base: `${openAiUpstream.url}/v1`,
        api_key: 'sk-upstream',
        ...PRICES,
      },
    },
    {
      model_name: 'gpt-native-impatient',
      litellm_params: {
        model: 'openai/gpt-4o-mini',
        api_base: `${openAiUpstream.url}/v1`,
        api_key: 'sk-upstream',
        stream_timeout: 0.3,
      },
    },
    {
      model_name: 'claude-native',
      litellm_params: {
        model: 'anthropic/claude-sim-1',
        api_base: anthropicUpstream.url,
        api_key: 'sk-ant-upstream',
        ...PRICES,
      },
    },
  ],
  general_settings: { master_key: MASTER_KEY },
  router_settings: { fallbacks: [{ 'gpt-native-fb': ['gpt-sim'] }] },
};

interface ChatSent {
  model: string;
  messages: { role: string; content?: unknown; tool_calls?: unknown; tool_call_id?: string }[];
  [k: string]: unknown;
}

/**
 * A stream whose upstream sends its first event and then goes silent past the deployment's
 * stream_timeout: the client gets what came, then an error event on which the SDK raises.
 */
async function stallsMidStream(sdk: OpenAI, model: string): Promise<void> {
  openAiUpstream.fail({ kind: 'stall', ms: 2000 });
  try {
    const stream = await sdk.responses.create({
      model,
      input: 'a long story please',
      stream: true,
    });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const event of stream) seen.push(event.type);
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof OpenAI.APIError, `the SDK raises, got ${String(error)}`);
    assert.match(error.message, /timeout|timed out/i);
    assert.equal(seen[0], 'response.created');
    assert.ok(!seen.includes('response.completed'));
  } finally {
    openAiUpstream.reset();
  }
}

function lastSent(upstream: Simulator): ChatSent {
  const sent = upstream.requests.at(-1);
  assert.ok(sent, 'the upstream was called');
  return sent.body as ChatSent;
}

describe('/v1/responses with the official openai SDK, bridged to chat', () => {
  const fixture = gatewayOnSqlite(CONFIG);
  const sdk = (key = MASTER_KEY) =>
    new OpenAI({ apiKey: key, baseURL: `${fixture.gateway.url}/v1`, maxRetries: 0 });

  it('answers responses.create with a response object, from a chat request upstream', async () => {
    openAiUpstream.reset();
    const response = await sdk().responses.create({
      model: 'gpt-sim',
      instructions: 'Be brief.',
      input: 'hello there',
      max_output_tokens: 50,
      temperature: 0.2,
      metadata: { ticket: 'T-1' },
    });
    const answer = simulatedAnswer('hello there');
    assert.equal(response.object, 'response');
    assert.match(response.id, /^resp_[0-9a-f]{32}$/);
    assert.equal(response.status, 'completed');
    assert.equal(response.model, 'gpt-sim');
    assert.equal(response.output_text, answer);
    assert.equal(response.instructions, 'Be brief.');
    assert.equal(response.max_output_tokens, 50);
    assert.deepEqual(response.metadata, { ticket: 'T-1' });
    const [item] = response.output;
    assert.equal(item?.type, 'message');
    assert.equal(item.type === 'message' && item.role, 'assistant');
    assert.equal(response.usage?.output_tokens, countSimTokens(answer));
    assert.equal(response.usage?.input_tokens, countSimTokens('Be brief. hello there'));
    assert.equal(
      response.usage?.total_tokens,
      (response.usage?.input_tokens ?? 0) + (response.usage?.output_tokens ?? 0),
    );

    const sent = lastSent(openAiUpstream);
    assert.equal(openAiUpstream.requests.at(-1)?.path, '/v1/chat/completions');
    assert.deepEqual(sent.messages, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hello there' },
    ]);
    assert.equal(sent.max_tokens, 50);
    assert.equal(sent.temperature, 0.2);
    for (const field of ['input', 'instructions', 'max_output_tokens', 'metadata', 'text']) {
      assert.equal(field in sent, false, `${field} is not sent to a chat upstream`);
    }
  });

  it('streams with responses.stream: every event in order, and the final response', async () => {
    const stream = sdk().responses.stream({ model: 'gpt-sim', input: 'stream this please' });
    const types: string[] = [];
    const sequence: number[] = [];
    let deltas = '';
    for await (const event of stream) {
      types.push(event.type);
      sequence.push(event.sequence_number);
      if (event.type === 'response.output_text.delta') deltas += event.delta;
    }
    const final = await stream.finalResponse();
    const answer = simulatedAnswer('stream this please');
    assert.equal(deltas, answer);
    assert.equal(final.output_text, answer);
    assert.equal(final.status, 'completed');
    assert.equal(final.usage?.output_tokens, countSimTokens(answer));
    assert.deepEqual(
      sequence,
      sequence.map((_, i) => i),
      'sequence numbers from 0, one per event',
    );
    const distinct = types.filter((t, i) => t !== types[i - 1]);
    assert.deepEqual(distinct, [
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    assert.equal(lastSent(openAiUpstream).stream, true);
  });

  it('runs a function tool round trip: the call, then its output sent back as input', async () => {
    openAiUpstream.reset();
    const first = await sdk().responses.create({
      model: 'gpt-sim',
      input: 'please use a tool for Paris',
      tools: [WEATHER_TOOL],
      tool_choice: 'auto',
    });
    const call = first.output.find((o) => o.type === 'function_call');
    assert.ok(call && call.type === 'function_call', JSON.stringify(first.output));
    assert.equal(call.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.arguments), { city: 'Paris' });
    assert.equal(call.call_id, 'call_sim1');
    assert.match(call.id ?? '', /^fc_/);
    const sentTools = lastSent(openAiUpstream).tools as Record<string, unknown>[];
    assert.deepEqual(sentTools, [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Weather for a city',
          parameters: WEATHER_TOOL.parameters,
          strict: true,
        },
      },
    ]);
    assert.equal(lastSent(openAiUpstream).tool_choice, 'auto');

    const second = await sdk().responses.create({
      model: 'gpt-sim',
      tools: [WEATHER_TOOL],
      input: [
        { role: 'user', content: 'please use a tool for Paris' },
        ...(first.output as OpenAI.Responses.ResponseInputItem[]),
        { type: 'function_call_output', call_id: call.call_id, output: 'sunny, 21 C' },
        { role: 'user', content: [{ type: 'input_text', text: 'and now?' }] },
      ],
    });
    assert.equal(second.output_text, simulatedAnswer('and now?'));
    const messages = lastSent(openAiUpstream).messages;
    assert.deepEqual(
      messages.map((m) => m.role),
      ['user', 'assistant', 'tool', 'user'],
    );
    assert.deepEqual(messages[1]?.tool_calls, [
      {
        id: 'call_sim1',
        type: 'function',
        function: { name: 'get_weather', arguments: call.arguments },
      },
    ]);
    assert.equal(messages[2]?.tool_call_id, 'call_sim1');
    assert.equal(messages[2]?.content, 'sunny, 21 C');
    assert.equal(messages[3]?.content, 'and now?');
  });

  it('streams a function call: argument deltas, then the whole call in the final response', async () => {
    const stream = sdk().responses.stream({
      model: 'gpt-sim',
      input: 'please use a tool',
      tools: [WEATHER_TOOL],
    });
    let args = '';
    for await (const event of stream) {
      if (event.type === 'response.function_call_arguments.delta') args += event.delta;
    }
    const final = await stream.finalResponse();
    const call = final.output.find((o) => o.type === 'function_call');
    assert.ok(call && call.type === 'function_call');
    assert.equal(call.name, 'get_weather');
    assert.equal(call.arguments, args);
    assert.deepEqual(JSON.parse(args), { city: 'Paris' });
  });

  it('asks a chat upstream for structured output when text.format is a JSON schema', async () => {
    // A schema's property names are the user's own, `_url` endings included.
    const schema = {
      type: 'object',
      properties: { answer: { type: 'string' }, source_url: { type: 'string' } },
      required: ['answer', 'source_url'],
      additionalProperties: false,
    };
    await sdk().responses.create({
      model: 'gpt-sim',
      input: 'answer in JSON',
      text: { format: { type: 'json_schema', name: 'reply', schema, strict: true } },
      reasoning: { effort: 'low' },
    });
    const sent = lastSent(openAiUpstream);
    assert.deepEqual(sent.response_format, {
      type: 'json_schema',
      json_schema: { name: 'reply', schema, strict: true },
    });
    assert.equal(sent.reasoning_effort, 'low');
  });

  it('reaches Anthropic: a response and a stream from a Messages API upstream', async () => {
    anthropicUpstream.reset();
    const response = await sdk().responses.create({
      model: 'claude-native',
      instructions: 'Be kind.',
      input: 'hello claude',
    });
    assert.equal(response.output_text, simulatedAnswer('hello claude'));
    assert.ok((response.usage?.input_tokens ?? 0) > 0);
    const sent = anthropicUpstream.requests.at(-1);
    assert.equal(sent?.path, '/v1/messages');
    assert.equal((sent?.body as { system?: unknown }).system, 'Be kind.');

    const stream = sdk().responses.stream({ model: 'claude-native', input: 'stream claude' });
    const final = await stream.finalResponse();
    assert.equal(final.output_text, simulatedAnswer('stream claude'));
    assert.ok((final.usage?.output_tokens ?? 0) > 0);
  });

  it('refuses what it cannot honour with a 400 naming it, and calls no upstream', async () => {
    openAiUpstream.reset();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ previous_response_id: 'resp_abc' }, /previous_response_id is not supported/],
      [
        { tools: [{ type: 'web_search_preview' }] },
        /tools\[0\]: tools of type "web_search_preview"/,
      ],
      [
        { input: [{ type: 'item_reference', id: 'msg_1' }] },
        /input\[0\]: item_reference is not supported/,
      ],
      [
        { input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file-1' }] }] },
        /input\[0\]\.content\[0\]: images must be sent by image_url/,
      ],
      [{ input: [{ role: 'robot', content: 'hi' }] }, /input\[0\]\.role: must be/],
      [{ text: { format: { type: 'yaml' } } }, /text\.format: type "yaml" is not supported/],
      [{ input: 42 }, /Invalid request body: input/],
    ];
    for (const [extra, message] of cases) {
      const error = await sdk()
        .responses.create({ model: 'gpt-sim', input: 'hi', ...extra } as never)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      assert.ok(error instanceof OpenAI.BadRequestError, `${JSON.stringify(extra)}: ${error}`);
      assert.match(error.message, message);
      assert.equal((error.error as { type?: string }).type, 'invalid_request_error');
    }
    assert.equal(openAiUpstream.requests.length, 0);
  });

  it('passes an upstream rate limit on as a 429 the SDK raises as RateLimitError', async () => {
    openAiUpstream.fail({ kind: 'status', status: 429, message: 'Rate limit reached' });
    const error = await sdk()
      .responses.create({ model: 'gpt-sim', input: 'hi' })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(error instanceof OpenAI.RateLimitError, String(error));
    openAiUpstream.reset();
  });

  it('ends a stream that fails after it started with an error event the SDK raises', async () => {
    await stallsMidStream(sdk(), 'gpt-impatient');
  });

  it('prices and books each call as aresponses against the key, and keeps its budget', async () => {
    const created = await fixture.api.post('/key/generate', {
      models: ['gpt-sim'],
      max_budget: 1,
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const key = created.body.key as string;
    const { data, response } = await sdk(key)
      .responses.create({ model: 'gpt-sim', input: 'book me' })
      .withResponse();
    const usage = data.usage!;
    const expected = usage.input_tokens * INPUT_PRICE + usage.output_tokens * OUTPUT_PRICE;
    const header = Number(response.headers.get('x-litellm-response-cost'));
    assert.ok(Math.abs(header - expected) < 1e-12, `cost header ${header} vs ${expected}`);
    const callId = response.headers.get('x-litellm-call-id');
    assert.equal(data.id, `resp_${callId?.replaceAll('-', '')}`, 'the response id names the call');

    const stream = sdk(key).responses.stream({ model: 'gpt-sim', input: 'book my stream' });
    const streamed = await stream.finalResponse();

    await fixture.gateway.app.ledger?.flush();
    const logs = await fixture.api.get(`/spend/logs?request_id=${callId}`);
    const rows = (Array.isArray(logs.body) ? logs.body : logs.body.data) as Record<
      string,
      unknown
    >[];
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.call_type, 'aresponses');
    assert.equal(rows[0]?.model_group, 'gpt-sim');
    assert.ok(Math.abs((rows[0]?.spend as number) - expected) < 1e-12);
    const streamCost =
      streamed.usage!.input_tokens * INPUT_PRICE + streamed.usage!.output_tokens * OUTPUT_PRICE;
    const info = await fixture.api.get(`/key/info?key=${key}`);
    const spend = info.body.info.spend as number;
    assert.ok(Math.abs(spend - (expected + streamCost)) < 1e-12, `key spend ${spend}`);

    // A key whose budget is spent is refused before any upstream call, as on every LLM route.
    await fixture.api.post('/key/update', { key, max_budget: spend });
    openAiUpstream.reset();
    const refused = await sdk(key)
      .responses.create({ model: 'gpt-sim', input: 'one more' })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(refused instanceof OpenAI.APIError, String(refused));
    assert.match(refused.message, /Budget has been exceeded/);
    assert.equal(openAiUpstream.requests.length, 0);
  });

  it("answers from the built-in mock provider, the quickstart's models", async () => {
    const response = await sdk().responses.create({ model: 'mock-gpt', input: 'Hello!' });
    assert.equal(response.output_text, 'This is a mock response to: Hello!');
    const stream = sdk().responses.stream({ model: 'mock-gpt', input: 'Hello!' });
    assert.equal((await stream.finalResponse()).output_text, 'This is a mock response to: Hello!');
  });

  it('holds keys to their models, as on the chat route', async () => {
    const created = await fixture.api.post('/key/generate', { models: ['claude-native'] });
    const error = await sdk(created.body.key as string)
      .responses.create({ model: 'gpt-sim', input: 'hi' })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(error instanceof OpenAI.APIError, String(error));
    assert.equal(error.status, 401);
    assert.match(error.message, /not allowed to access model/);
  });
});

describe('/v1/responses with the official openai SDK, passed through to OpenAI', () => {
  const fixture = gatewayOnSqlite(CONFIG);
  const sdk = (key = MASTER_KEY) =>
    new OpenAI({ apiKey: key, baseURL: `${fixture.gateway.url}/v1`, maxRetries: 0 });

  it('forwards the request as sent, hosted tools included, and the answer unchanged', async () => {
    openAiUpstream.reset();
    const response = await sdk().responses.create({
      model: 'gpt-native',
      input: 'search the news',
      tools: [{ type: 'web_search_preview' }],
      include: ['reasoning.encrypted_content'],
      metadata: { ticket: 'T-1', tags: ['news'] } as unknown as Record<string, string>,
    });
    assert.equal(response.id, 'resp_sim1', "the upstream's own id");
    assert.deepEqual(
      response.output.map((o) => o.type),
      ['web_search_call', 'message'],
    );
    assert.equal(response.output_text, simulatedAnswer('search the news'));
    const sent = openAiUpstream.requests.at(-1);
    assert.equal(sent?.path, '/v1/responses');
    assert.equal(sent?.headers.authorization, 'Bearer sk-upstream');
    assert.deepEqual(sent?.body, {
      model: 'gpt-4o-mini',
      input: 'search the news',
      tools: [{ type: 'web_search_preview' }],
      include: ['reasoning.encrypted_content'],
      metadata: { ticket: 'T-1' },
    });
  });

  it("continues a stored response with previous_response_id, and passes OpenAI's 400 on", async () => {
    const first = await sdk().responses.create({ model: 'gpt-native', input: 'first turn' });
    const second = await sdk().responses.create({
      model: 'gpt-native',
      input: 'next turn',
      previous_response_id: first.id,
    });
    assert.equal(second.output_text, simulatedAnswer('next turn (after: first turn)'));
    assert.equal(
      (openAiUpstream.requests.at(-1)?.body as { previous_response_id?: string })
        .previous_response_id,
      first.id,
    );
    const error = await sdk()
      .responses.create({ model: 'gpt-native', input: 'x', previous_response_id: 'resp_gone' })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(error instanceof OpenAI.BadRequestError, String(error));
    assert.match(error.message, /Previous response with id 'resp_gone' not found/);
  });

  it("streams OpenAI's events as they came, and books the stream's usage", async () => {
    const created = await fixture.api.post('/key/generate', { models: ['gpt-native'] });
    const key = created.body.key as string;
    const stream = sdk(key).responses.stream({
      model: 'gpt-native',
      input: 'stream natively',
      tools: [{ type: 'web_search_preview' }],
    });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    const final = await stream.finalResponse();
    assert.equal(final.output_text, simulatedAnswer('stream natively'));
    assert.equal(types[0], 'response.created');
    assert.equal(types.at(-1), 'response.completed');
    assert.ok(types.includes('response.output_item.added'));
    assert.equal(final.id.startsWith('resp_sim'), true);

    await fixture.gateway.app.ledger?.flush();
    const info = await fixture.api.get(`/key/info?key=${key}`);
    const usage = final.usage!;
    const expected = usage.input_tokens * INPUT_PRICE + usage.output_tokens * OUTPUT_PRICE;
    assert.ok(expected > 0);
    const spend = info.body.info.spend as number;
    assert.ok(Math.abs(spend - expected) < 1e-12, `key spend ${spend} vs ${expected}`);
  });

  it('prices a call from OpenAI usage, logs it as aresponses, and lowers max_output_tokens to the budget', async () => {
    const created = await fixture.api.post('/key/generate', { models: ['gpt-native'] });
    const key = created.body.key as string;
    const { data, response } = await sdk(key)
      .responses.create({ model: 'gpt-native', input: 'price me', max_output_tokens: 64 })
      .withResponse();
    const expected =
      data.usage!.input_tokens * INPUT_PRICE + data.usage!.output_tokens * OUTPUT_PRICE;
    const header = Number(response.headers.get('x-litellm-response-cost'));
    assert.ok(Math.abs(header - expected) < 1e-12, `cost header ${header} vs ${expected}`);
    assert.equal(
      (openAiUpstream.requests.at(-1)?.body as Record<string, unknown>).max_output_tokens,
      64,
    );
    await fixture.gateway.app.ledger?.flush();
    const callId = response.headers.get('x-litellm-call-id');
    const logs = await fixture.api.get(`/spend/logs?request_id=${callId}`);
    const rows = (Array.isArray(logs.body) ? logs.body : logs.body.data) as Record<
      string,
      unknown
    >[];
    assert.equal(rows[0]?.call_type, 'aresponses');
    assert.equal(rows[0]?.total_tokens, data.usage!.total_tokens);

    // A budget that pays the prompt and 5 output tokens: the cap sent upstream is lowered to 5.
    const body = { model: 'gpt-native', input: 'cap me' };
    const budget = promptTokenUpperBound(body) * INPUT_PRICE + 5 * OUTPUT_PRICE + 1e-12;
    const tight = await fixture.api.post('/key/generate', {
      models: ['gpt-native'],
      max_budget: budget,
    });
    openAiUpstream.reset();
    await sdk(tight.body.key as string).responses.create({ ...body, max_output_tokens: 1000 });
    const sent = openAiUpstream.requests.at(-1)?.body as Record<string, unknown>;
    assert.equal(sent.max_output_tokens, 5);
    assert.equal('max_tokens' in sent, false, 'the Responses API has no max_tokens');
  });

  it('falls back to a chat-only group through the bridge, and refuses there what it cannot carry', async () => {
    openAiUpstream.reset();
    openAiUpstream.fail({ kind: 'status', status: 500 });
    const fellBack = await sdk().responses.create({
      model: 'gpt-native-fb',
      input: 'fall back please',
      num_retries: 0,
    } as OpenAI.Responses.ResponseCreateParamsNonStreaming);
    assert.equal(fellBack.output_text, simulatedAnswer('fall back please'));
    assert.deepEqual(
      openAiUpstream.requests.map((r) => r.path),
      ['/v1/responses', '/v1/chat/completions'],
    );

    openAiUpstream.reset();
    openAiUpstream.fail({ kind: 'status', status: 500 });
    const error = await sdk()
      .responses.create({
        model: 'gpt-native-fb',
        input: 'search then fall back',
        tools: [{ type: 'web_search_preview' }],
        num_retries: 0,
      } as OpenAI.Responses.ResponseCreateParamsNonStreaming)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(error instanceof OpenAI.BadRequestError, String(error));
    assert.match(error.message, /web_search_preview/);
    assert.deepEqual(
      openAiUpstream.requests.map((r) => r.path),
      ['/v1/responses'],
      'nothing sent to the chat-only fallback',
    );
    openAiUpstream.reset();
  });

  it('retrieves, lists the input of, cancels and deletes stored responses where they were made', async () => {
    openAiUpstream.reset();
    const made = await sdk().responses.create({ model: 'gpt-native', input: 'keep this' });
    const fetched = await sdk().responses.retrieve(made.id);
    assert.equal(fetched.id, made.id);
    assert.equal(fetched.output_text, simulatedAnswer('keep this'));
    assert.equal(openAiUpstream.requests.at(-1)?.path, `/v1/responses/${made.id}`);
    assert.equal(openAiUpstream.requests.at(-1)?.method, 'GET');

    const items = await sdk().responses.inputItems.list(made.id);
    assert.equal(items.data.length, 1);
    const cancel = await sdk()
      .responses.cancel(made.id)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(cancel instanceof OpenAI.BadRequestError, "OpenAI's own answer, passed on");
    assert.match(cancel.message, /background=true/);

    // A streamed response is remembered too.
    const streamed = await sdk()
      .responses.stream({ model: 'gpt-native', input: 'stream and keep' })
      .finalResponse();
    assert.equal((await sdk().responses.retrieve(streamed.id)).id, streamed.id);

    await sdk().responses.delete(made.id);
    assert.equal(openAiUpstream.requests.at(-1)?.method, 'DELETE');
    const gone = await sdk()
      .responses.retrieve(made.id)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(gone instanceof OpenAI.NotFoundError, String(gone));
  });

  it('asks for ?model= when it cannot tell where a response is stored, and checks model access', async () => {
    const unknown = await sdk()
      .responses.retrieve('resp_elsewhere')
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(unknown instanceof OpenAI.BadRequestError, String(unknown));
    assert.match(unknown.message, /add \?model=/);
    const named = await sdk()
      .responses.retrieve('resp_elsewhere', {}, { query: { model: 'gpt-native' } })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(named instanceof OpenAI.NotFoundError, 'asked where it was told: not found there');
    assert.ok(!String(openAiUpstream.requests.at(-1)?.query).includes('model'));

    const made = await sdk().responses.create({ model: 'gpt-native', input: 'private' });
    const other = await fixture.api.post('/key/generate', { models: ['gpt-sim'] });
    const denied = await sdk(other.body.key as string)
      .responses.retrieve(made.id)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(denied instanceof OpenAI.AuthenticationError, String(denied));
  });

  it("passes Azure deployments through to the resource's Responses API", async () => {
    azureUpstream.reset();
    const response = await sdk().responses.create({
      model: 'azure-native',
      input: 'search on azure',
      tools: [{ type: 'web_search_preview' }],
    });
    assert.deepEqual(
      response.output.map((o) => o.type),
      ['web_search_call', 'message'],
    );
    assert.equal(response.output_text, simulatedAnswer('search on azure'));
    const sent = azureUpstream.requests.at(-1);
    assert.equal(sent?.path, '/openai/responses');
    assert.equal(sent?.query.get('api-version'), '2025-04-01-preview');
    assert.equal(sent?.headers['api-key'], 'azure-key');
    assert.equal((sent?.body as { model?: string }).model, 'gpt-4o-deploy');

    const stream = sdk().responses.stream({ model: 'azure-native', input: 'stream on azure' });
    const final = await stream.finalResponse();
    assert.equal(final.output_text, simulatedAnswer('stream on azure'));
    assert.ok((final.usage?.output_tokens ?? 0) > 0);

    const fetched = await sdk().responses.retrieve(response.id);
    assert.equal(fetched.id, response.id);
    const got = azureUpstream.requests.at(-1);
    assert.equal(got?.path, `/openai/responses/${response.id}`);
    assert.equal(got?.query.get('api-version'), '2025-04-01-preview');
    assert.equal(got?.headers['api-key'], 'azure-key');
  });

  it('ends a stream that stalls after it started with an error event the SDK raises', async () => {
    await stallsMidStream(sdk(), 'gpt-native-impatient');
  });
});
