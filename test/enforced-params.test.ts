/**
 * `enforced_params`, as LiteLLM checks them: request fields every call must carry, from
 * `general_settings.enforced_params`, `general_settings.service_account_settings` (keys with a
 * `service_account_id`) and a key's own `enforced_params`. A call without one is a 400 naming
 * it, sent nowhere and booked nowhere. The official OpenAI SDK is the client.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import OpenAI from 'openai';
import { MASTER_KEY } from './helpers/gateway.js';
import { gatewayOnSqlite } from './helpers/sqlite-gateway.js';

const CONFIG = {
  model_list: [{ model_name: 'gpt-4o', litellm_params: { model: 'mock/gpt-4o' } }],
  general_settings: {
    master_key: MASTER_KEY,
    enforced_params: ['user'],
    service_account_settings: { enforced_params: ['metadata.team'] },
  },
};

const MESSAGES = [{ role: 'user' as const, content: 'hi' }];

describe('enforced_params', () => {
  const fixture = gatewayOnSqlite(CONFIG);

  function ask(key: string, extra: Record<string, unknown>) {
    const sdk = new OpenAI({ apiKey: key, baseURL: `${fixture.gateway.url}/v1`, maxRetries: 0 });
    return sdk.chat.completions.create({
      model: 'gpt-4o',
      messages: MESSAGES,
      ...extra,
    } as OpenAI.ChatCompletionCreateParamsNonStreaming);
  }

  async function refused(key: string, extra: Record<string, unknown>, param: string) {
    const error = await ask(key, extra).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof OpenAI.APIError, `expected a 400, got ${String(error)}`);
    assert.equal(error.status, 400);
    assert.equal(
      error.message,
      `400 BadRequest please pass param=${param} in request body. This is a required param`,
    );
    return error;
  }

  async function newKey(body: Record<string, unknown>) {
    const r = await fixture.api.post('/key/generate', body);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return { key: r.body.key as string, token: r.body.token as string };
  }

  it('holds every caller to general_settings.enforced_params, the master key too', async () => {
    await refused(MASTER_KEY, {}, 'user');
    assert.equal((await ask(MASTER_KEY, { user: 'ann' })).object, 'chat.completion');
  });

  it("adds a key's own enforced_params (kept in its metadata), one level deep", async () => {
    const { key, token } = await newKey({
      metadata: { owner: 'search' },
      enforced_params: ['metadata.generation_name'],
    });
    const info = await fixture.api.get(`/key/info?key=${key}`);
    assert.deepEqual(info.body.info.metadata, {
      owner: 'search',
      enforced_params: ['metadata.generation_name'],
    });
    await refused(key, {}, 'user');
    await refused(key, { user: 'ann' }, 'metadata');
    await refused(key, { user: 'ann', metadata: { other: 1 } }, '[metadata][generation_name]');
    const ok = await ask(key, { user: 'ann', metadata: { generation_name: 'summary' } });
    assert.equal(ok.object, 'chat.completion');

    // The refused calls reached no provider and were booked nowhere.
    await fixture.gateway.app.ledger?.flush();
    const logs = await fixture.api.get(`/spend/logs?api_key=${token}`);
    assert.equal(logs.status, 200);
    assert.equal((logs.body as unknown[]).length, 1);
  });

  it('adds service_account_settings.enforced_params for service-account keys only', async () => {
    const service = await newKey({ metadata: { service_account_id: 'indexer' } });
    await refused(service.key, { user: 'svc' }, 'metadata');
    assert.equal(
      (await ask(service.key, { user: 'svc', metadata: { team: 'search' } })).object,
      'chat.completion',
    );
    const person = await newKey({});
    assert.equal((await ask(person.key, { user: 'bob' })).object, 'chat.completion');
  });

  it('/key/update sets and removes them, keeping the rest of the metadata', async () => {
    const { key } = await newKey({ metadata: { owner: 'ops' } });
    await fixture.api.post('/key/update', { key, enforced_params: ['temperature'] });
    await refused(key, { user: 'ann' }, 'temperature');
    await fixture.api.post('/key/update', { key, enforced_params: null });
    const info = await fixture.api.get(`/key/info?key=${key}`);
    assert.deepEqual(info.body.info.metadata, { owner: 'ops' });
    assert.equal((await ask(key, { user: 'ann' })).object, 'chat.completion');
  });
});
