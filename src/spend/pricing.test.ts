import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { calcPrice, type ModelInfo } from '@pydantic/genai-prices';
import { testDeployment } from '../../test/helpers/test-deployment.js';
import type { Usage } from '../contracts/openai.js';
import { createLogger } from '../logger.js';
import { toOpenAiUsage as anthropicUsage } from '../providers/anthropic/anthropic-response.js';
import { toOpenAiUsage as bedrockUsage } from '../providers/bedrock/bedrock-response.js';
import { nextPriceChange } from './price-table.js';
import { createPricing, ratesAt, type PriceBook } from './pricing.js';

const NOW = Date.parse('2026-01-15T12:00:00Z');

function pricing(now: () => number = () => NOW): { book: PriceBook; warnings: string[] } {
  const warnings: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) {
        if (line) warnings.push(line);
      }
      done();
    },
  });
  return { book: createPricing({ logger: createLogger('warn', sink), now }), warnings };
}

/** The price table's own answer, the independent reference for table-priced calls. */
function tableCost(
  providerId: string,
  model: string,
  usage: Record<string, number>,
  at = NOW,
): number {
  const result = calcPrice(usage, model, { providerId, timestamp: new Date(at) });
  assert.ok(result, `the table knows ${providerId}/${model}`);
  return result.total_price;
}

function usage(prompt: number, completion: number, extra: Partial<Usage> = {}): Usage {
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    ...extra,
  };
}

function near(actual: number, expected: number): void {
  assert.ok(
    Math.abs(actual - expected) <= 1e-12 * Math.max(1, expected),
    `${actual} ≈ ${expected}`,
  );
}

