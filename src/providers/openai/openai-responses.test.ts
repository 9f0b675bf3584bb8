import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Deployment } from '../../contracts/deployment.js';
import type { CallContext } from '../types.js';
import { ProviderError } from '../types.js';
import { createOpenAiResponsesOperation, ForwardedResponsesError } from './openai-responses.js';

const operation = createOpenAiResponsesOperation({
  displayName: 'OpenAI',
  url: () => 'http://upstream/v1/responses',
  headers: () => ({ authorization: 'Bearer k' }),
});

const deployment = {
  model: 'gpt-4o-mini',
  // Written for chat: the cap and the effort are renamed, chat-only fields left out.
  defaults: {
    max_tokens: 100,
    temperature: 0.5,
    stop: ['END'],
    seed: 7,
    reasoning_effort: 'low',
  },
} as unknown as Deployment;

function ctx(stream: boolean): CallContext {
  return { deployment, stream, requestId: 'r', dropParams: false } as CallContext;
}

const encode = (events: Record<string, unknown>[]): Uint8Array =>
  new TextEncoder().encode(
    events.map((e) => `event: ${String(e.type)}\ndata: ${JSON.stringify(e)}\n\n`).join(''),
  );

describe('OpenAI Responses pass-through', () => {
  it('sends the deployment model and defaults, caps as max_output_tokens, no gateway fields', async () => {
    const request = await operation.buildRequest(
      {
        model: 'alias',
        input: 'hi',
        max_tokens: 7,
        mock_testing_fallbacks: true,
        metadata: { ticket: 'T', tags: ['a'] },
      } as never,
      ctx(true),
    );
    assert.deepEqual(JSON.parse(request.body ?? ''), {
      temperature: 0.5,
      reasoning: { effort: 'low' },
      model: 'gpt-4o-mini',
      input: 'hi',
      max_output_tokens: 7,
      metadata: { ticket: 'T' },
      stream: true,
    });
    const plain = await operation.buildRequest(
      { model: 'alias', input: 'hi' } as never,
      ctx(false),
    );
    assert.deepEqual(JSON.parse(plain.body ?? ''), {
      temperature: 0.5,
      max_output_tokens: 100,
      reasoning: { effort: 'low' },
      model: 'gpt-4o-mini',
      input: 'hi',
    });
  });

  it('reads the usage of response.completed and forwards every byte', () => {
    const decoder = operation.createStreamDecoder!(ctx(true));
    const bytes = encode([
      { type: 'response.created', response: {} },
      { type: 'response.output_text.delta', delta: 'Hi' },
      {
        type: 'response.completed',
        response: { usage: { input_tokens: 3, output_tokens: 2, total_tokens: 5 } },
      },
    ]);
    const [first] = decoder.push(bytes);
    assert.equal(first?.chunk.text, new TextDecoder().decode(bytes));
    assert.equal(first?.chunk.produced, 'Hi');
    assert.equal(first?.chunk.usage?.prompt_tokens, 3);
    assert.equal(decoder.end()[0]?.chunk.usage?.completion_tokens, 2);
  });

  it('fails a stream cut before its last event, and one the upstream failed itself', () => {
    const cut = operation.createStreamDecoder!(ctx(true));
    cut.push(encode([{ type: 'response.created', response: {} }]));
    assert.throws(
      () => cut.end(),
      (e: unknown) => e instanceof ProviderError && e.kind === 'connection',
    );
    const failed = operation.createStreamDecoder!(ctx(true));
    failed.push(encode([{ type: 'error', message: 'overloaded' }]));
    assert.throws(() => failed.end(), ForwardedResponsesError);
  });
});
