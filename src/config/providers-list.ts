/**
 * Provider prefixes the config may name. SUPPORTED ones have an adapter; LITELLM_ONLY ones are
 * valid LiteLLM prefixes Tollgate has no adapter for yet: such deployments are skipped with a
 * warning instead of refusing the whole config.
 */
export const SUPPORTED_PROVIDERS = [
  'openai',
  'text-completion-openai',
  'azure',
  'anthropic',
  'ollama',
  'ollama_chat',
  'gemini',
  'bedrock',
  'vertex_ai',
  'vertex_ai_beta',
  'mock',
  'hosted_vllm',
  'openrouter',
  'groq',
  'together_ai',
  'deepseek',
  'mistral',
  'fireworks_ai',
  'xai',
  'perplexity',
  'lm_studio',
  'cerebras',
  'nvidia_nim',
  'sambanova',
  'cohere',
  'jina_ai',
  'voyage',
  'infinity',
  'azure_ai',
  'github',
  'litellm_proxy',
  'custom_openai',
  'openai_like',
  'codestral',
  'friendliai',
  'meta_llama',
  'volcengine',
  'ai21_chat',
  'anyscale',
  'deepinfra',
  'moonshot',
  'dashscope',
  'llamafile',
  // Names of providers above: LiteLLM's Converse route of Bedrock, and Cohere's chat.
  'bedrock_converse',
  'cohere_chat',
] as const;

export const LITELLM_ONLY_PROVIDERS = [
  'huggingface',
  'replicate',
  'sagemaker',
  'sagemaker_chat',
  'azure_text',
  'databricks',
  'watsonx',
  'cloudflare',
  'ai21',
  'nlp_cloud',
  'aleph_alpha',
  'petals',
  'palm',
  'vllm',
  'predibase',
  'triton',
  'clarifai',
  'text-completion-codestral',
  'baseten',
  'nebius',
] as const;

const supported = new Set<string>(SUPPORTED_PROVIDERS);
const litellmOnly = new Set<string>(LITELLM_ONLY_PROVIDERS);

export function isSupportedProvider(name: string): boolean {
  return supported.has(name);
}

export function isLitellmOnlyProvider(name: string): boolean {
  return litellmOnly.has(name);
}

/** Names this long are not a typo of a provider's: no hint, and no edit distance to compute. */
const LONGEST_TYPO = 40;

/** The closest supported provider name, for "did you mean" hints. */
export function suggestProvider(name: string): string | undefined {
  // The edit distance takes time in proportion to the name's length times each candidate's, and
  // a name comes from /model/new bodies of up to max_request_size_mb.
  if (name.length > LONGEST_TYPO) return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of SUPPORTED_PROVIDERS) {
    const distance = editDistance(name.toLowerCase(), candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** A bare model name without a prefix is accepted for the two providers LiteLLM infers itself. */
export function inferProvider(model: string): string | undefined {
  if (/^(gpt-|o1|o3|o4|chatgpt-|text-embedding-|davinci|babbage|dall-e|whisper|tts-)/.test(model)) {
    return model.startsWith('davinci') || model.startsWith('babbage')
      ? 'text-completion-openai'
      : 'openai';
  }
  if (model.startsWith('claude')) return 'anthropic';
  return undefined;
}
