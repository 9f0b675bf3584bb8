/**
 * The OpenAI-compatible vendors: each works through createOpenAiAdapter(name) against the OpenAI
 * simulator, and each default api_base is the one LiteLLM uses.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createOpenAiAdapter } from '../src/providers/openai/openai-adapter.js';
import { OPENAI_FAMILY } from '../src/providers/openai/openai-family.js';
import { ProviderError } from '../src/providers/types.js';
import { adapterClient } from './helpers/call-adapter.js';
import { testContext, testDeployment } from './helpers/test-deployment.js';
import { simulatedAnswer, startOpenAiSimulator } from './simulators/openai-simulator.js';
import type { Simulator } from './simulators/simulator-server.js';

/**
 * LiteLLM's defaults, read from its sources: `_get_openai_compatible_provider_info` in
 * litellm_core_utils/get_llm_provider_logic.py and the per-provider `*Config` classes.
 * `undefined`: LiteLLM has no default and needs api_base (or the provider's *_API_BASE variable).
 */
const LITELLM_DEFAULT_API_BASES: Record<string, string | undefined> = {
  hosted_vllm: undefined,
  openrouter: 'https://openrouter.ai/api/v1',
  groq: 'https://api.groq.com/openai/v1',
  together_ai: 'https://api.together.xyz/v1',
  deepseek: 'https://api.deepseek.com/beta',
  mistral: 'https://api.mistral.ai/v1',
  fireworks_ai: 'https://api.fireworks.ai/inference/v1',
  xai: 'https://api.x.ai/v1',
  perplexity: 'https://api.perplexity.ai',
  lm_studio: undefined,
  azure_ai: undefined,
  github: 'https://models.inference.ai.azure.com',
  litellm_proxy: undefined,
  custom_openai: undefined,
  openai_like: undefined,
  codestral: 'https://codestral.mistral.ai/v1',
  friendliai: 'https://api.friendli.ai/serverless/v1',
  meta_llama: 'https://api.llama.com/compat/v1',
  volcengine: 'https://ark.cn-beijing.volces.com/api/v3',
  ai21_chat: 'https://api.ai21.com/studio/v1',
  anyscale: 'https://api.endpoints.anyscale.com/v1',
  deepinfra: 'https://api.deepinfra.com/v1/openai',
  moonshot: 'https://api.moonshot.ai/v1',
  dashscope: 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1',
  llamafile: 'http://127.0.0.1:8080/v1',
};

/**
 * Where Tollgate knowingly differs. LiteLLM sends lm_studio without api_base to the OpenAI
 * client's default (api.openai.com), which can never work; Tollgate uses LM Studio's own local
 * server address instead. No config that works on LiteLLM is affected.
 */
const DELIBERATE_DIFFERENCES: Record<string, string> = {
  lm_studio: 'http://localhost:1234/v1',
};

const FAMILY = Object.keys(LITELLM_DEFAULT_API_BASES);

describe('OpenAI-compatible family', () => {
  let sim: Simulator;

  before(async () => {
    sim = await startOpenAiSimulator({ apiKey: 'sk-family' });
  });
  after(() => sim.close());

  for (const provider of FAMILY) {
    it(`${provider}: chat, stream and embeddings through the simulator`, async () => {
      sim.reset();
      const adapter = createOpenAiAdapter(provider);
      const client = adapterClient(adapter);
      const d = testDeployment(provider, 'some-model', {
        apiBase: `${sim.url}/v1`,
        apiKey: 'sk-family',
      });
      const chat = { model: 'x', messages: [{ role: 'user', content: `hi ${provider}` }] };

      const completion = await client.call(adapter.chat, chat, testContext(d));
      assert.equal(completion.choices[0]?.message.content, simulatedAnswer(`hi ${provider}`));
      assert.equal(sim.requests[0]?.path, '/v1/chat/completions');
      assert.equal(sim.requests[0]?.headers.authorization, 'Bearer sk-family');
      assert.equal((sim.requests[0]?.body as { model?: string }).model, 'some-model');

      const chunks = await client.stream(adapter.chat, chat, testContext(d));
      const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
      assert.equal(text, simulatedAnswer(`hi ${provider}`));
      assert.ok(
        (chunks.at(-1)?.usage?.total_tokens ?? 0) > 0,
        'usage chunk requested and received',
      );

      const list = await client.call(
        adapter.embedding!,
        { model: 'x', input: 'hello' },
        testContext(d),
      );
      assert.equal(list.data.length, 1);
    });

    it(`${provider}: default api_base is LiteLLM's`, async () => {
      const expected = DELIBERATE_DIFFERENCES[provider] ?? LITELLM_DEFAULT_API_BASES[provider];
      assert.equal(OPENAI_FAMILY[provider]?.defaultApiBase, expected);
      const adapter = createOpenAiAdapter(provider);
      const d = testDeployment(provider, 'some-model');
      const chat = { model: 'x', messages: [{ role: 'user', content: 'hi' }] };
      if (expected === undefined) {
        await assert.rejects(
          async () => adapter.chat.buildRequest(chat, testContext(d)),
          (error: unknown) => error instanceof ProviderError && error.message.includes('api_base'),
        );
      } else {
        const upstream = await adapter.chat.buildRequest(chat, testContext(d));
        assert.equal(upstream.url, `${expected}/chat/completions`);
      }
    });
  }
});

