import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answerMockRequest } from './mock-upstream.js';

async function chat(body: Record<string, unknown>): Promise<{
  content: string;
  finish: string;
  completionTokens: number;
}> {
  const reply = answerMockRequest(
    'mock://model/v1/chat/completions',
    {},
    JSON.stringify({
      model: 'm',
      messages: [{ role: 'user', content: 'tell me a story' }],
      ...body,
    }),
  );
  let text = '';
  const decoder = new TextDecoder();
  for await (const part of reply.body) text += decoder.decode(part, { stream: true });
  const parsed = JSON.parse(text) as {
    choices: { message: { content: string }; finish_reason: string }[];
    usage: { completion_tokens: number };
  };
  const choice = parsed.choices[0];
  assert.ok(choice);
  return {
    content: choice.message.content,
    finish: choice.finish_reason,
    completionTokens: parsed.usage.completion_tokens,
  };
}

describe('mock provider output cap', () => {
  it('answers in full and stops when no cap is set', async () => {
    const full = await chat({});
    assert.equal(full.finish, 'stop');
    assert.ok(full.completionTokens > 3);
  });

  it('stops at max_tokens with finish_reason length, and bills only what it wrote', async () => {
    const capped = await chat({ max_tokens: 3 });
    assert.equal(capped.finish, 'length');
    assert.equal(capped.completionTokens, 3);
    assert.ok((await chat({})).content.startsWith(capped.content));
  });

  it('honours max_completion_tokens too', async () => {
    assert.equal((await chat({ max_completion_tokens: 2 })).completionTokens, 2);
  });
});

async function embed(body: Record<string, unknown>) {
  const reply = answerMockRequest(
    'mock://model/v1/embeddings',
    {},
    JSON.stringify({ model: 'm', input: 'hello', ...body }),
  );
  let text = '';
  const decoder = new TextDecoder();
  for await (const part of reply.body) text += decoder.decode(part, { stream: true });
  return {
    status: reply.status,
    body: JSON.parse(text) as {
      data: { embedding: number[] }[];
      error: { type: string; param: string; message: string };
    },
  };
}

describe('mock provider embeddings', () => {
  it('answers one vector per input, of the dimensions asked for', async () => {
    const { status, body } = await embed({ input: ['a', 'b'], dimensions: 256 });
    assert.equal(status, 200);
    assert.deepEqual(
      body.data.map((d) => d.embedding.length),
      [256, 256],
    );
  });

  it('refuses dimensions or input counts past OpenAI’s bounds with a 400, not an answer that fills the heap', async () => {
    for (const dimensions of [3073, 2147483647, 1.5]) {
      const { status, body } = await embed({ dimensions });
      assert.equal(status, 400, String(dimensions));
      assert.equal(body.error.type, 'invalid_request_error');
      assert.equal(body.error.param, 'dimensions');
      assert.match(body.error.message, /1 to 3072/);
    }
    const many = await embed({ input: Array.from({ length: 2049 }, () => '') });
    assert.equal(many.status, 400);
    assert.equal(many.body.error.param, 'input');
    assert.equal((await embed({ dimensions: 3072 })).status, 200);
  });
});
