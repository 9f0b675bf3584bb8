/**
 * End to end with the official `openai` SDK: a real gateway in front of the OpenAI simulator.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { startOpenAiSimulator, simulatedAnswer } from './simulators/openai-simulator.js';
import type { Simulator } from './simulators/simulator-server.js';

describe('OpenAI SDK through the gateway', () => {
  let upstream: Simulator;
  let gateway: TestGateway;
  let client: OpenAI;

  before(async () => {
    upstream = await startOpenAiSimulator({ apiKey: 'sk-upstream' });
    gateway = await startGateway({
      model_list: [
        {
          model_name: 'gpt-4o-mini',
          litellm_params: {
            model: 'openai/gpt-4o-mini',
            api_base: `${upstream.url}/v1`,
            api_key: 'sk-upstream',
            temperature: 0.1,
          },
        },
        {
          model_name: 'text-embedding-3-small',
          litellm_params: {
            model: 'openai/text-embedding-3-small',
            api_base: `${upstream.url}/v1`,
            api_key: 'sk-upstream',
          },
          model_info: { mode: 'embedding' },
        },
        { model_name: 'mock-gpt', litellm_params: { model: 'mock/mock-gpt' } },
        {
          model_name: 'mock-embedding',
          litellm_params: { model: 'mock/mock-embedding' },
          model_info: { mode: 'embedding' },
        },
        {
          model_name: 'slow-mock',
          litellm_params: { model: 'mock/slow', mock_chunk_delay_ms: 60 },
          model_info: { id: 'slow-mock-1' },
        },
      ],
      general_settings: { master_key: MASTER_KEY },
    });
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
  });
  after(async () => {
    await gateway.close();
    await upstream.close();
  });

  it('answers a chat completion with the upstream content and usage', async () => {
    upstream.reset();
    const response = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hello gateway' }],
    });
    assert.equal(response.choices[0]?.message.content, simulatedAnswer('hello gateway'));
    assert.equal(response.usage?.prompt_tokens, 2);
    assert.ok((response.usage?.completion_tokens ?? 0) > 0);
    const sent = upstream.requests[0]?.body as Record<string, unknown>;
    assert.equal(sent.model, 'gpt-4o-mini');
    assert.equal(sent.temperature, 0.1, 'litellm_params defaults are sent upstream');
    assert.equal(upstream.requests[0]?.headers.authorization, 'Bearer sk-upstream');
  });

  it('streams chunk by chunk and hides the usage chunk unless asked for', async () => {
    upstream.reset();
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'stream please' }],
      stream: true,
    });
    let text = '';
    let chunks = 0;
    let sawUsage = false;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) sawUsage = true;
    }
    assert.equal(text, simulatedAnswer('stream please'));
    assert.ok(chunks > 3);
    assert.equal(sawUsage, false);
    const sent = upstream.requests[0]?.body as { stream_options?: { include_usage?: boolean } };
    assert.equal(
      sent.stream_options?.include_usage,
      true,
      'the gateway always asks upstream for usage',
    );
  });

  it('passes the usage chunk on when stream_options.include_usage is set', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'count me' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
    assert.equal(usage?.prompt_tokens, 2);
    assert.ok((usage?.total_tokens ?? 0) > 2);
  });

  it('returns tool calls, streamed and not', async () => {
    const tools: OpenAI.ChatCompletionTool[] = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
        },
      },
    ];
    const response = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'use a tool' }],
      tools,
    });
    const call = response.choices[0]?.message.tool_calls?.[0];
    assert.equal(call?.type === 'function' ? call.function.name : undefined, 'get_weather');
    assert.equal(response.choices[0]?.finish_reason, 'tool_calls');
    const stream = client.chat.completions.stream({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'use a tool' }],
      tools,
    });
    const final = await stream.finalChatCompletion();
    const streamed = final.choices[0]?.message.tool_calls?.[0];
    assert.equal(
      streamed?.type === 'function' ? streamed.function.arguments : undefined,
      '{"city":"Paris"}',
    );
  });

  it('creates embeddings', async () => {
    const response = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: ['a', 'b c'],
    });
    assert.equal(response.data.length, 2);
    assert.equal(response.data[1]?.index, 1);
    assert.ok(response.usage.prompt_tokens > 0);
  });

  it('embeds with the built-in mock, which refuses more dimensions than OpenAI serves with a 400', async () => {
    const response = await client.embeddings.create({
      model: 'mock-embedding',
      input: 'hello',
      dimensions: 256,
    });
    assert.equal(response.data[0]?.embedding.length, 256);
    await assert.rejects(
      client.embeddings.create({
        model: 'mock-embedding',
        input: 'hello',
        dimensions: 2 ** 31 - 1,
      }),
      (error: unknown) =>
        error instanceof OpenAI.BadRequestError && /1 to 3072/.test(error.message),
    );
  });

  it('serves legacy completions', async () => {
    const response = await client.completions.create({ model: 'gpt-4o-mini', prompt: 'say hi' });
    assert.equal(response.choices[0]?.text, simulatedAnswer('say hi'));
    const stream = await client.completions.create({
      model: 'gpt-4o-mini',
      prompt: 'say hi',
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
    assert.equal(text, simulatedAnswer('say hi'));
  });

  it('serves completions through chat for chat-only providers', async () => {
    const response = await client.completions.create({ model: 'mock-gpt', prompt: 'tell me' });
    assert.match(response.choices[0]?.text ?? '', /mock response to: tell me/);
  });

  it('lists the models', async () => {
    const models = await client.models.list();
    const ids = models.data.map((m) => m.id);
    assert.deepEqual(ids, [
      'gpt-4o-mini',
      'text-embedding-3-small',
      'mock-gpt',
      'mock-embedding',
      'slow-mock',
    ]);
    assert.equal(models.data[0]?.owned_by, 'openai');
    assert.equal(models.data[0]?.created, 1677610602);
  });

  it('answers mock_response without calling the upstream', async () => {
    upstream.reset();
    const response = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'x' }],
      // @ts-expect-error LiteLLM's request field, unknown to the SDK's types
      mock_response: 'canned answer',
    });
    assert.equal(response.choices[0]?.message.content, 'canned answer');
    assert.equal(upstream.requests.length, 0);
  });

  it('refuses a wrong key with 401 in the LiteLLM shape', async () => {
    const bad = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'sk-wrong', maxRetries: 0 });
    await assert.rejects(
      bad.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'x' }],
      }),
      (error: unknown) =>
        error instanceof OpenAI.APIError &&
        error.status === 400 &&
        /No connected db/.test(error.message),
    );
    const notSk = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'abc123', maxRetries: 0 });
    await assert.rejects(
      notSk.models.list(),
      (error: unknown) =>
        error instanceof OpenAI.AuthenticationError &&
        /expected to start with 'sk-'/.test(error.message),
    );
  });

  it('names the models the caller can use when the model is unknown', async () => {
    await assert.rejects(
      client.chat.completions.create({
        model: 'gpt-5-nope',
        messages: [{ role: 'user', content: 'x' }],
      }),
      (error: unknown) =>
        error instanceof OpenAI.BadRequestError &&
        /Invalid model name passed in model=gpt-5-nope/.test(error.message) &&
        /gpt-4o-mini/.test(error.message),
    );
  });

  it('maps an upstream 429 to 429 with retry-after', async () => {
    upstream.fail({ kind: 'status', status: 429, headers: { 'retry-after': '7' } });
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }),
    });
    assert.equal(response.status, 429);
    assert.equal(response.headers.get('retry-after'), '7');
    const body = (await response.json()) as { error: { message: string; code: string } };
    assert.equal(body.error.code, '429');
    assert.match(
      body.error.message,
      /^litellm\.RateLimitError: OpenAIException - Rate limit reached/,
    );
  });

  it('maps an upstream 500 to 500 with the provider message', async () => {
    upstream.fail({ kind: 'status', status: 500, message: 'upstream exploded' });
    await assert.rejects(
      client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'x' }],
      }),
      (error: unknown) =>
        error instanceof OpenAI.InternalServerError && /upstream exploded/.test(error.message),
    );
  });

  it('turns upstream garbage into a clean 502', async () => {
    upstream.fail({ kind: 'garbage' });
    await assert.rejects(
      client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'x' }],
      }),
      (error: unknown) => error instanceof OpenAI.APIError && error.status === 502,
    );
  });

  it('ends a stream that dies mid-way with an error event, never a silent success', async () => {
    upstream.fail({ kind: 'truncate' });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'a long answer please' }],
      stream: true,
    });
    await assert.rejects(async () => {
      for await (const _chunk of stream) {
        // consume
      }
    }, /stream ended before it was complete/);
  });

  it('forwards each chunk as it arrives, and still learns the usage the client did not ask for', async () => {
    const started = performance.now();
    const stream = await client.chat.completions.create({
      model: 'slow-mock',
      messages: [{ role: 'user', content: 'one two three four five six' }],
      stream: true,
    });
    const arrivals: number[] = [];
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) arrivals.push(performance.now() - started);
    }
    assert.ok(arrivals.length >= 8);
    const first = arrivals[0] ?? 0;
    const last = arrivals[arrivals.length - 1] ?? 0;
    // Chunks are 60 ms apart upstream: a buffering gateway would deliver them all at once.
    assert.ok(last - first > 300, `chunks spread over ${Math.round(last - first)} ms`);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    assert.match(
      metrics,
      /litellm_input_tokens_metric\{model="slow-mock",model_id="slow-mock-1"\} [1-9]/,
    );
    assert.match(
      metrics,
      /litellm_output_tokens_metric\{model="slow-mock",model_id="slow-mock-1"\} [1-9]/,
    );
  });

  it('answers from litellm_params.mock_response on a real provider without calling it', async () => {
    const upstream = await startOpenAiSimulator();
    const mocked = await startGateway({
      model_list: [
        {
          model_name: 'canned',
          litellm_params: {
            model: 'openai/gpt-4o',
            api_base: `${upstream.url}/v1`,
            mock_response: 'fixed words',
          },
        },
      ],
      general_settings: { master_key: MASTER_KEY },
    });
    try {
      const c = new OpenAI({ baseURL: `${mocked.url}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
      const response = await c.chat.completions.create({
        model: 'canned',
        messages: [{ role: 'user', content: 'x' }],
      });
      assert.equal(response.choices[0]?.message.content, 'fixed words');
      assert.equal(upstream.requests.length, 0);
    } finally {
      await mocked.close();
      await upstream.close();
    }
  });
});