describe('vendors that refuse content lists', () => {
  for (const provider of ['moonshot', 'dashscope']) {
    it(`${provider}: text-only content goes as one string, with an image as it is`, async () => {
      const adapter = createOpenAiAdapter(provider);
      const upstream = await adapter.chat.buildRequest(
        {
          model: 'x',
          messages: [
            {
              role: 'user',
              content: [
                { type: 'text', text: 'a' },
                { type: 'text', text: 'b' },
              ],
            },
            {
              role: 'user',
              content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }],
            },
          ],
        },
        testContext(testDeployment(provider, 'kimi', { apiKey: 'k' })),
      );
      const body = JSON.parse(upstream.body as string);
      assert.equal(body.messages[0].content, 'ab');
      assert.equal(body.messages[1].content[0].type, 'image_url');
    });
  }
});

describe('azure_ai (Azure AI Foundry)', () => {
  const adapter = createOpenAiAdapter('azure_ai');
  const chat = {
    model: 'x',
    messages: [
      { role: 'system', content: [{ type: 'text', text: 'Be brief.' }] },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is ' },
          { type: 'text', text: 'this?' },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'and this picture' },
          { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
        ],
      },
    ],
  };
  const build = async (apiBase: string, apiVersion?: string) =>
    adapter.chat.buildRequest(
      chat,
      testContext(
        testDeployment('azure_ai', 'Mistral-Large-2411', { apiBase, apiKey: 'k1', apiVersion }),
      ),
    );

  it('sends a Foundry resource the key in api-key, under /models, with its api-version', async () => {
    const upstream = await build('https://my-res.services.ai.azure.com', '2024-05-01-preview');
    assert.equal(
      upstream.url,
      'https://my-res.services.ai.azure.com/models/chat/completions?api-version=2024-05-01-preview',
    );
    assert.equal(upstream.headers['api-key'], 'k1');
    assert.equal(upstream.headers.authorization, undefined);
  });

  it('keeps an api_base that already names the path and the api-version', async () => {
    const full =
      'https://my-res.services.ai.azure.com/models/chat/completions?api-version=2024-05-01-preview';
    assert.equal((await build(full, '2025-01-01')).url, full);
    assert.equal(
      (await build('https://my-res.services.ai.azure.com/models/')).url,
      'https://my-res.services.ai.azure.com/models/chat/completions',
    );
  });

  it('sends a serverless endpoint a bearer token at its root', async () => {
    const upstream = await build('https://Mistral-serverless.eastus2.models.ai.azure.com');
    assert.equal(
      upstream.url,
      'https://mistral-serverless.eastus2.models.ai.azure.com/chat/completions',
    );
    assert.equal(upstream.headers.authorization, 'Bearer k1');
    assert.equal(upstream.headers['api-key'], undefined);
  });

  it('joins text parts into one string and leaves content with an image as it is', async () => {
    const body = JSON.parse((await build('https://my-res.services.ai.azure.com')).body as string);
    assert.equal(body.model, 'Mistral-Large-2411');
    assert.equal(body.messages[0].content, 'Be brief.');
    assert.equal(body.messages[1].content, 'What is this?');
    assert.deepEqual(body.messages[2].content, chat.messages[2]!.content);
  });

  it('refuses an api_base that is not a URL, naming the provider', async () => {
    await assert.rejects(
      build('my-res.services.ai.azure.com'),
      (error: unknown) =>
        error instanceof ProviderError && /Azure_ai api_base is not a URL/.test(error.message),
    );
  });
});
