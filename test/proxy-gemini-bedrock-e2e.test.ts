/**
 * End to end with the official `openai` SDK: a real gateway in front of the Gemini and Bedrock
 * simulators, configured exactly as a LiteLLM config.yaml would be.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { startBedrockSimulator, type BedrockSimulator } from './simulators/bedrock-simulator.js';
import { startGeminiSimulator } from './simulators/gemini-simulator.js';
import { simulatedAnswer } from './simulators/openai-simulator.js';
import type { Simulator } from './simulators/simulator-server.js';

const AWS = { accessKeyId: 'AKIDE2E', secretAccessKey: 'e2e/secret', region: 'us-east-1' };
const WEATHER_TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } } },
  },
};

describe('Gemini and Bedrock through the gateway with the OpenAI SDK', () => {
  let gemini: Simulator;
  let bedrock: BedrockSimulator;
  let gateway: TestGateway;
  let client: OpenAI;

  before(async () => {
    gemini = await startGeminiSimulator({ apiKey: 'AIza-e2e' });
    bedrock = await startBedrockSimulator(AWS);
    const aws = {
      aws_access_key_id: AWS.accessKeyId,
      aws_secret_access_key: AWS.secretAccessKey,
      aws_region_name: AWS.region,
      api_base: bedrock.url,
    };
    gateway = await startGateway({
      model_list: [
        {
          model_name: 'gemini-flash',
          litellm_params: {
            model: 'gemini/gemini-2.0-flash',
            api_key: 'AIza-e2e',
            api_base: gemini.url,
          },
        },
        {
          model_name: 'claude',
          litellm_params: { model: 'bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0', ...aws },
        },
        {
          model_name: 'claude-bad-key',
          litellm_params: {
            model: 'bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0',
            ...aws,
            aws_secret_access_key: 'not-the-secret',
          },
        },
        {
          model_name: 'titan-embed',
          litellm_params: { model: 'bedrock/amazon.titan-embed-text-v2:0', ...aws },
          model_info: { mode: 'embedding' },
        },
        {
          model_name: 'gemini-embed',
          litellm_params: {
            model: 'gemini/text-embedding-004',
            api_key: 'AIza-e2e',
            api_base: gemini.url,
          },
          model_info: { mode: 'embedding' },
        },
      ],
      general_settings: { master_key: MASTER_KEY },
      router_settings: { num_retries: 0 },
    });
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
  });
  after(async () => {
    await gateway.close();
    await gemini.close();
    await bedrock.close();
  });

  for (const model of ['gemini-flash', 'claude']) {
    it(`${model}: answers a chat completion with content and usage`, async () => {
      const response = await client.chat.completions.create({
        model,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'hello gateway' },
        ],
      });
      assert.equal(response.choices[0]?.message.content, simulatedAnswer('hello gateway'));
      assert.equal(response.choices[0]?.finish_reason, 'stop');
      assert.equal(response.usage?.completion_tokens, 8);
      assert.ok((response.usage?.prompt_tokens ?? 0) > 0);
    });

    it(`${model}: streams text and a usage chunk`, async () => {
      const stream = await client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'stream please' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      let finish: string | null | undefined;
      let completionTokens: number | undefined;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
        if (chunk.usage) completionTokens = chunk.usage.completion_tokens;
      }
      assert.equal(text, simulatedAnswer('stream please'));
      assert.equal(finish, 'stop');
      assert.equal(completionTokens, 8);
    });

    it(`${model}: calls a tool`, async () => {
      const response = await client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'please use a tool' }],
        tools: [WEATHER_TOOL],
      });
      const call = response.choices[0]?.message.tool_calls?.[0];
      assert.equal(response.choices[0]?.finish_reason, 'tool_calls');
      assert.ok(call?.type === 'function');
      assert.equal(call.function.name, 'get_weather');
      assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });
    });
  }

  for (const model of ['gemini-embed', 'titan-embed']) {
    it(`${model}: embeds text`, async () => {
      const result = await client.embeddings.create({
        model,
        input: 'hello world',
        encoding_format: 'float',
      });
      assert.deepEqual(result.data[0]?.embedding, [0.1, 0.2, -0.3, 0.11]);
    });
  }

  it('embeds with the SDK default encoding (base64)', async () => {
    const result = await client.embeddings.create({ model: 'titan-embed', input: 'hello world' });
    const vector = result.data[0]?.embedding ?? [];
    assert.deepEqual(
      vector.map((v) => Math.round(v * 100) / 100),
      [0.1, 0.2, -0.3, 0.11],
    );
  });

  it('passes a Bedrock signature rejection to the client as an auth error', async () => {
    await assert.rejects(
      client.chat.completions.create({
        model: 'claude-bad-key',
        messages: [{ role: 'user', content: 'hi' }],
      }),
      (e: unknown) => {
        assert.ok(e instanceof OpenAI.APIError);
        assert.match(
          e.message,
          /BedrockException - The request signature we calculated does not match/,
        );
        return true;
      },
    );
  });

  it('passes a Gemini rate limit to the client as a 429', async () => {
    gemini.fail({ kind: 'status', status: 429 });
    await assert.rejects(
      client.chat.completions.create({
        model: 'gemini-flash',
        messages: [{ role: 'user', content: 'hi' }],
      }),
      (e: unknown) => e instanceof OpenAI.RateLimitError,
    );
  });
});