describe('costs from the price table', () => {
  test('OpenAI: cached prompt tokens at the cache-read price, the rest at the input price', () => {
    const { book } = pricing();
    const d = testDeployment('openai', 'gpt-4o');
    const cost = book.costOf(
      d,
      usage(1000, 200, { prompt_tokens_details: { cached_tokens: 600 } }),
      0,
    );
    near(
      cost,
      tableCost('openai', 'gpt-4o', {
        input_tokens: 1000,
        cache_read_tokens: 600,
        output_tokens: 200,
      }),
    );
    const prices = book.pricesFor(d);
    assert.equal(prices.known, true);
    assert.ok(prices.cacheReadPerToken < prices.inputPerToken);
  });

  test('reasoning tokens are inside completion_tokens and priced as output', () => {
    const { book } = pricing();
    const d = testDeployment('openai', 'o3-mini');
    const u = usage(100, 900, { completion_tokens_details: { reasoning_tokens: 700 } });
    near(
      book.costOf(d, u, 0),
      tableCost('openai', 'o3-mini', { input_tokens: 100, output_tokens: 900 }),
    );
  });

  test('Anthropic: cache reads and cache writes, as the adapter reports them, each priced once', () => {
    const { book } = pricing();
    const d = testDeployment('anthropic', 'claude-3-5-sonnet-20240620');
    const u = anthropicUsage({
      input_tokens: 50,
      cache_read_input_tokens: 2000,
      cache_creation_input_tokens: 1000,
      output_tokens: 300,
    });
    near(
      book.costOf(d, u, 0),
      tableCost('anthropic', 'claude-3-5-sonnet-20240620', {
        input_tokens: 3050,
        cache_read_tokens: 2000,
        cache_write_tokens: 1000,
        output_tokens: 300,
      }),
    );
    const prices = book.pricesFor(d);
    assert.ok(prices.cacheWritePerToken > prices.inputPerToken);
  });

  test('a long prompt is priced at the long-context tier, all of its tokens', () => {
    const { book } = pricing();
    const d = testDeployment('gemini', 'gemini-2.5-pro');
    for (const prompt of [1000, 200_000, 200_001, 400_000]) {
      near(
        book.costOf(d, usage(prompt, 100), 0),
        tableCost('google', 'gemini-2.5-pro', { input_tokens: prompt, output_tokens: 100 }),
      );
    }
    const prices = book.pricesFor(d);
    assert.ok(ratesAt(prices, 300_000).inputPerToken > ratesAt(prices, 1000).inputPerToken);
  });

  test('Bedrock model ids resolve, with or without a region prefix or an inference-profile ARN', () => {
    const { book } = pricing();
    const expected = tableCost('aws', 'anthropic.claude-3-5-sonnet-20240620-v1:0', {
      input_tokens: 1500,
      cache_read_tokens: 500,
      output_tokens: 100,
    });
    const u = bedrockUsage({ inputTokens: 1000, cacheReadInputTokens: 500, outputTokens: 100 });
    for (const model of [
      'anthropic.claude-3-5-sonnet-20240620-v1:0',
      'us.anthropic.claude-3-5-sonnet-20240620-v1:0',
      'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0',
    ]) {
      const d = testDeployment('bedrock', model, { id: model });
      assert.equal(book.pricesFor(d).known, true, model);
      near(book.costOf(d, u, 0), expected);
    }
  });

  test('embeddings: input tokens only', () => {
    const { book } = pricing();
    const d = testDeployment('openai', 'text-embedding-3-small');
    const embeddingUsage = { prompt_tokens: 5000, total_tokens: 5000 } as Usage;
    near(
      book.costOf(d, embeddingUsage, 0),
      tableCost('openai', 'text-embedding-3-small', { input_tokens: 5000 }),
    );
    assert.ok(book.costOf(d, embeddingUsage, 0) > 0);
  });

  test('per-request fees of the table are added to each call', () => {
    const { book } = pricing();
    const d = testDeployment('perplexity', 'sonar');
    near(
      book.costOf(d, usage(10, 10), 0),
      tableCost('perplexity', 'sonar', { input_tokens: 10, output_tokens: 10 }),
    );
    assert.ok(book.pricesFor(d).perRequest > 0);
  });

  test('Tollgate provider keys map to the table’s providers', () => {
    const { book } = pricing();
    const cases: [string, string][] = [
      ['azure', 'gpt-4o-mini'],
      ['text-completion-openai', 'gpt-3.5-turbo-instruct'],
      ['groq', 'llama-3.1-8b-instant'],
      ['mistral', 'mistral-large-latest'],
      ['deepseek', 'deepseek-chat'],
      ['xai', 'grok-3-mini'],
      ['together_ai', 'meta-llama/Llama-3.3-70B-Instruct-Turbo'],
      ['fireworks_ai', 'accounts/fireworks/models/llama-v3p1-8b-instruct'],
      ['openrouter', 'anthropic/claude-3.5-sonnet'],
      ['cerebras', 'llama3.1-8b'],
    ];
    for (const [provider, model] of cases) {
      const prices = book.pricesFor(testDeployment(provider, model));
      assert.equal(prices.known, true, `${provider}/${model}`);
      assert.equal(prices.source, 'table');
      assert.ok(prices.inputPerToken > 0, `${provider}/${model}`);
    }
  });
});

