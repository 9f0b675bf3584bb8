/**
 * End to end with the official SDKs: the `@anthropic-ai/sdk` on `/v1/messages` routed natively to
 * the Anthropic simulator and translated to an OpenAI-format upstream, and the `openai` SDK on
 * `/v1/chat/completions` routed to the Anthropic simulator.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { startAnthropicSimulator } from './simulators/anthropic-simulator.js';
import { simulatedAnswer, startOpenAiSimulator } from './simulators/openai-simulator.js';
import type { Simulator } from './simulators/simulator-server.js';

const WEATHER_TOOL = {
  name: 'get_weather',
  description: 'Weather for a city',
  input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } },
};

describe('official SDKs through the gateway to Anthropic', () => {
  let anthropicUpstream: Simulator;
  let openAiUpstream: Simulator;
  let gateway: TestGateway;
  let anthropic: Anthropic;
  let openai: OpenAI;

  before(async () => {
    anthropicUpstream = await startAnthropicSimulator({ apiKey: 'sk-ant-upstream' });
    openAiUpstream = await startOpenAiSimulator({ apiKey: 'sk-upstream' });
    gateway = await startGateway({
      model_list: [
        {
          model_name: 'claude-native',
          litellm_params: {
            model: 'anthropic/claude-sim-1',
            api_base: anthropicUpstream.url,
            api_key: 'sk-ant-upstream',
          },
        },
        {
          model_name: 'claude-via-openai',
          litellm_params: {
            model: 'openai/gpt-4o-mini',
            api_base: `${openAiUpstream.url}/v1`,
            api_key: 'sk-upstream',
          },
        },
      ],
      general_settings: { master_key: MASTER_KEY },
    });
    anthropic = new Anthropic({ baseURL: gateway.url, apiKey: MASTER_KEY, maxRetries: 0 });
    openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
  });
  after(async () => {
    await gateway.close();
    await anthropicUpstream.close();
    await openAiUpstream.close();
  });

  it('openai SDK: chat completion on an anthropic deployment', async () => {
    anthropicUpstream.reset();
    const response = await openai.chat.completions.create({
      model: 'claude-native',
      messages: [
        { role: 'system', content: 'Be kind.' },
        { role: 'user', content: 'hello claude' },
      ],
    });
    assert.equal(response.choices[0]?.message.content, simulatedAnswer('hello claude'));
    assert.equal(response.choices[0]?.finish_reason, 'stop');
    assert.equal(response.usage?.prompt_tokens, 4);
    const sent = anthropicUpstream.requests[0];
    assert.equal(sent?.path, '/v1/messages');
    assert.equal(sent?.headers['x-api-key'], 'sk-ant-upstream');
    assert.equal((sent?.body as { system?: unknown }).system, 'Be kind.');
  });

  it('openai SDK: streamed tool call on an anthropic deployment', async () => {
    const stream = await openai.chat.completions.create({
      model: 'claude-native',
      messages: [{ role: 'user', content: 'please use a tool' }],
      tools: [
        {
          type: 'function',
          function: { name: 'get_weather', parameters: WEATHER_TOOL.input_schema },
        },
      ],
      stream: true,
      stream_options: { include_usage: true },
    });
    let args = '';
    let name = '';
    let finish: string | null = null;
    let completionTokens = 0;
    for await (const chunk of stream) {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? []) {
        name += call.function?.name ?? '';
        args += call.function?.arguments ?? '';
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
      completionTokens = chunk.usage?.completion_tokens ?? completionTokens;
    }
    assert.equal(name, 'get_weather');
    assert.deepEqual(JSON.parse(args), { city: 'Paris' });
    assert.equal(finish, 'tool_calls');
    assert.ok(completionTokens > 0);
  });

  it('openai SDK: an upstream 529 overloaded surfaces as a server error', async () => {
    anthropicUpstream.failAlways({ kind: 'status', status: 529 });
    try {
      await assert.rejects(
        openai.chat.completions.create({
          model: 'claude-native',
          messages: [{ role: 'user', content: 'hi' }],
        }),
        (e: unknown) => e instanceof OpenAI.APIError && (e.status ?? 0) >= 500,
      );
    } finally {
      anthropicUpstream.reset();
    }
  });

  for (const model of ['claude-native', 'claude-via-openai']) {
    it(`anthropic SDK: messages.create on ${model}`, async () => {
      const message = await anthropic.messages.create({
        model,
        max_tokens: 256,
        system: 'Be kind.',
        messages: [{ role: 'user', content: 'hello gateway' }],
      });
      assert.equal(message.type, 'message');
      assert.equal(message.role, 'assistant');
      assert.match(message.id, /^msg_/);
      const [block] = message.content;
      assert.equal(block?.type === 'text' && block.text, simulatedAnswer('hello gateway'));
      assert.equal(message.stop_reason, 'end_turn');
      assert.ok(message.usage.input_tokens > 0);
      assert.ok(message.usage.output_tokens > 0);
    });

    it(`anthropic SDK: messages.stream and finalMessage on ${model}`, async () => {
      const stream = anthropic.messages.stream({
        model,
        max_tokens: 256,
        messages: [{ role: 'user', content: 'stream please' }],
      });
      let text = '';
      stream.on('text', (delta) => {
        text += delta;
      });
      const message = await stream.finalMessage();
      assert.equal(text, simulatedAnswer('stream please'));
      const [block] = message.content;
      assert.equal(block?.type === 'text' && block.text, text);
      assert.equal(message.stop_reason, 'end_turn');
      assert.ok(message.usage.input_tokens > 0);
      assert.ok(message.usage.output_tokens > 0);
    });

    it(`anthropic SDK: streamed tool use on ${model}`, async () => {
      const message = await anthropic.messages
        .stream({
          model,
          max_tokens: 256,
          tools: [WEATHER_TOOL],
          messages: [{ role: 'user', content: 'please use a tool' }],
        })
        .finalMessage();
      const toolUse = message.content.find((b) => b.type === 'tool_use');
      assert.equal(toolUse?.type === 'tool_use' && toolUse.name, 'get_weather');
      assert.deepEqual(toolUse?.type === 'tool_use' && toolUse.input, { city: 'Paris' });
      assert.equal(message.stop_reason, 'tool_use');
    });
  }

  it('anthropic SDK: native pass-through keeps cache usage', async () => {
    const create = () =>
      anthropic.messages.create({
        model: 'claude-native',
        max_tokens: 64,
        system: [
          { type: 'text', text: 'a long shared prefix', cache_control: { type: 'ephemeral' } },
        ],
        messages: [{ role: 'user', content: 'hi' }],
      });
    await create();
    const second = await create();
    assert.equal(second.usage.cache_read_input_tokens, 4);
    const sent = anthropicUpstream.requests.at(-1)?.body as { model?: string };
    assert.equal(sent.model, 'claude-sim-1');
  });

  it('anthropic SDK: upstream errors keep their Anthropic class', async () => {
    anthropicUpstream.failAlways({ kind: 'status', status: 429 });
    try {
      await assert.rejects(
        anthropic.messages.create({
          model: 'claude-native',
          max_tokens: 16,
          messages: [{ role: 'user', content: 'hi' }],
        }),
        (e: unknown) => e instanceof Anthropic.RateLimitError,
      );
    } finally {
      anthropicUpstream.reset();
    }
  });

  it('answers /v1/messages errors in the Anthropic shape, keeping the LiteLLM code', async () => {
    const response = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': MASTER_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'nope',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    assert.equal(response.status, 400);
    const body = (await response.json()) as {
      type: string;
      error: { type: string; message: string; code: string };
    };
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'invalid_request_error');
    assert.equal(body.error.code, '400');
    assert.match(body.error.message, /Invalid model name passed in model=nope/);
  });
});
