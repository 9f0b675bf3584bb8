/** Provider name → adapter. The only place that knows which adapters exist. */
import { createAnthropicAdapter } from './anthropic/anthropic-adapter.js';
import { createAzureAdapter } from './azure/azure-adapter.js';
import { createBedrockAdapter } from './bedrock/bedrock-adapter.js';
import { createGeminiAdapter } from './gemini/gemini-adapter.js';
import { createMockAdapter } from './mock/mock-adapter.js';
import { createOllamaAdapter } from './ollama/ollama-adapter.js';
import { createOpenAiAdapter } from './openai/openai-adapter.js';
import { OPENAI_FAMILY } from './openai/openai-family.js';
import type { ProviderAdapter } from './types.js';
import { createVertexAdapter } from './vertex/vertex-adapter.js';

export type AdapterFactory = () => ProviderAdapter;

const FACTORIES: Record<string, AdapterFactory> = {
  mock: createMockAdapter,
  azure: createAzureAdapter,
  ollama: () => createOllamaAdapter('ollama'),
  ollama_chat: () => createOllamaAdapter('ollama_chat'),
  anthropic: createAnthropicAdapter,
  gemini: () => createGeminiAdapter(),
  bedrock: () => createBedrockAdapter(),
  vertex_ai: () => createVertexAdapter(),
  vertex_ai_beta: () => createVertexAdapter(),
};
for (const name of Object.keys(OPENAI_FAMILY)) FACTORIES[name] = () => createOpenAiAdapter(name);

export function createProviderRegistry(): Map<string, ProviderAdapter> {
  const registry = new Map<string, ProviderAdapter>();
  for (const [name, factory] of Object.entries(FACTORIES)) registry.set(name, factory());
  return registry;
}