describe('precedence', () => {
  test('model_info.base_model picks the table entry of an Azure deployment named at will', () => {
    const { book, warnings } = pricing();
    const expected = book.pricesFor(testDeployment('azure', 'gpt-4o'));
    for (const baseModel of ['azure/gpt-4o', 'gpt-4o']) {
      const d = testDeployment('azure', 'prod-east-chat', {
        id: `azure-${baseModel}`,
        modelInfo: { id: 'x', access_groups: [], base_model: baseModel },
      });
      const prices = book.pricesFor(d);
      assert.equal(prices.inputPerToken, expected.inputPerToken);
      assert.equal(prices.outputPerToken, expected.outputPerToken);
      assert.equal(prices.tableEntry, 'azure/gpt-4o');
    }
    assert.equal(book.pricesFor(testDeployment('azure', 'prod-east-chat')).known, false);
    assert.equal(warnings.length, 1);
  });

  test('base_model wins over the deployment’s own model name', () => {
    const { book } = pricing();
    const d = testDeployment('openai', 'gpt-4o', {
      modelInfo: { id: 'x', access_groups: [], base_model: 'gpt-4o-mini' },
    });
    assert.equal(book.pricesFor(d).tableEntry, 'openai/gpt-4o-mini');
  });

  test('litellm_params prices win over model_info prices, which win over the table, kind by kind', () => {
    const { book } = pricing();
    const table = book.pricesFor(testDeployment('openai', 'gpt-4o'));
    const infoOnly = book.pricesFor(
      testDeployment('openai', 'gpt-4o', {
        id: 'info',
        modelInfo: {
          id: 'info',
          access_groups: [],
          input_cost_per_token: 0.5,
          output_cost_per_token: 0.25,
        },
      }),
    );
    assert.equal(infoOnly.inputPerToken, 0.5);
    assert.equal(infoOnly.outputPerToken, 0.25);
    const both = book.pricesFor(
      testDeployment('openai', 'gpt-4o', {
        id: 'both',
        inputCostPerToken: 0.001,
        modelInfo: { id: 'both', access_groups: [], input_cost_per_token: 0.5 },
      }),
    );
    assert.equal(both.inputPerToken, 0.001);
    assert.equal(
      both.outputPerToken,
      table.outputPerToken,
      'the kind the config leaves out comes from the table',
    );
    assert.equal(both.source, 'config+table');
  });

  test('prompt-cache prices from the config, in litellm_params or model_info', () => {
    const { book } = pricing();
    const d = testDeployment('mock', 'anything', {
      inputCostPerToken: 0.00001,
      outputCostPerToken: 0.00002,
      cacheReadInputTokenCost: 0.000001,
      modelInfo: { id: 'x', access_groups: [], cache_creation_input_token_cost: 0.0000125 },
    });
    const u = usage(1000, 10, {
      prompt_tokens_details: { cached_tokens: 500 },
      cache_read_input_tokens: 500,
      cache_creation_input_tokens: 300,
    });
    near(book.costOf(d, u, 0), 200 * 0.00001 + 500 * 0.000001 + 300 * 0.0000125 + 10 * 0.00002);
    assert.equal(book.pricesFor(d).source, 'config');
  });

  test('unset cache prices default to the input price', () => {
    const { book } = pricing();
    const d = testDeployment('mock', 'm', { inputCostPerToken: 0.001, outputCostPerToken: 0.002 });
    const u = usage(100, 0, { cache_read_input_tokens: 40, cache_creation_input_tokens: 10 });
    near(book.costOf(d, u, 0), 100 * 0.001);
  });

  test('per-second prices bill the call’s duration, and replace the table’s token prices', () => {
    const { book } = pricing();
    const d = testDeployment('openai', 'gpt-4o', {
      inputCostPerSecond: 0.002,
      outputCostPerSecond: 0.001,
    });
    near(book.costOf(d, usage(1000, 1000), 2500), 2.5 * 0.003);
    assert.equal(book.pricesFor(d).source, 'config');
    const mixed = testDeployment('mock', 'm', {
      id: 'mixed',
      inputCostPerToken: 0.001,
      outputCostPerSecond: 0.01,
    });
    near(book.costOf(mixed, usage(10, 5), 1000), 10 * 0.001 + 0.01);
  });

  test('per-image and per-pixel prices bill the images, and replace the table’s token prices', () => {
    const { book } = pricing();
    const d = testDeployment('openai', 'gpt-image-1', { outputCostPerImage: 0.05 });
    const drawn = { images: 2, pixels: 2 * 1024 * 1024 };
    near(book.costOf(d, usage(20, 8320), 0, drawn), 2 * 0.05);
    assert.equal(book.pricesFor(d).source, 'config');
    const pixels = testDeployment('openai', 'dall-e-2', { id: 'px', inputCostPerPixel: 2e-8 });
    near(book.costOf(pixels, usage(0, 0), 0, drawn), 2 * 1024 * 1024 * 2e-8);
    const tts = testDeployment('openai', 'tts-1', { id: 'tts', inputCostPerCharacter: 15e-6 });
    near(book.costOf(tts, usage(3, 0), 0, { characters: 1000 }), 1000 * 15e-6);
    // A transcription's per-second price bills the seconds of audio, not the call's duration.
    const whisper = testDeployment('openai', 'whisper-1', { id: 'w', inputCostPerSecond: 1e-4 });
    near(book.costOf(whisper, usage(0, 0), 2500, { audioSeconds: 60 }), 60 * 1e-4);
    const tableWhisper = testDeployment('openai', 'whisper-1', { id: 'tw' });
    near(book.costOf(tableWhisper, usage(0, 0), 2500, { audioSeconds: 60 }), 60 * (0.36 / 3600));
    // Audio prompt tokens at the table's audio price, the rest of the prompt at the text price.
    const transcribe = testDeployment('openai', 'gpt-4o-transcribe', { id: 'gt' });
    const heard = usage(1010, 40, { prompt_tokens_details: { audio_tokens: 1000 } });
    near(book.costOf(transcribe, heard, 0), 10 * 2.5e-6 + 1000 * 6e-6 + 40 * 10e-6);
    // Without units (a chat call to the same deployment) nothing is billed by the image.
    near(book.costOf(d, usage(20, 0), 0), 0);
    // Token-priced from the table when the config sets no unit price.
    const table = testDeployment('openai', 'gpt-image-1', { id: 'table' });
    near(book.costOf(table, usage(20, 272), 0, { images: 1 }), 20 * 5e-6 + 272 * 40e-6);
  });
});

