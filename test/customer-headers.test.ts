/**
 * The customer (end user) of a call named where LiteLLM looks for it: its two standard headers,
 * the headers the operator names (Open WebUI's user headers), and four body fields. Whoever is
 * named is booked, held to their budget and refused when blocked, whatever names them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { callWith, logRowOf } from './helpers/logged-call.js';
import { pricedModel } from './helpers/money-ledger.js';

const CONFIG = {
  model_list: [pricedModel()],
  general_settings: {
    master_key: MASTER_KEY,
    user_header_mappings: [
      { header_name: 'X-OpenWebUI-User-Id', litellm_user_role: 'internal_user' },
      { header_name: 'X-OpenWebUI-User-Email', litellm_user_role: 'customer' },
    ],
    user_header_name: 'X-Legacy-Customer',
  },
};

for (const database of await testDatabases()) {
  describe(
    `customers named by headers and body fields on ${database.name}`,
    {
      skip: database.skip,
    },
    () => {
      let opened: OpenedTestStore;
      let gateway: TestGateway;
      let api: AdminClient;
      let key: string;

      before(async () => {
        opened = await database.open();
        gateway = await startGateway(CONFIG, { store: opened.store });
        api = adminClient(gateway.url, MASTER_KEY);
        key = (await api.post('/key/generate', {})).body.key as string;
      });
      after(async () => {
        await gateway?.close();
        await opened?.close();
      });

      const call = (
        headers: Record<string, string>,
        fields: Record<string, unknown> = {},
        path?: string,
      ) => callWith(gateway, key, { headers, fields, path });

      /** The customer the call was booked to, from the spend log. */
      const bookedTo = async (callId: string) =>
        (await logRowOf(gateway, api, callId))?.end_user ?? '(no row)';

      const cases: [string, Record<string, string>, Record<string, unknown>, string][] = [
        ['x-litellm-customer-id', { 'x-litellm-customer-id': 'cust-a' }, {}, 'cust-a'],
        ['x-litellm-end-user-id', { 'x-litellm-end-user-id': 'cust-b' }, {}, 'cust-b'],
        [
          'a user_header_mappings customer header',
          { 'X-OpenWebUI-User-Email': 'ann@example.com' },
          {},
          'ann@example.com',
        ],
        ['user_header_name', { 'X-Legacy-Customer': 'legacy-1' }, {}, 'legacy-1'],
        ['the body’s user', {}, { user: 'body-user' }, 'body-user'],
        ['litellm_metadata.user', {}, { litellm_metadata: { user: 'meta-user' } }, 'meta-user'],
        ['metadata.user_id', {}, { metadata: { user_id: 'meta-id' } }, 'meta-id'],
        ['safety_identifier', {}, { safety_identifier: 'safe-1' }, 'safe-1'],
        [
          'the standard header over the configured one and the body',
          { 'x-litellm-customer-id': 'first', 'X-OpenWebUI-User-Email': 'second@example.com' },
          { user: 'third' },
          'first',
        ],
        [
          'a configured header over the body',
          { 'X-OpenWebUI-User-Email': 'hdr@example.com' },
          { user: 'body-loses' },
          'hdr@example.com',
        ],
        [
          'the body’s user over its metadata',
          {},
          { user: 'u1', metadata: { user_id: 'm1' }, safety_identifier: 's1' },
          'u1',
        ],
        [
          'no customer: an internal_user mapping names none',
          { 'X-OpenWebUI-User-Id': 'u-9' },
          {},
          '',
        ],
      ];
      for (const [what, headers, fields, expected] of cases) {
        it(`books the call to ${what}`, async () => {
          const reply = await call(headers, fields);
          assert.equal(reply.status, 200, JSON.stringify(reply.body));
          assert.equal(await bookedTo(reply.callId), expected);
        });
      }

      it('the customer a header names shows its spend in /customer/info', async () => {
        const before = await api.get('/customer/info?end_user_id=owui@example.com');
        const start = before.status === 200 ? (before.body.spend as number) : 0;
        assert.equal((await call({ 'X-OpenWebUI-User-Email': 'owui@example.com' })).status, 200);
        await gateway.app.ledger?.flush();
        const info = await api.get('/customer/info?end_user_id=owui@example.com');
        assert.equal(info.status, 200, JSON.stringify(info.body));
        assert.ok((info.body.spend as number) > start);
      });

      it('a customer named by a header is refused when blocked, by any route', async () => {
        assert.equal((await api.post('/customer/new', { user_id: 'blocked-1' })).status, 200);
        assert.equal((await api.post('/customer/block', { user_ids: ['blocked-1'] })).status, 200);
        for (const headers of <Record<string, string>[]>[
          { 'x-litellm-customer-id': 'blocked-1' },
          { 'x-litellm-end-user-id': 'blocked-1' },
          { 'X-OpenWebUI-User-Email': 'blocked-1' },
        ]) {
          const reply = await call(headers);
          assert.equal(reply.status, 400, JSON.stringify(headers));
          assert.equal(
            reply.body.error?.message,
            'User blocked from making LLM API Calls. User=blocked-1',
          );
        }
        const messages = await call(
          { 'x-litellm-customer-id': 'blocked-1' },
          { max_tokens: 10 },
          '/v1/messages',
        );
        assert.equal(messages.status, 400);
      });

      it('a customer named by a header is held to its budget', async () => {
        const made = await api.post('/customer/new', { user_id: 'broke-1', max_budget: 0 });
        assert.equal(made.status, 200, JSON.stringify(made.body));
        const reply = await call({ 'x-litellm-end-user-id': 'broke-1' });
        assert.equal(reply.status, 429, JSON.stringify(reply.body));
        assert.match(reply.body.error?.message ?? '', /End User=broke-1 over budget/);
      });
    },
  );
}
