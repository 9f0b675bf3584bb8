import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProviderError } from '../types.js';
import { fromBedrockEmbedResponse, toBedrockEmbedBody } from './bedrock-embedding.js';

const isBadRequest = (e: unknown) => e instanceof ProviderError && e.kind === 'bad_request';

test('Titan takes one inputText, and dimensions only on v2', () => {
  assert.deepEqual(
    JSON.parse(
      toBedrockEmbedBody(
        { model: 'e', input: 'hi', dimensions: 256 },
        'amazon.titan-embed-text-v2:0',
      ),
    ),
    { inputText: 'hi', dimensions: 256 },
  );
  assert.deepEqual(
    JSON.parse(
      toBedrockEmbedBody(
        { model: 'e', input: ['hi'], dimensions: 256 },
        'amazon.titan-embed-text-v1',
      ),
    ),
    { inputText: 'hi' },
  );
  assert.throws(
    () => toBedrockEmbedBody({ model: 'e', input: ['a', 'b'] }, 'amazon.titan-embed-text-v1'),
    (e: unknown) => isBadRequest(e) && /one input per request/.test((e as Error).message),
  );
});

test('Cohere takes every text at once with an input type', () => {
  assert.deepEqual(
    JSON.parse(toBedrockEmbedBody({ model: 'e', input: ['a', 'b'] }, 'cohere.embed-english-v3')),
    {
      texts: ['a', 'b'],
      input_type: 'search_document',
    },
  );
  assert.deepEqual(
    JSON.parse(
      toBedrockEmbedBody(
        { model: 'e', input: 'q', input_type: 'search_query' },
        'us.cohere.embed-multilingual-v3',
      ),
    ),
    { texts: ['q'], input_type: 'search_query' },
  );
  assert.throws(
    () => toBedrockEmbedBody({ model: 'e', input: 'x' }, 'meta.llama3-8b'),
    isBadRequest,
  );
});

test('answers become OpenAI embedding lists', () => {
  assert.deepEqual(
    fromBedrockEmbedResponse(
      '{"embedding":[0.5,1],"inputTextTokenCount":3}',
      'amazon.titan-embed-text-v1',
    ),
    {
      object: 'list',
      data: [{ object: 'embedding', index: 0, embedding: [0.5, 1] }],
      model: 'amazon.titan-embed-text-v1',
      usage: { prompt_tokens: 3, total_tokens: 3 },
    },
  );
  const cohere = fromBedrockEmbedResponse(
    '{"embeddings":[[1],[2]],"id":"x","response_type":"embeddings_floats","texts":["a","b"]}',
    'cohere.embed-english-v3',
  );
  assert.deepEqual(
    cohere.data.map((d) => d.embedding),
    [[1], [2]],
  );
  const byType = fromBedrockEmbedResponse(
    '{"embeddings":{"float":[[3]]}}',
    'cohere.embed-english-v3',
  );
  assert.deepEqual(byType.data[0]?.embedding, [3]);
  assert.throws(
    () => fromBedrockEmbedResponse('{"embeddings":"nope"}', 'cohere.embed-english-v3'),
    (e: unknown) => e instanceof ProviderError && e.kind === 'bad_response',
  );
});
