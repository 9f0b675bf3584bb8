import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Deployment } from '../contracts/deployment.js';
import { buildDeployment } from './build-deployment.js';
import type { ModelEntry } from './schema.js';

function entry(params: Record<string, unknown>, extra: Partial<ModelEntry> = {}): ModelEntry {
  return {
    model_name: 'group',
    litellm_params: params as ModelEntry['litellm_params'],
    ...extra,
  };
}

function build(e: ModelEntry, env: Record<string, string | undefined> = {}): Deployment {
  const result = buildDeployment(e, 0, env);
  if (!result.ok) assert.fail(result.skip ? result.warning : result.error);
  return result.deployment;
}

describe('provider and model', () => {
  test('the prefix is the provider; the rest, slashes included, is the model', () => {
    const d = build(entry({ model: 'openrouter/meta-llama/llama-3-70b' }));
    assert.equal(d.provider, 'openrouter');
    assert.equal(d.model, 'meta-llama/llama-3-70b');
  });

  test('custom_llm_provider names the provider of an unprefixed model', () => {
    const d = build(entry({ model: 'my-model', custom_llm_provider: 'hosted_vllm' }));
    assert.equal(d.provider, 'hosted_vllm');
    assert.equal(d.model, 'my-model');
  });

  test("LiteLLM's bedrock_converse and cohere_chat are Bedrock (Converse) and Cohere", () => {
    const bedrock = build(entry({ model: 'bedrock_converse/anthropic.claude-3-haiku' }), {
      AWS_REGION: 'eu-west-1',
    });
    assert.equal(bedrock.provider, 'bedrock');
    assert.equal(bedrock.model, 'anthropic.claude-3-haiku');
    assert.equal(bedrock.connection.aws_region_name, 'eu-west-1');
    assert.equal(build(entry({ model: 'cohere_chat/command-r' })).provider, 'cohere');
  });

  test('azure_ai and the other OpenAI-compatible prefixes read their LiteLLM variables', () => {
    const d = build(entry({ model: 'azure_ai/Mistral-Large-2411' }), {
      AZURE_AI_API_KEY: 'k-foundry',
      AZURE_AI_API_BASE: 'https://my-res.services.ai.azure.com',
    });
    assert.equal(d.provider, 'azure_ai');
    assert.equal(d.apiKey, 'k-foundry');
    assert.equal(d.apiBase, 'https://my-res.services.ai.azure.com');
    const proxy = build(entry({ model: 'litellm_proxy/gpt-4o' }), {
      LITELLM_PROXY_API_KEY: 'sk-up',
      LITELLM_PROXY_API_BASE: 'http://litellm:4000',
    });
    assert.equal(proxy.apiBase, 'http://litellm:4000');
    assert.equal(proxy.apiKey, 'sk-up');
    assert.equal(build(entry({ model: 'github/gpt-4o' }), { GITHUB_API_KEY: 'gh' }).apiKey, 'gh');
  });

  test('bare OpenAI, legacy completion and Anthropic names are inferred', () => {
    assert.equal(build(entry({ model: 'gpt-4o-mini' })).provider, 'openai');
    assert.equal(build(entry({ model: 'o3-mini' })).provider, 'openai');
    assert.equal(build(entry({ model: 'davinci-002' })).provider, 'text-completion-openai');
    assert.equal(build(entry({ model: 'claude-3-haiku-20240307' })).provider, 'anthropic');
  });

  test('a LiteLLM-only provider is a skip with a warning naming the model group', () => {
    const result = buildDeployment(entry({ model: 'huggingface/meta-llama/Llama-3-8B' }), 4, {});
    assert.deepEqual(result, {
      ok: false,
      skip: true,
      warning:
        'model_list[4].litellm_params.model: provider "huggingface" is not supported by Tollgate yet; model "group" is skipped',
    });
  });

  test('an unknown provider is an error with a hint', () => {
    const result = buildDeployment(entry({ model: 'grok/x' }), 1, {});
    assert.deepEqual(result, {
      ok: false,
      skip: false,
      error: 'model_list[1].litellm_params.model: unknown provider "grok" (did you mean "groq"?)',
    });
  });
});

