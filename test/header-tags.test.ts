/**
 * Spend tags from headers, as LiteLLM books them: every call's `User-Agent` (which coding tool or
 * SDK spent what), `x-litellm-tags` when the body names no tags, and the headers the operator
 * lists in `litellm_settings.extra_spend_tag_headers` (Open WebUI's user headers).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { callWith, logRowOf } from './helpers/logged-call.js';
import { pricedModel } from './helpers/money-ledger.js';

async function tagsOfCall(
  gateway: TestGateway,
  api: AdminClient,
  headers: Record<string, string>,
  fields: Record<string, unknown> = {},
): Promise<string[]> {
  const call = await callWith(gateway, MASTER_KEY, { headers, fields });
  assert.equal(call.status, 200);
  return (await logRowOf(gateway, api, call.callId))?.request_tags ?? ['(no row)'];
}

const sqlite = (await testDatabases()).find((d) => d.name === 'sqlite');

describe('spend tags from headers', () => {
  let opened: OpenedTestStore;
  let gateway: TestGateway;
  let quiet: TestGateway;
  let api: AdminClient;
  let quietApi: AdminClient;

  before(async () => {
    assert.ok(sqlite);
    opened = await sqlite.open();
    gateway = await startGateway(
      {
        model_list: [pricedModel()],
        general_settings: { master_key: MASTER_KEY },
        litellm_settings: { extra_spend_tag_headers: ['X-OpenWebUI-User-Email', 'x-tenant'] },
      },
      { store: opened.store },
    );
    api = adminClient(gateway.url, MASTER_KEY);
    quiet = await startGateway(
      {
        model_list: [pricedModel()],
        general_settings: { master_key: MASTER_KEY },
        litellm_settings: { disable_add_user_agent_to_request_tags: true },
      },
      { store: opened.store },
    );
    quietApi = adminClient(quiet.url, MASTER_KEY);
  });
  after(async () => {
    await gateway?.close();
    await quiet?.close();
    await opened?.close();
  });

  it('tags every call with its User-Agent', async () => {
    assert.deepEqual(await tagsOfCall(gateway, api, { 'user-agent': 'claude-cli/1.0' }), [
      'User-Agent: claude-cli/1.0',
    ]);
  });

  it('takes x-litellm-tags when the body names none, the body’s when it does', async () => {
    const ua = { 'user-agent': 'sdk/2' };
    assert.deepEqual(
      await tagsOfCall(gateway, api, {
        ...ua,
        'x-litellm-tags': 'team-api, production,,us-east-1 ',
      }),
      ['team-api', 'production', 'us-east-1', 'User-Agent: sdk/2'],
    );
    assert.deepEqual(
      await tagsOfCall(
        gateway,
        api,
        { ...ua, 'x-litellm-tags': 'ignored' },
        { metadata: { tags: ['body'] } },
      ),
      ['body', 'User-Agent: sdk/2'],
    );
  });

  it('adds the operator’s extra_spend_tag_headers as `Header-Name: value`', async () => {
    assert.deepEqual(
      await tagsOfCall(gateway, api, {
        'user-agent': 'owui',
        'x-openwebui-user-email': 'ann@example.com',
        'X-Tenant': 'acme',
      }),
      ['User-Agent: owui', 'X-OpenWebUI-User-Email: ann@example.com', 'x-tenant: acme'],
    );
  });

  it('the tags show in /spend/tags', async () => {
    await tagsOfCall(gateway, api, { 'user-agent': 'report-me/1' });
    const report = await api.get('/spend/tags');
    assert.equal(report.status, 200, JSON.stringify(report.body));
    const tags = (report.body as { individual_request_tag: string }[]).map(
      (r) => r.individual_request_tag,
    );
    assert.ok(tags.includes('User-Agent: report-me/1'), JSON.stringify(tags));
  });

  it('keeps x-litellm-spend-logs-metadata in the log as spend_logs_metadata', async () => {
    const logged = { project: 'alpha', run: 7 };
    const call = await callWith(gateway, MASTER_KEY, {
      headers: { 'x-litellm-spend-logs-metadata': JSON.stringify(logged) },
    });
    assert.equal(call.status, 200);
    const row = await logRowOf(gateway, api, call.callId);
    assert.deepEqual(row?.metadata.spend_logs_metadata, logged);
    // The body's own spend_logs_metadata wins, as in LiteLLM.
    const both = await callWith(gateway, MASTER_KEY, {
      headers: { 'x-litellm-spend-logs-metadata': JSON.stringify(logged) },
      fields: { metadata: { spend_logs_metadata: { from: 'body' } } },
    });
    const bodyRow = await logRowOf(gateway, api, both.callId);
    assert.deepEqual(bodyRow?.metadata.spend_logs_metadata, { from: 'body' });
  });

  it('refuses x-litellm-spend-logs-metadata that is not a JSON object, and books nothing', async () => {
    for (const value of ['{not json', '[1, 2]', '"text"', 'null']) {
      const call = await callWith(gateway, MASTER_KEY, {
        headers: { 'x-litellm-spend-logs-metadata': value },
      });
      assert.equal(call.status, 400, value);
      assert.equal(
        call.body.error?.message,
        'x-litellm-spend-logs-metadata must be a JSON object, e.g. {"project": "alpha"}',
      );
      assert.equal(await logRowOf(gateway, api, call.callId), undefined);
    }
  });

  it('disable_add_user_agent_to_request_tags leaves the User-Agent out', async () => {
    assert.deepEqual(await tagsOfCall(quiet, quietApi, { 'user-agent': 'claude-cli/1.0' }), []);
  });
});
