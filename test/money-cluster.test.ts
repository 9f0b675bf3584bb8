/**
 * Cluster mode, as operators run it: two `tollgate` processes on one PostgreSQL database and one
 * Redis enforce one budget and one rate limit together. Calls are split across both replicas; the
 * budget is never overspent yet used to the end, the key's spend is the sum of its spend log, and
 * an rpm_limit of N lets exactly N calls through across both.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import OpenAI from 'openai';
import { RATE_WINDOW_MS } from '../src/spend/counter-store.js';
import { openDatabase, type StoreDatabase } from '../src/store/open-database.js';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { eventually, TEST_REDIS_URL, uniqueRedisPrefix } from './helpers/cluster.js';
import { testDatabases } from './helpers/databases.js';
import { MASTER_KEY } from './helpers/gateway.js';
import {
  costOf,
  dropRedisPrefix,
  freshPostgresDatabase,
  ledgerOf,
  MESSAGES,
  pricedModel,
  writeConfigFile,
  type FreshDatabase,
} from './helpers/money-ledger.js';
import { startTollgate, type RunningTollgate } from './helpers/run-tollgate.js';
import { cents } from './helpers/spend-entries.js';

const postgres = (await testDatabases()).find((d) => d.name === 'postgres');
assert.ok(postgres);

const CONFIG = {
  model_list: [pricedModel({ mock_latency_ms: 5 })],
  general_settings: { master_key: MASTER_KEY },
};

type Completion = OpenAI.Chat.Completions.ChatCompletion;

describe('two tollgate processes on one PostgreSQL and one Redis', { skip: postgres.skip }, () => {
  let database: FreshDatabase;
  let store: StoreDatabase;
  const replicas: RunningTollgate[] = [];
  const prefix = uniqueRedisPrefix();
  let api: AdminClient;

  before(async () => {
    database = await freshPostgresDatabase();
    // Migrate once before the replicas start, so they do not race to create the tables.
    store = await openDatabase(database.url);
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      TOLLGATE_REDIS_PREFIX: prefix,
    };
    const config = writeConfigFile(CONFIG);
    const started = await Promise.allSettled(
      [0, 1].map(() => startTollgate(['--config', config], { env })),
    );
    // A replica that did start is stopped by after() even when the other did not.
    for (const s of started) if (s.status === 'fulfilled') replicas.push(s.value);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    api = adminClient(replicas[0]!.url, MASTER_KEY);
  });
  after(async () => {
    for (const replica of replicas) await replica.stop();
    await store?.close();
    await database?.drop();
    await dropRedisPrefix(TEST_REDIS_URL, prefix);
  });

  /** An SDK client of replica `i` (calls are dealt to the replicas in turn). */
  const sdk = (i: number, key: string) =>
    new OpenAI({
      apiKey: key,
      baseURL: `${replicas[i % replicas.length]!.url}/v1`,
      maxRetries: 0,
    });

  async function newKey(body: Record<string, unknown>): Promise<string> {
    const generated = await api.post('/key/generate', body);
    assert.equal(generated.status, 200, JSON.stringify(generated.body));
    return generated.body.key as string;
  }

  it('share one budget: 200 concurrent calls over both never overspend it and use at least 90%', async () => {
    const probe = await sdk(0, MASTER_KEY).chat.completions.create({
      model: 'priced',
      messages: MESSAGES,
      max_tokens: 20,
    });
    assert.ok(probe.usage);
    const budget = costOf(probe.usage) * 20;
    const user = await api.post('/user/new', { user_id: 'cluster-user', auto_create_key: false });
    assert.equal(user.status, 200, JSON.stringify(user.body));
    const key = await newKey({ user_id: 'cluster-user', max_budget: budget });

    const outcomes = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) =>
        sdk(i, key).chat.completions.create({
          model: 'priced',
          messages: MESSAGES,
          max_tokens: 20,
        }),
      ),
    );
    const served = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    for (const o of outcomes) {
      if (o.status === 'rejected') {
        const error = o.reason as InstanceType<typeof OpenAI.APIError>;
        assert.equal(error.status, 429, String(error));
        assert.match(error.message, /Budget has been exceeded!/);
      }
    }
    const servedBy = [0, 1].map(
      (r) => outcomes.filter((o, i) => i % 2 === r && o.status === 'fulfilled').length,
    );
    assert.ok(
      servedBy.every((n) => n > 0),
      `both replicas serve: ${servedBy.join(' + ')}`,
    );

    // Both ledgers have written everything once the log holds a row per call served.
    assert.ok(
      await eventually(async () => (await ledgerOf(store, key)).rows.length >= served.length),
      'the spend of every call served reaches the database',
    );
    const ledger = await ledgerOf(store, key);
    assert.equal(ledger.rows.length, served.length);
    assert.ok(ledger.keySpend <= budget + 1e-9, `spend ${ledger.keySpend} over budget ${budget}`);
    assert.ok(ledger.keySpend >= budget * 0.9, `spend ${ledger.keySpend} under 90% of ${budget}`);
    assert.equal(cents(ledger.keySpend), ledger.logSpend, 'key spend = sum of its spend log');
    assert.equal(cents(ledger.userSpend ?? NaN), ledger.logSpend, 'user spend = sum of the log');
    const charged = served.reduce((sum, c: Completion) => sum + costOf(c.usage!), 0);
    assert.equal(ledger.logSpend, cents(charged), 'the log = what the calls served cost');
  });

  it("share one key's model_max_budget: concurrent calls over both never overspend the model's budget", async () => {
    const probe = await sdk(0, MASTER_KEY).chat.completions.create({
      model: 'priced',
      messages: MESSAGES,
      max_tokens: 20,
    });
    assert.ok(probe.usage);
    const budget = costOf(probe.usage) * 20;
    const generated = await api.post('/key/generate', {
      model_max_budget: { priced: { budget_limit: budget, time_period: '1d' } },
    });
    assert.equal(generated.status, 200, JSON.stringify(generated.body));
    const key = generated.body.key as string;
    const token = generated.body.token as string;

    const outcomes = await Promise.allSettled(
      Array.from({ length: 100 }, (_, i) =>
        sdk(i, key).chat.completions.create({
          model: 'priced',
          messages: MESSAGES,
          max_tokens: 20,
        }),
      ),
    );
    const served = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    for (const o of outcomes) {
      if (o.status === 'rejected') {
        assert.match(String(o.reason), /exceeded budget for model=priced/);
      }
    }
    const charged = served.reduce((sum, c: Completion) => sum + costOf(c.usage!), 0);
    assert.ok(charged <= budget + 1e-9, `served ${charged} over the model budget ${budget}`);
    assert.ok(charged >= budget * 0.9, `served ${charged} under 90% of ${budget}`);
    const stored = async () =>
      Number(
        (
          await store.db
            .selectFrom('key_model_spend')
            .select('spend')
            .where('token', '=', token)
            .executeTakeFirst()
        )?.spend ?? 0,
      );
    assert.ok(
      await eventually(async () => cents(await stored()) === cents(charged)),
      'both replicas book the model spend once',
    );
  });

  it("share one organization's budget: its two teams' keys over both replicas never overspend it", async () => {
    const probe = await sdk(0, MASTER_KEY).chat.completions.create({
      model: 'priced',
      messages: MESSAGES,
      max_tokens: 20,
    });
    const budget = costOf(probe.usage!) * 20;
    const org = await api.post('/organization/new', {
      organization_id: 'cluster-org',
      organization_alias: 'cluster-org',
      max_budget: budget,
    });
    assert.equal(org.status, 200, JSON.stringify(org.body));
    const keys: string[] = [];
    for (const team of ['cluster-org-a', 'cluster-org-b']) {
      const made = await api.post('/team/new', { team_id: team, organization_id: 'cluster-org' });
      assert.equal(made.status, 200, JSON.stringify(made.body));
      keys.push(await newKey({ team_id: team }));
    }
    const outcomes = await Promise.allSettled(
      Array.from({ length: 100 }, (_, i) =>
        sdk(i, keys[Math.floor(i / 2) % 2]!).chat.completions.create({
          model: 'priced',
          messages: MESSAGES,
          max_tokens: 20,
        }),
      ),
    );
    const served = outcomes.filter((o) => o.status === 'fulfilled').length;
    for (const o of outcomes) {
      if (o.status === 'rejected') {
        const error = o.reason as InstanceType<typeof OpenAI.APIError>;
        assert.equal(error.status, 429, String(error));
        assert.match(error.message, /Budget has been exceeded! Organization=cluster-org/);
      }
    }
    const logged = async () => {
      const rows = await Promise.all(keys.map((k) => ledgerOf(store, k)));
      return rows.reduce((sum, l) => sum + l.rows.length, 0);
    };
    assert.ok(await eventually(async () => (await logged()) >= served), 'every call is booked');
    const info = await api.get('/organization/info?organization_id=cluster-org');
    const spend = info.body.spend as number;
    assert.ok(spend <= budget + 1e-9, `organization spend ${spend} over budget ${budget}`);
    assert.ok(spend >= budget * 0.9, `organization spend ${spend} under 90% of ${budget}`);
    const ledgers = await Promise.all(keys.map((k) => ledgerOf(store, k)));
    assert.equal(
      cents(spend),
      cents(ledgers.reduce((sum, l) => sum + l.logSpend, 0)),
      'organization spend = the sum of its teams keys spend logs',
    );
  });

  it('share one rpm_limit: exactly N calls succeed across both replicas in a window', async () => {
    const limit = 12;
    const key = await newKey({ rpm_limit: limit });
    await awayFromWindowEdge();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 60 }, (_, i) =>
        sdk(i, key).chat.completions.create({ model: 'priced', messages: MESSAGES }),
      ),
    );
    const served = outcomes.filter((o) => o.status === 'fulfilled').length;
    for (const o of outcomes) {
      if (o.status === 'rejected') {
        const error = o.reason as InstanceType<typeof OpenAI.APIError>;
        assert.equal(error.status, 429, String(error));
        assert.match(error.message, /Rate limit exceeded for api_key/);
      }
    }
    assert.equal(served, limit);
  });
});

/**
 * Rate windows are fixed minutes: a burst that straddled a boundary would rightly get two
 * windows' worth. Starting the burst in the first 50 s of a minute keeps it in one.
 */
async function awayFromWindowEdge(): Promise<void> {
  const intoWindow = Date.now() % RATE_WINDOW_MS;
  if (intoWindow > RATE_WINDOW_MS - 10_000) await sleep(RATE_WINDOW_MS - intoWindow + 50);
}