describe('credentials', () => {
  test('without api_key / api_base the provider’s LiteLLM variables are used', () => {
    const env = { OPENAI_API_KEY: 'sk-env', OPENAI_API_BASE: 'https://env.example/v1' };
    const d = build(entry({ model: 'openai/gpt-4o' }), env);
    assert.equal(d.apiKey, 'sk-env');
    assert.equal(d.apiBase, 'https://env.example/v1');
  });

  test('the config’s own values win over the variables', () => {
    const env = { OPENAI_API_KEY: 'sk-env', OPENAI_API_BASE: 'https://env.example/v1' };
    const d = build(
      entry({ model: 'openai/gpt-4o', api_key: 'sk-cfg', api_base: 'https://cfg.example' }),
      env,
    );
    assert.equal(d.apiKey, 'sk-cfg');
    assert.equal(d.apiBase, 'https://cfg.example');
  });

  test('base_url is an alias of api_base', () => {
    assert.equal(
      build(entry({ model: 'openai/gpt-4o', base_url: 'https://b.example' })).apiBase,
      'https://b.example',
    );
  });

  test('azure reads AZURE_API_VERSION; other providers do not', () => {
    const env = { AZURE_API_VERSION: '2024-06-01', AZURE_API_KEY: 'az' };
    assert.equal(build(entry({ model: 'azure/dep' }), env).apiVersion, '2024-06-01');
    assert.equal(build(entry({ model: 'azure/dep' }), env).apiKey, 'az');
    assert.equal(build(entry({ model: 'openai/gpt-4o' }), env).apiVersion, undefined);
  });

  test('bedrock takes AWS credentials and region from the environment', () => {
    const d = build(entry({ model: 'bedrock/anthropic.claude-3-haiku' }), {
      AWS_ACCESS_KEY_ID: 'AKIA',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_REGION: 'eu-west-1',
    });
    assert.deepEqual(d.connection, {
      aws_access_key_id: 'AKIA',
      aws_secret_access_key: 'secret',
      aws_region_name: 'eu-west-1',
    });
  });
});

describe('params', () => {
  test('connection settings, request defaults and LiteLLM-internal keys are kept apart', () => {
    const d = build(
      entry({
        model: 'openai/gpt-4o',
        api_key: 'k',
        rpm: 5,
        tags: ['x'],
        mock_latency_ms: 10,
        temperature: 0.1,
        max_tokens: 64,
      }),
    );
    assert.deepEqual(d.connection, { mock_latency_ms: 10 });
    assert.deepEqual(d.defaults, { temperature: 0.1, max_tokens: 64 });
  });

  test('headers and extra_headers merge, extra_headers winning', () => {
    const d = build(
      entry({
        model: 'openai/gpt-4o',
        headers: { A: '1', B: '1' },
        extra_headers: { B: '2' },
      }),
    );
    assert.deepEqual(d.headers, { A: '1', B: '2' });
  });

  test('prices, prompt-cache prices included, are carried and never sent upstream', () => {
    const d = build(
      entry({
        model: 'anthropic/claude-sonnet-4-5',
        input_cost_per_token: 0.000003,
        output_cost_per_token: 0.000015,
        cache_read_input_token_cost: 0.0000003,
        cache_creation_input_token_cost: 0.00000375,
        input_cost_per_second: 0.01,
      }),
    );
    assert.deepEqual(d.defaults, {});
    assert.equal(d.inputCostPerToken, 0.000003);
    assert.equal(d.outputCostPerToken, 0.000015);
    assert.equal(d.cacheReadInputTokenCost, 0.0000003);
    assert.equal(d.cacheCreationInputTokenCost, 0.00000375);
    assert.equal(d.inputCostPerSecond, 0.01);
  });

  test('weight and unset limits stay undefined', () => {
    const d = build(entry({ model: 'openai/gpt-4o' }));
    assert.equal(d.weight, undefined);
    assert.equal(d.rpm, undefined);
    assert.equal(d.timeoutMs, undefined);
    assert.equal(d.maxRetries, undefined);
  });
});

describe('ids', () => {
  test('a numeric model_info.id becomes a string', () => {
    const d = build(entry({ model: 'openai/gpt-4o' }, { model_info: { id: 42 } }));
    assert.equal(d.id, '42');
    assert.equal(d.modelInfo.id, '42');
  });

  test('without an id, the id is a stable hash of the entry', () => {
    const a = build(entry({ model: 'openai/gpt-4o', api_key: 'k1' }));
    const again = build(entry({ model: 'openai/gpt-4o', api_key: 'k1' }));
    const other = build(entry({ model: 'openai/gpt-4o', api_key: 'k2' }));
    assert.match(a.id, /^[0-9a-f]{32}$/);
    assert.equal(a.id, again.id);
    assert.notEqual(a.id, other.id);
    assert.equal(a.modelInfo.id, a.id);
  });
});
