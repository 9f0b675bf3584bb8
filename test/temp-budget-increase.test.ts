/**
 * A key's temporary budget increase, as LiteLLM's `/key/update` takes it: `temp_budget_increase`
 * with `temp_budget_expiry` (an instant or a duration such as "10d"), kept in the key's metadata
 * and added to its `max_budget` until the expiry passes. Through a real gateway with the
 * official OpenAI SDK.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import OpenAI from 'openai';
import { MASTER_KEY } from './helpers/gateway.js';
import { gatewayOnSqlite } from './helpers/sqlite-gateway.js';
import { MAX_TOKENS, oneCallBudget, pricedModel, refusal } from './helpers/priced-models.js';

const MESSAGES = [{ role: 'user' as const, content: 'One more call, please.' }];

const CONFIG = {
  model_list: [pricedModel('priced')],
  general_settings: { master_key: MASTER_KEY },
};

const ONE_CALL = oneCallBudget('priced', MESSAGES);

describe('temporary budget increase of a key', () => {
  const fixture = gatewayOnSqlite(CONFIG);

  function ask(key: string) {
    const sdk = new OpenAI({ apiKey: key, baseURL: `${fixture.gateway.url}/v1`, maxRetries: 0 });
    return sdk.chat.completions.create({
      model: 'priced',
      messages: MESSAGES,
      max_tokens: MAX_TOKENS,
    });
  }

  async function refused(key: string): Promise<void> {
    assert.match((await refusal(ask(key))).message, /Budget has been exceeded!/);
  }

  async function spentKey(): Promise<string> {
    const r = await fixture.api.post('/key/generate', {
      max_budget: ONE_CALL,
      metadata: { app: 'x' },
    });
    assert.equal(r.status, 200);
    const key = r.body.key as string;
    await ask(key);
    await refused(key);
    return key;
  }

  async function update(body: Record<string, unknown>) {
    const r = await fixture.api.post('/key/update', body);
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }

  it('adds temp_budget_increase to max_budget until temp_budget_expiry, and stores both', async () => {
    const key = await spentKey();
    const before = Date.now();
    await update({ key, temp_budget_increase: ONE_CALL * 2, temp_budget_expiry: '10d' });
    const info = await fixture.api.get(`/key/info?key=${key}`);
    const metadata = info.body.info.metadata as Record<string, unknown>;
    assert.equal(metadata.app, 'x', 'the rest of the metadata stays');
    assert.equal(metadata.temp_budget_increase, ONE_CALL * 2);
    const expiry = Date.parse(metadata.temp_budget_expiry as string);
    assert.ok(expiry >= before + 10 * 86_400_000 && expiry <= Date.now() + 10 * 86_400_000);
    assert.equal((await ask(key)).object, 'chat.completion');

    // Both null: the increase is gone, and the key is held to its own budget again.
    await update({ key, temp_budget_increase: null, temp_budget_expiry: null });
    const after = await fixture.api.get(`/key/info?key=${key}`);
    assert.deepEqual(after.body.info.metadata, { app: 'x' });
    await refused(key);
  });

  it('stops adding it once the expiry has passed, without any admin action', async () => {
    const key = await spentKey();
    const expiry = new Date(Date.now() + 1500).toISOString();
    await update({ key, temp_budget_increase: ONE_CALL * 10, temp_budget_expiry: expiry });
    assert.equal((await ask(key)).object, 'chat.completion');
    await sleep(Date.parse(expiry) - Date.now() + 100);
    await refused(key);
  });

  it('refuses one without the other, a past expiry, a negative amount, naming the field', async () => {
    const key = await spentKey();
    for (const [body, param] of [
      [{ temp_budget_increase: 5 }, 'temp_budget_expiry'],
      [{ temp_budget_expiry: '1d' }, 'temp_budget_increase'],
      [
        { temp_budget_increase: 5, temp_budget_expiry: '2001-01-01T00:00:00Z' },
        'temp_budget_expiry',
      ],
      [{ temp_budget_increase: 5, temp_budget_expiry: 'next week' }, 'temp_budget_expiry'],
      [{ temp_budget_increase: -5, temp_budget_expiry: '1d' }, 'temp_budget_increase'],
    ] as const) {
      const r = await fixture.api.post('/key/update', { key, ...body });
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.error.param, param, JSON.stringify(r.body));
    }
    const info = await fixture.api.get(`/key/info?key=${key}`);
    assert.deepEqual(info.body.info.metadata, { app: 'x' });
    await refused(key);
  });
});
