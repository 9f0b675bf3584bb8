/**
 * OpenAI embeddings ↔ Bedrock InvokeModel for Amazon Titan (`{"inputText"}`, one text per call)
 * and Cohere (`{"texts":[...]}`). The operation builds one upstream request, so Titan takes a
 * single input and a list is refused with an explanation instead of being half-answered.
 */
import type { EmbeddingRequest, EmbeddingResponse } from '../../contracts/openai.js';
import { parseUpstreamJson } from '../shared/classify-status.js';
import { readEmbeddingTexts, toEmbeddingList } from '../shared/embedding-list.js';
import { ProviderError } from '../types.js';
import { CohereEmbeddingSchema, TitanEmbeddingSchema } from './bedrock-wire.js';

type EmbeddingFamily = 'titan' | 'cohere';

function embeddingFamily(modelId: string): EmbeddingFamily {
  // Cross-region inference profiles prefix the id with a geography (`us.cohere.embed-...`).
  const id = modelId.replace(/^(us|eu|apac|us-gov|global)\./, '');
  if (id.startsWith('amazon.titan-embed')) return 'titan';
  if (id.startsWith('cohere.embed')) return 'cohere';
  throw new ProviderError(
    'bad_request',
    `Bedrock embeddings support amazon.titan-embed-* and cohere.embed-* models, not ${modelId}`,
    { status: 400 },
  );
}

export function toBedrockEmbedBody(request: EmbeddingRequest, modelId: string): string {
  const texts = readEmbeddingTexts(request.input, 'Bedrock');
  if (embeddingFamily(modelId) === 'cohere') {
    const inputType = typeof request.input_type === 'string' ? request.input_type : undefined;
    return JSON.stringify({ texts, input_type: inputType ?? 'search_document' });
  }
  const [text] = texts;
  if (texts.length !== 1 || text === undefined) {
    throw new ProviderError(
      'bad_request',
      `Bedrock Titan embeddings take one input per request; send the ${texts.length} inputs as separate requests`,
      { status: 400 },
    );
  }
  // Only Titan v2 takes `dimensions`; v1 rejects unknown keys.
  const dimensions = modelId.includes('titan-embed-text-v2') ? request.dimensions : undefined;
  return JSON.stringify({ inputText: text, ...(dimensions === undefined ? {} : { dimensions }) });
}

export function fromBedrockEmbedResponse(body: string, modelId: string): EmbeddingResponse {
  const json = parseUpstreamJson(body, 'Bedrock');
  if (embeddingFamily(modelId) === 'cohere') {
    const parsed = CohereEmbeddingSchema.safeParse(json);
    if (parsed.success) {
      const { embeddings } = parsed.data;
      // Cohere on Bedrock reports no token counts.
      return toEmbeddingList(Array.isArray(embeddings) ? embeddings : embeddings.float, modelId, 0);
    }
  } else {
    const parsed = TitanEmbeddingSchema.safeParse(json);
    if (parsed.success) {
      const { embedding, inputTextTokenCount } = parsed.data;
      return toEmbeddingList([embedding], modelId, inputTextTokenCount ?? 0);
    }
  }
  throw new ProviderError('bad_response', 'Bedrock returned embeddings in an unexpected shape', {
    status: 502,
  });
}
