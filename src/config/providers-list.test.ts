import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  LITELLM_ONLY_PROVIDERS,
  SUPPORTED_PROVIDERS,
  inferProvider,
  isLitellmOnlyProvider,
  isSupportedProvider,
  suggestProvider,
} from './providers-list.js';

test('no provider is both supported and LiteLLM-only', () => {
  const overlap = SUPPORTED_PROVIDERS.filter((p) =>
    (LITELLM_ONLY_PROVIDERS as readonly string[]).includes(p),
  );
  assert.deepEqual(overlap, []);
  assert.equal(isSupportedProvider('openai'), true);
  assert.equal(isSupportedProvider('vertex_ai'), true);
  assert.equal(isSupportedProvider('huggingface'), false);
  assert.equal(isLitellmOnlyProvider('huggingface'), true);
  assert.equal(isLitellmOnlyProvider('opnai'), false);
});

test('typos get the nearest supported provider', () => {
  assert.equal(suggestProvider('opnai'), 'openai');
  assert.equal(suggestProvider('OpenAI'), 'openai');
  assert.equal(suggestProvider('antropic'), 'anthropic');
  assert.equal(suggestProvider('azur'), 'azure');
  assert.equal(suggestProvider('ollama-chat'), 'ollama_chat');
});

test('names far from every provider get no suggestion', () => {
  assert.equal(suggestProvider('zzqqxxyy'), undefined);
  assert.equal(suggestProvider('my-company-llm'), undefined);
});

test('only OpenAI and Anthropic model names are inferred', () => {
  assert.equal(inferProvider('gpt-4o'), 'openai');
  assert.equal(inferProvider('chatgpt-4o-latest'), 'openai');
  assert.equal(inferProvider('o1-preview'), 'openai');
  assert.equal(inferProvider('text-embedding-3-large'), 'openai');
  assert.equal(inferProvider('dall-e-3'), 'openai');
  assert.equal(inferProvider('babbage-002'), 'text-completion-openai');
  assert.equal(inferProvider('claude-sonnet-4-5'), 'anthropic');
  assert.equal(inferProvider('llama3'), undefined);
  assert.equal(inferProvider('gemini-2.0-flash'), undefined);
});

test('a provider name of a million characters gets no suggestion, at once', () => {
  const started = performance.now();
  assert.equal(suggestProvider(`${'opnai'.repeat(200_000)}`), undefined);
  assert.equal(suggestProvider(`openai${'x'.repeat(60)}`), undefined);
  const elapsed = performance.now() - started;
  assert.ok(elapsed < 50, `${elapsed.toFixed(0)} ms`);
});
