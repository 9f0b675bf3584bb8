import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { globCapture, globMatches } from './glob.js';

/** The regular expression the wildcard stands for, as the catalog and access lists used to build it. */
function asRegExp(pattern: string, minPerStar: 0 | 1): RegExp {
  const parts = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join(minPerStar === 1 ? '(.+)' : '(.*)')}$`);
}

describe('model-name wildcards', () => {
  it('match as the regular expression of the same wildcard, with its greedy first capture', () => {
    const letters = fc.constantFrom('a', 'b', '/', '-', '.');
    const text = fc.array(letters, { maxLength: 12 }).map((chars) => chars.join(''));
    const pattern = fc
      .array(fc.constantFrom('a', 'b', '/', '-', '.', '*', '*'), { maxLength: 8 })
      .map((chars) => chars.join(''));
    fc.assert(
      fc.property(pattern, text, fc.constantFrom<0 | 1>(0, 1), (p, t, min) => {
        const expected = asRegExp(p, min).exec(t);
        const captured = globCapture(p, t, min);
        if (expected === null) assert.equal(captured, undefined, `${p} ${t}`);
        else assert.equal(captured, p.includes('*') ? expected[1] : '', `${p} ${t}`);
      }),
      { numRuns: 5_000 },
    );
  });

  it('match the wildcards of model lists and routes', () => {
    assert.equal(globCapture('openai/*', 'openai/gpt-4o'), 'gpt-4o');
    assert.equal(globCapture('openai/*', 'openai/', 1), undefined);
    assert.ok(globMatches('azure/gpt-4*-mini', 'azure/gpt-4o-mini'));
    assert.ok(!globMatches('azure/gpt-4*-mini', 'azure/gpt-4o'));
    assert.ok(globMatches('*', ''));
    assert.ok(globMatches('gpt-4o', 'gpt-4o'));
    assert.ok(!globMatches('gpt-4o', 'gpt-4o-mini'));
  });

  it('answer at once where a backtracking regular expression takes seconds', () => {
    const pattern = `${'*a'.repeat(12)}*b`;
    const name = 'a'.repeat(100_000);
    const started = performance.now();
    assert.equal(globMatches(pattern, name), false);
    assert.equal(globMatches(pattern, `${name}b`), true);
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 200, `${elapsed.toFixed(0)} ms`);
  });
});
