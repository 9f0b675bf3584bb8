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