describe('unknown prices', () => {
  test('a mock deployment is unpriced: cost 0, known false, one warning however many calls', () => {
    const { book, warnings } = pricing();
    const d = testDeployment('mock', 'gpt-4o-mini');
    for (let i = 0; i < 5; i++) assert.equal(book.costOf(d, usage(100, 100), 10), 0);
    assert.equal(book.pricesFor(d).known, false);
    assert.equal(book.pricesFor(d).source, 'none');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /no price known/);
    assert.match(warnings[0] ?? '', /mock-test/);
    book.costOf(testDeployment('nvidia_nim', 'meta/llama-3.1-8b-instruct'), usage(1, 1), 0);
    assert.equal(warnings.length, 2, 'each unpriced deployment is flagged once');
    const priced = testDeployment('mock', 'gpt-4o-mini', { id: 'later', inputCostPerToken: 1 });
    book.pricesFor(priced);
    book.pricesFor({ ...priced, inputCostPerToken: undefined, modelInfo: { ...priced.modelInfo } });
    assert.equal(warnings.length, 3, 'an admin change that removes its price flags it again');
  });

  test('self-hosted models cost nothing and are not flagged', () => {
    const { book, warnings } = pricing();
    const d = testDeployment('ollama', 'llama3');
    assert.equal(book.costOf(d, usage(100, 100), 1000), 0);
    assert.equal(book.pricesFor(d).known, true);
    assert.equal(warnings.length, 0);
  });

  test('a wildcard deployment is priced per model the request names, and never flagged as such', () => {
    const { book, warnings } = pricing();
    const pattern = testDeployment('openai', '*', { id: 'wild' });
    assert.equal(book.pricesFor(pattern).known, false);
    assert.equal(warnings.length, 0);
    const big = book.pricesFor({ ...pattern, model: 'gpt-4o' });
    const small = book.pricesFor({ ...pattern, model: 'gpt-4o-mini' });
    assert.ok(big.inputPerToken > small.inputPerToken);
  });
});

