/**
 * End to end with the official `openai` SDK: a real gateway, configured the LiteLLM way, in front
 * of the Azure and Ollama simulators. Chat, streaming (with and without usage) and embeddings.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { startAzureSimulator } from './simulators/azure-simulator.js';
import { startOllamaSimulator } from './simulators/ollama-simulator.js';
import { simulatedAnswer } from './simulators/openai-simulator.js';
import type { Simulator } from './simulators/simulator-server.js';

describe('OpenAI SDK through the gateway to Azure and Ollama', () => {
  let azure: Simulator;
  let ollama: Simulator;
  let gateway: TestGateway;
  let client: OpenAI;

  before(async () => {
    azure = await startAzureSimulator({
      apiKey: 'az-key',
      deployments: ['gpt4o-prod', 'embed-prod'],
    });
    ollama = await startOllamaSimulator({ models: ['llama3', 'nomic-embed-text'] });
    const azureParams = { api_base: azure.url, api_key: 'az-key', api_version: '2024-10-21' };
    gateway = await startGateway({
      model_list: [
        { model_name: 'azure-gpt', litellm_params: { model: 'azure/gpt4o-prod', ...azureParams } },
        {
          model_name: 'azure-embed',
          litellm_params: { model: 'azure/embed-prod', ...azureParams },
          model_info: { mode: 'embedding' },
        },
        {
          model_name: 'llama-chat',
          litellm_params: { model: 'ollama_chat/llama3', api_base: ollama.url },
        },
        {
          model_name: 'llama-generate',
          litellm_params: { model: 'ollama/llama3', api_base: ollama.url },
        },
        {
          model_name: 'llama-embed',
          litellm_params: { model: 'ollama/nomic-embed-text', api_base: ollama.url },
          model_info: { mode: 'embedding' },
        },
      ],
      general_settings: { master_key: MASTER_KEY },
    });
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
  });
  after(async () => {
    await gateway.close();
    await azure.close();
    await ollama.close();
  });

  for (const model of ['azure-gpt', 'llama-chat', 'llama-generate']) {
    it(`${model}: chat completion with usage`, async () => {
      const response = await client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'hello gateway' }],
      });
      const content = response.choices[0]?.message.content ?? '';
      assert.ok(content.startsWith('Hello from the simulator!'), content);
      assert.equal(response.choices[0]?.finish_reason, 'stop');
      assert.ok((response.usage?.prompt_tokens ?? 0) > 0);
      assert.ok((response.usage?.completion_tokens ?? 0) > 0);
    });

    it(`${model}: streaming, with the usage chunk only when asked for`, async () => {
      const plain = await client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'stream please' }],
        stream: true,
      });
      let text = '';
      let sawUsage = false;
      for await (const chunk of plain) {
        text += chunk.choices[0]?.delta?.content ?? '';
        if (chunk.usage) sawUsage = true;
      }
      assert.ok(text.startsWith('Hello from the simulator!'), text);
      assert.equal(sawUsage, false);

      const counted = await client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'count me' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let usage: OpenAI.CompletionUsage | null | undefined;
      for await (const chunk of counted) if (chunk.usage) usage = chunk.usage;
      assert.ok((usage?.total_tokens ?? 0) > 0);
    });
  }

  it('azure: the SDK reads a tool call assembled from the stream', async () => {
    const stream = client.chat.completions.stream({
      model: 'azure-gpt',
      messages: [{ role: 'user', content: 'use a tool' }],
      tools: [
        { type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } },
      ],
    });
    const final = await stream.finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    assert.equal(
      call?.type === 'function' ? call.function.arguments : undefined,
      '{"city":"Paris"}',
    );
  });

  it('ollama_chat: tool calls reach the SDK with ids and string arguments', async () => {
    const response = await client.chat.completions.create({
      model: 'llama-chat',
      messages: [{ role: 'user', content: 'use a tool' }],
      tools: [
        { type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } },
      ],
    });
    const call = response.choices[0]?.message.tool_calls?.[0];
    assert.equal(response.choices[0]?.finish_reason, 'tool_calls');
    assert.match(call?.id ?? '', /^call_/);
    assert.equal(
      call?.type === 'function' ? call.function.arguments : undefined,
      '{"city":"Paris"}',
    );
  });

  for (const model of ['azure-embed', 'llama-embed']) {
    it(`${model}: embeddings as floats`, async () => {
      const response = await client.embeddings.create({
        model,
        input: ['a', 'b c'],
        encoding_format: 'float',
      });
      assert.equal(response.data.length, 2);
      assert.ok(Array.isArray(response.data[0]?.embedding));
      assert.ok((response.usage.prompt_tokens ?? 0) > 0);
    });

    // The SDK asks for base64 by default. Azure answers in kind; Ollama only returns floats and the
    // proxy encodes them.
    it(`${model}: embeddings with the SDK's default base64 encoding`, async () => {
      const response = await client.embeddings.create({ model, input: 'hello' });
      const vector = response.data[0]?.embedding ?? [];
      assert.equal(vector.length, 3);
      assert.ok(vector.every((x) => Number.isFinite(x)));
    });
  }

  it('upstream errors keep their meaning: an unpulled Ollama model is a 404', async () => {
    ollama.fail({
      kind: 'status',
      status: 404,
      message: 'model "llama3" not found, try pulling it first',
    });
    await assert.rejects(
      client.chat.completions.create({
        model: 'llama-chat',
        messages: [{ role: 'user', content: 'hi' }],
      }),
      (error: unknown) => error instanceof OpenAI.APIError && error.status === 404,
    );
  });

  it('an Azure content-filter refusal is a 400 content policy error', async () => {
    await assert.rejects(
      client.chat.completions.create({
        model: 'azure-gpt',
        messages: [{ role: 'user', content: 'trigger content filter' }],
      }),
      (error: unknown) => error instanceof OpenAI.APIError && error.status === 400,
    );
  });

  it('sends the answer the simulator gave, unchanged', async () => {
    const response = await client.chat.completions.create({
      model: 'azure-gpt',
      messages: [{ role: 'user', content: 'exact' }],
    });
    assert.equal(response.choices[0]?.message.content, simulatedAnswer('exact'));
  });
});
