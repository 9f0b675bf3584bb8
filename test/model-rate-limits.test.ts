/**
 * Per-model rate limits of keys and teams, as LiteLLM's docs set them: `model_rpm_limit` /
 * `model_tpm_limit` as fields of `/key/generate`, `/key/update`, `/team/new` and `/team/update`
 * (kept in `metadata`), a team's limits shared by its keys unless a key sets its own, and the
 * `x-litellm-key-remaining-requests-<model>` headers. The official OpenAI SDK is the client.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import OpenAI from 'openai';
import { MASTER_KEY } from './helpers/gateway.js';
import { gatewayOnSqlite } from './helpers/sqlite-gateway.js';

const CONFIG = {
  model_list: ['gpt-4o', 'gpt-4o-mini', 'openai/gpt-4.1'].map((name) => ({
    model_name: name,
    litellm_params: { model: `mock/${name}` },
  })),
  general_settings: { master_key: MASTER_KEY },
};

describe('per-model rate limits of keys and teams', () => {
  const fixture = gatewayOnSqlite(CONFIG);

  async function post(path: string, body: Record<string, unknown>) {
    const r = await fixture.api.post(path, body);
    assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
    return r.body as Record<string, unknown>;
  }

  function ask(key: string, model: string) {
    const sdk = new OpenAI({ apiKey: key, baseURL: `${fixture.gateway.url}/v1`, maxRetries: 0 });
    return sdk.chat.completions
      .create({ model, messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
  }

  async function refused(key: string, model: string): Promise<string> {
    const error = await ask(key, model).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof OpenAI.APIError, `expected a 429, got ${String(error)}`);
    assert.equal(error.status, 429);
    return error.message;
  }

  it('takes model_rpm_limit on /key/generate, keeps it in metadata and enforces it', async () => {
    const created = await post('/key/generate', {
      metadata: { team: 'search' },
      model_rpm_limit: { 'gpt-4o': 2 },
      model_tpm_limit: { 'gpt-4o': 100_000 },
    });
    const key = created.key as string;
    const info = await fixture.api.get(`/key/info?key=${key}`);
    assert.deepEqual(info.body.info.metadata, {
      team: 'search',
      model_rpm_limit: { 'gpt-4o': 2 },
      model_tpm_limit: { 'gpt-4o': 100_000 },
    });

    const first = await ask(key, 'gpt-4o');
    assert.equal(first.response.headers.get('x-litellm-key-remaining-requests-gpt-4o'), '1');
    assert.equal(first.response.headers.get('x-litellm-key-remaining-tokens-gpt-4o'), '100000');
    await ask(key, 'gpt-4o');
    const message = await refused(key, 'gpt-4o');
    assert.match(
      message,
      new RegExp(`Rate limit exceeded for model_per_key: ${created.token as string}:gpt-4o\\. `),
    );
    const other = await ask(key, 'gpt-4o-mini');
    assert.equal(other.response.headers.get('x-litellm-key-remaining-requests-gpt-4o-mini'), null);
  });

  it('/key/update changes one limit and keeps the rest of the metadata; null removes it', async () => {
    const key = (
      await post('/key/generate', {
        metadata: { owner: 'ann' },
        model_rpm_limit: { 'gpt-4o': 1 },
      })
    ).key as string;
    await post('/key/update', { key, model_tpm_limit: { 'gpt-4o-mini': 50 } });
    let info = await fixture.api.get(`/key/info?key=${key}`);
    assert.deepEqual(info.body.info.metadata, {
      owner: 'ann',
      model_rpm_limit: { 'gpt-4o': 1 },
      model_tpm_limit: { 'gpt-4o-mini': 50 },
    });
    await ask(key, 'gpt-4o');
    await refused(key, 'gpt-4o');

    await post('/key/update', { key, model_rpm_limit: null });
    info = await fixture.api.get(`/key/info?key=${key}`);
    assert.deepEqual(info.body.info.metadata, {
      owner: 'ann',
      model_tpm_limit: { 'gpt-4o-mini': 50 },
    });
    await ask(key, 'gpt-4o');
  });

  it("holds a team's keys to the team's model_rpm_limit together, unless a key sets its own", async () => {
    const team = await post('/team/new', {
      team_alias: 'per-model-team',
      metadata: { cost_center: 7 },
      model_rpm_limit: { 'gpt-4o': 2 },
    });
    const teamId = team.team_id as string;
    const info = await fixture.api.get(`/team/info?team_id=${teamId}`);
    assert.deepEqual(info.body.team_info.metadata, {
      cost_center: 7,
      model_rpm_limit: { 'gpt-4o': 2 },
    });
    const a = (await post('/key/generate', { team_id: teamId })).key as string;
    const b = (await post('/key/generate', { team_id: teamId })).key as string;
    const own = (
      await post('/key/generate', {
        team_id: teamId,
        model_rpm_limit: { 'gpt-4o': 5 },
      })
    ).key as string;

    const first = await ask(a, 'gpt-4o');
    assert.equal(first.response.headers.get('x-litellm-key-remaining-requests-gpt-4o'), '1');
    await ask(b, 'gpt-4o');
    assert.match(
      await refused(a, 'gpt-4o'),
      new RegExp(`Rate limit exceeded for model_per_team: ${teamId}:gpt-4o\\. `),
    );
    await refused(b, 'gpt-4o');
    await ask(a, 'gpt-4o-mini');
    const mine = await ask(own, 'gpt-4o');
    assert.equal(mine.response.headers.get('x-litellm-key-remaining-requests-gpt-4o'), '4');

    await post('/team/update', { team_id: teamId, model_rpm_limit: { 'gpt-4o': 100 } });
    const updated = await fixture.api.get(`/team/info?team_id=${teamId}`);
    assert.deepEqual(updated.body.team_info.metadata, {
      cost_center: 7,
      model_rpm_limit: { 'gpt-4o': 100 },
    });
    await ask(a, 'gpt-4o');
  });

  it('enforces a limit on a model whose name cannot be a header, without the header', async () => {
    const key = (await post('/key/generate', { model_rpm_limit: { 'openai/gpt-4.1': 1 } }))
      .key as string;
    const first = await ask(key, 'openai/gpt-4.1');
    assert.equal(first.response.status, 200);
    assert.equal(first.response.headers.get('x-ratelimit-remaining-requests'), '0');
    await refused(key, 'openai/gpt-4.1');
  });

  it('refuses limits that are not whole numbers of at least 0, naming the field', async () => {
    const before = await fixture.api.get('/key/list?size=100');
    for (const body of [
      { model_rpm_limit: { 'gpt-4o': -1 } },
      { model_tpm_limit: { 'gpt-4o': 1.5 } },
      { model_rpm_limit: ['gpt-4o'] },
    ]) {
      const r = await fixture.api.post('/key/generate', body);
      assert.equal(r.status, 422, JSON.stringify(r.body));
      assert.match(r.body.error.param ?? JSON.stringify(r.body), /model_(rpm|tpm)_limit/);
    }
    const afterList = await fixture.api.get('/key/list?size=100');
    assert.equal(afterList.body.total_count, before.body.total_count);
    const team = await fixture.api.post('/team/new', { model_rpm_limit: { x: 'many' } });
    assert.equal(team.status, 422);
  });
});
