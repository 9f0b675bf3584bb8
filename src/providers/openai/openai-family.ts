/**
 * OpenAI-compatible vendors differ only in name, default base URL and whether a base URL is
 * required: a table, not code.
 */
export interface OpenAiFlavor {
  displayName: string;
  defaultApiBase?: string;
  /**
   * Where the vendor serves Cohere's rerank API: a path under the deployment's base (vLLM,
   * Together, Jina), or an address of its own (Cohere, whose OpenAI-compatible base is elsewhere).
   */
  rerank?: { path: string; voyage?: true } | { url: string };
  /** Azure AI Foundry's addresses and key header (openai/azure-ai.ts). */
  azureAi?: true;
  /** The vendor refuses content as a list: text-only lists go as one string (openai/azure-ai.ts). */
  textContentAsString?: true;
}

export const OPENAI_FAMILY: Record<string, OpenAiFlavor> = {
  openai: { displayName: 'OpenAI', defaultApiBase: 'https://api.openai.com/v1' },
  'text-completion-openai': { displayName: 'OpenAI', defaultApiBase: 'https://api.openai.com/v1' },
  hosted_vllm: { displayName: 'Hosted_vllm', rerank: { path: '/rerank' } },
  openrouter: { displayName: 'OpenRouter', defaultApiBase: 'https://openrouter.ai/api/v1' },
  groq: { displayName: 'Groq', defaultApiBase: 'https://api.groq.com/openai/v1' },
  together_ai: {
    displayName: 'Together_ai',
    defaultApiBase: 'https://api.together.xyz/v1',
    rerank: { path: '/rerank' },
  },
  // Cohere: chat and embeddings through its OpenAI-compatible API, rerank through its own.
  cohere: {
    displayName: 'Cohere',
    defaultApiBase: 'https://api.cohere.ai/compatibility/v1',
    rerank: { url: 'https://api.cohere.com/v2/rerank' },
  },
  // Voyage: embeddings in OpenAI's format; rerank in its own (top_k, data), translated.
  voyage: {
    displayName: 'Voyage',
    defaultApiBase: 'https://api.voyageai.com/v1',
    rerank: { path: '/rerank', voyage: true },
  },
  // Infinity: a self-hosted embedding and rerank server; api_base required.
  infinity: { displayName: 'Infinity', rerank: { path: '/rerank' } },
  jina_ai: {
    displayName: 'Jina_ai',
    defaultApiBase: 'https://api.jina.ai/v1',
    rerank: { path: '/rerank' },
  },
  // LiteLLM's default is DeepSeek's /beta base (OpenAI-compatible, plus prefix and FIM features).
  deepseek: { displayName: 'Deepseek', defaultApiBase: 'https://api.deepseek.com/beta' },
  mistral: { displayName: 'Mistral', defaultApiBase: 'https://api.mistral.ai/v1' },
  fireworks_ai: {
    displayName: 'Fireworks_ai',
    defaultApiBase: 'https://api.fireworks.ai/inference/v1',
  },
  xai: { displayName: 'XAI', defaultApiBase: 'https://api.x.ai/v1' },
  perplexity: { displayName: 'Perplexity', defaultApiBase: 'https://api.perplexity.ai' },
  lm_studio: { displayName: 'LM Studio', defaultApiBase: 'http://localhost:1234/v1' },
  cerebras: { displayName: 'Cerebras', defaultApiBase: 'https://api.cerebras.ai/v1' },
  nvidia_nim: { displayName: 'Nvidia_nim', defaultApiBase: 'https://integrate.api.nvidia.com/v1' },
  sambanova: { displayName: 'Sambanova', defaultApiBase: 'https://api.sambanova.ai/v1' },
  // Azure AI Foundry: api_base required (AZURE_AI_API_BASE).
  azure_ai: { displayName: 'Azure_ai', azureAi: true, textContentAsString: true },
  // GitHub Models.
  github: { displayName: 'Github', defaultApiBase: 'https://models.inference.ai.azure.com' },
  // Another LiteLLM proxy (or Tollgate) as the upstream: api_base required.
  litellm_proxy: { displayName: 'Litellm_proxy' },
  // Any OpenAI-compatible server: api_base required.
  custom_openai: { displayName: 'Custom_openai' },
  openai_like: { displayName: 'Openai_like' },
  codestral: { displayName: 'Codestral', defaultApiBase: 'https://codestral.mistral.ai/v1' },
  friendliai: {
    displayName: 'Friendliai',
    defaultApiBase: 'https://api.friendli.ai/serverless/v1',
  },
  meta_llama: { displayName: 'Meta_llama', defaultApiBase: 'https://api.llama.com/compat/v1' },
  volcengine: {
    displayName: 'Volcengine',
    defaultApiBase: 'https://ark.cn-beijing.volces.com/api/v3',
  },
  ai21_chat: { displayName: 'Ai21_chat', defaultApiBase: 'https://api.ai21.com/studio/v1' },
  anyscale: { displayName: 'Anyscale', defaultApiBase: 'https://api.endpoints.anyscale.com/v1' },
  deepinfra: { displayName: 'Deepinfra', defaultApiBase: 'https://api.deepinfra.com/v1/openai' },
  moonshot: {
    displayName: 'Moonshot',
    defaultApiBase: 'https://api.moonshot.ai/v1',
    textContentAsString: true,
  },
  dashscope: {
    displayName: 'Dashscope',
    defaultApiBase: 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1',
    textContentAsString: true,
  },
  // A llamafile server on this machine.
  llamafile: { displayName: 'Llamafile', defaultApiBase: 'http://127.0.0.1:8080/v1' },
};
