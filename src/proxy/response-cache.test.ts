import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pino from 'pino';
import {
  MAX_LOCAL_ANSWER_CHARS,
  MAX_LOCAL_CHARS,
  MAX_LOCAL_ENTRIES,
  ResponseCache,
} from './response-cache.js';

const logger = pino({ level: 'silent' });

async function localCache(now = () => 1_000) {
  return ResponseCache.create({
    settings: { type: 'local', callTypes: ['acompletion'], mode: 'default_on' },
    logger,
    now,
  });
}

const body = (text: string) => ({
  model: 'm',
  messages: [{ role: 'user', content: text }],
});

describe('the response cache in this process', () => {
  test('keeps an answer under the key of its request, and gives it back', async () => {
    const cache = await localCache();
    const plan = cache.plan('acompletion', body('a'));
    assert.ok(plan?.read && plan.write);
    assert.equal(await plan.read(), undefined);
    plan.write('{"id":"x"}');
    assert.equal(await cache.plan('acompletion', body('a'))?.read?.(), '{"id":"x"}');
    assert.equal(await cache.plan('acompletion', body('b'))?.read?.(), undefined);
    assert.equal(cache.plan('aembedding', body('a')), undefined, 'a call type not cached');
  });

  test('does not keep an answer longer than MAX_LOCAL_ANSWER_CHARS', async () => {
    const cache = await localCache();
    cache.plan('acompletion', body('big'))?.write?.('x'.repeat(MAX_LOCAL_ANSWER_CHARS + 1));
    assert.equal(await cache.plan('acompletion', body('big'))?.read?.(), undefined);
  });

  test('drops the least recently used beyond MAX_LOCAL_CHARS, and beyond MAX_LOCAL_ENTRIES', async () => {
    const cache = await localCache();
    const answer = 'y'.repeat(MAX_LOCAL_ANSWER_CHARS);
    const fit = MAX_LOCAL_CHARS / MAX_LOCAL_ANSWER_CHARS;
    for (let i = 0; i <= fit; i++) cache.plan('acompletion', body(`n${i}`))?.write?.(answer);
    assert.equal(
      await cache.plan('acompletion', body('n0'))?.read?.(),
      undefined,
      'the oldest went',
    );
    assert.equal(
      (await cache.plan('acompletion', body(`n${fit}`))?.read?.())?.length,
      answer.length,
    );
    const small = await localCache();
    for (let i = 0; i <= MAX_LOCAL_ENTRIES; i++)
      small.plan('acompletion', body(`e${i}`))?.write?.('1');
    assert.equal(await small.plan('acompletion', body('e0'))?.read?.(), undefined);
    assert.equal(await small.plan('acompletion', body(`e${MAX_LOCAL_ENTRIES}`))?.read?.(), '1');
  });

  test('an entry past its ttl is gone, and s-maxage refuses an older one', async () => {
    let now = 1_000;
    const cache = await localCache(() => now);
    cache.plan('acompletion', { ...body('t'), cache: { ttl: 10 } })?.write?.('kept');
    now += 5_000;
    assert.equal(await cache.plan('acompletion', body('t'))?.read?.(), 'kept');
    assert.equal(
      await cache.plan('acompletion', { ...body('t'), cache: { 's-maxage': 4 } })?.read?.(),
      undefined,
    );
    now += 6_000;
    assert.equal(await cache.plan('acompletion', body('t'))?.read?.(), undefined);
  });
});
