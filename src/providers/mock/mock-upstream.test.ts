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