describe('the cache', () => {
  test('prices are worked out once per deployment: the same object comes back', () => {
    const { book } = pricing();
    const d = testDeployment('openai', 'gpt-4o');
    assert.equal(book.pricesFor(d), book.pricesFor({ ...d }));
  });

  test('a deployment changed through the admin API (new model_info) is priced anew', () => {
    const { book } = pricing();
    const d = testDeployment('openai', 'gpt-4o');
    const before = book.pricesFor(d);
    const updated = { ...d, inputCostPerToken: 1, modelInfo: { ...d.modelInfo } };
    assert.equal(book.pricesFor(updated).inputPerToken, 1);
    assert.notEqual(book.pricesFor(updated), before);
  });

  test('a dated price change in the table takes effect when its day comes', () => {
    let now = Date.parse('2025-06-01T00:00:00Z');
    const { book } = pricing(() => now);
    const d = testDeployment('openai', 'o3');
    const u = usage(1_000_000, 0);
    const before = book.costOf(d, u, 0);
    near(before, tableCost('openai', 'o3', { input_tokens: 1_000_000 }, now));
    now = Date.parse('2025-07-01T00:00:00Z');
    const after = book.costOf(d, u, 0);
    near(after, tableCost('openai', 'o3', { input_tokens: 1_000_000 }, now));
    assert.notEqual(after, before);
  });
});

describe('model limits', () => {
  test('max output tokens from model_info; max input tokens from model_info or the table', () => {
    const { book } = pricing();
    const plain = book.pricesFor(testDeployment('openai', 'gpt-4o'));
    assert.equal(plain.maxOutputTokens, undefined);
    assert.equal(plain.maxInputTokens, 128_000);
    const configured = book.pricesFor(
      testDeployment('openai', 'gpt-4o', {
        id: 'limits',
        modelInfo: {
          id: 'limits',
          access_groups: [],
          max_output_tokens: 16_384,
          max_input_tokens: 64_000,
        },
      }),
    );
    assert.equal(configured.maxOutputTokens, 16_384);
    assert.equal(configured.maxInputTokens, 64_000);
    const legacy = testDeployment('mock', 'm', {
      modelInfo: { id: 'm', access_groups: [], max_tokens: 4096 },
    });
    assert.equal(book.pricesFor(legacy).maxOutputTokens, 4096);
  });
});

describe('next price change', () => {
  const model = (prices: ModelInfo['prices']): ModelInfo => ({
    id: 'm',
    match: { equals: 'm' },
    prices,
  });

  test('unconditional prices never expire; dated ones at the next start date', () => {
    assert.equal(nextPriceChange(model({ input_mtok: 1 }), NOW), Infinity);
    const dated = model([
      { prices: { input_mtok: 2 } },
      { constraint: { type: 'start_date', start_date: '2025-01-01' }, prices: { input_mtok: 1 } },
      { constraint: { type: 'start_date', start_date: '2026-03-01' }, prices: { input_mtok: 0.5 } },
    ]);
    assert.equal(nextPriceChange(dated, NOW), Date.parse('2026-03-01T00:00:00Z'));
  });

  test('time-of-day windows expire at their next edge, time zones included', () => {
    const offPeak = model([
      { prices: { input_mtok: 2 } },
      {
        constraint: { type: 'time_of_date', start_time: '16:30:00Z', end_time: '00:30:00Z' },
        prices: { input_mtok: 1 },
      },
    ]);
    assert.equal(nextPriceChange(offPeak, NOW), Date.parse('2026-01-15T16:30:00Z'));
    assert.equal(
      nextPriceChange(offPeak, Date.parse('2026-01-15T20:00:00Z')),
      Date.parse('2026-01-16T00:30:00Z'),
    );
    const zoned = model([
      { prices: { input_mtok: 2 } },
      {
        constraint: {
          type: 'time_of_date',
          start_time: '09:00:00+02:00',
          end_time: '10:00:00+02:00',
        },
        prices: { input_mtok: 1 },
      },
    ]);
    assert.equal(nextPriceChange(zoned, NOW), Date.parse('2026-01-16T07:00:00Z'));
  });
});
