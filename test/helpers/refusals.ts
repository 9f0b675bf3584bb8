/**
 * Bad inputs of an LLM route, each of which must be refused with a 400 whose message says what
 * to fix.
 */
import assert from 'node:assert/strict';

/** Posts each body to `url` as JSON with `key`; each must answer 400 with a message matching. */
export async function assertRefused(
  url: string,
  key: string,
  cases: readonly (readonly [Record<string, unknown>, RegExp])[],
): Promise<void> {
  for (const [body, said] of cases) {
    const refused = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(refused.status, 400, JSON.stringify(body));
    const answer = (await refused.json()) as { error: { message: string } };
    assert.match(answer.error.message, said, JSON.stringify(body));
  }
}
