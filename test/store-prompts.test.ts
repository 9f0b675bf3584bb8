/**
 * `general_settings.store_prompts_in_spend_logs` (LiteLLM's setting): each call's request and
 * answer are kept with its spend log row and come back in `/spend/logs` as LiteLLM's `messages`
 * and `response`; streams keep the text they streamed; a very long request is kept cut, still as
 * JSON; retention deletes them with their rows. Off by default. On SQLite and PostgreSQL, with
 * the official OpenAI SDK as the client.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { toSpendRow } from '../src/spend/spend-ledger.js';
import { SpendLogRetention } from '../src/spend/spend-log-retention.js';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { pricedModel } from './helpers/priced-models.js';
import { spendEntry } from './helpers/spend-entries.js';

const DAY_MS = 86_400_000;

interface LogRow {
  request_id: string;
  messages: unknown;
  response: { choices?: { message?: { content?: string } }[]; usage?: unknown } | string;
}

for (const database of await testDatabases()) {
  describe(`store_prompts_in_spend_logs on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;
    let gateway: TestGateway;
    let api: AdminClient;
    let sdk: OpenAI;

    before(async () => {
      opened = await database.open();
      gateway = await startGateway(
        {
          model_list: [
            pricedModel('gpt-4'),
            { model_name: 'embedder', litellm_params: { model: 'mock/embedder' } },
          ],
          general_settings: { master_key: MASTER_KEY, store_prompts_in_spend_logs: true },
        },
        { store: opened.store },
      );
      api = adminClient(gateway.url, MASTER_KEY);
      sdk = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    });
    after(async () => {
      await gateway?.close();
      await opened?.close();
    });

    async function logOf(callId: string | null): Promise<LogRow> {
      await gateway.app.ledger?.flush();
      const r = await api.get(`/spend/logs?request_id=${callId}`);
      assert.equal(r.status, 200);
      const rows = r.body as LogRow[];
      assert.equal(rows.length, 1);
      return rows[0]!;
    }

    it('keeps the messages and the answer of a chat call', async () => {
      const messages = [
        { role: 'system' as const, content: 'You answer in one line.' },
        { role: 'user' as const, content: 'What is the capital of France?' },
      ];
      const { data, response } = await sdk.chat.completions
        .create({ model: 'gpt-4', messages })
        .withResponse();
      const row = await logOf(response.headers.get('x-litellm-call-id'));
      assert.deepEqual(row.messages, messages);
      assert.ok(typeof row.response === 'object');
      assert.equal(row.response.choices?.[0]?.message?.content, data.choices[0]?.message.content);
      assert.deepEqual(row.response.usage, JSON.parse(JSON.stringify(data.usage)));
    });

    it('keeps the text a stream sent', async () => {
      const { data: stream, response } = await sdk.chat.completions
        .create({
          model: 'gpt-4',
          messages: [{ role: 'user', content: 'tell me a story' }],
          stream: true,
        })
        .withResponse();
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      assert.ok(text.length > 0);
      const row = await logOf(response.headers.get('x-litellm-call-id'));
      assert.ok(typeof row.response === 'object');
      assert.equal(row.response.choices?.[0]?.message?.content, text);
    });

    it('keeps the input of an embedding call', async () => {
      const { response } = await sdk.embeddings
        .create({ model: 'embedder', input: ['alpha', 'beta'] })
        .withResponse();
      const row = await logOf(response.headers.get('x-litellm-call-id'));
      assert.deepEqual(row.messages, ['alpha', 'beta']);
    });

    it('keeps the beginning of a very long request, still as JSON, saying how long it was', async () => {
      const long = 'lorem ipsum '.repeat(10_000);
      const { response } = await sdk.chat.completions
        .create({ model: 'gpt-4', messages: [{ role: 'user', content: long }] })
        .withResponse();
      const row = await logOf(response.headers.get('x-litellm-call-id'));
      assert.equal(typeof row.messages, 'string');
      const kept = row.messages as string;
      assert.ok(kept.length < 70 * 1024, `kept ${kept.length} characters`);
      assert.match(kept, /^\[\{"role":"user","content":"lorem ipsum lorem/);
      assert.match(kept, /… \[\d+ characters in all\]$/);
    });

    it('deletes the kept requests and answers with their rows when they are old', async () => {
      const now = Date.now();
      const old = now - 40 * DAY_MS;
      const entry = spendEntry({
        startTime: old,
        endTime: old + 100,
        payload: { messages: [{ role: 'user', content: 'an old question' }], response: '{}' },
      });
      await opened.store.spend.record([toSpendRow(entry)], now);
      const kept = () =>
        opened.database.db
          .selectFrom('spend_log_payloads')
          .select('request_id')
          .where('request_id', '=', entry.requestId)
          .execute();
      assert.equal((await kept()).length, 1);
      const job = new SpendLogRetention({
        store: opened.store.spend,
        settings: {
          logs: { period: { amount: 30, unit: 'd' }, text: '30d' },
          intervalMs: DAY_MS,
          maxBatches: 10,
        },
        logger: { info() {}, warn() {}, error() {} },
        pauseMs: 0,
      });
      await job.run();
      assert.equal((await kept()).length, 0);
    });
  });
}

describe('without store_prompts_in_spend_logs', () => {
  it('keeps no request or answer: messages and response are {} as in LiteLLM', async () => {
    const [sqlite] = await testDatabases();
    const opened = await sqlite!.open();
    const gateway = await startGateway(
      { model_list: [pricedModel('gpt-4')], general_settings: { master_key: MASTER_KEY } },
      { store: opened.store },
    );
    try {
      const sdk = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
      const { response } = await sdk.chat.completions
        .create({ model: 'gpt-4', messages: [{ role: 'user', content: 'a private question' }] })
        .withResponse();
      await gateway.app.ledger?.flush();
      const api = adminClient(gateway.url, MASTER_KEY);
      const r = await api.get(
        `/spend/logs?request_id=${response.headers.get('x-litellm-call-id')}`,
      );
      const [row] = r.body as LogRow[];
      assert.deepEqual(row?.messages, {});
      assert.deepEqual(row?.response, {});
      const stored = await opened.database.db
        .selectFrom('spend_log_payloads')
        .selectAll()
        .execute();
      assert.deepEqual(stored, []);
    } finally {
      await gateway.close();
      await opened.close();
    }
  });
});
