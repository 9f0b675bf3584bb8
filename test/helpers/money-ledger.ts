/**
 * What the process-level money tests share: a priced mock model, the cost of a call from its
 * usage, a config file for the `tollgate` command, a PostgreSQL database of the test's own on the
 * shared server, cleanup of a Redis prefix, and what the database holds for one key afterwards.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { hashKey } from '../../src/auth/authenticate.js';
import type { StoreDatabase } from '../../src/store/open-database.js';
import { adminClient, type AdminClient } from './admin-client.js';
import { POSTGRES_URL, testDatabases } from './databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './gateway.js';
import { cents } from './spend-entries.js';

export const INPUT_PRICE = 0.0001;
export const OUTPUT_PRICE = 0.0002;

/** The model every money test calls: the built-in mock, priced per token in the config. */
export function pricedModel(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model_name: 'priced',
    litellm_params: {
      model: 'mock/priced',
      input_cost_per_token: INPUT_PRICE,
      output_cost_per_token: OUTPUT_PRICE,
      ...extra,
    },
  };
}

export const MESSAGES = [{ role: 'user' as const, content: 'What is the price of a cup of tea?' }];

export function costOf(usage: { prompt_tokens: number; completion_tokens: number }): number {
  return usage.prompt_tokens * INPUT_PRICE + usage.completion_tokens * OUTPUT_PRICE;
}

/** A config.yaml for the command (JSON is YAML); its path. */
export function writeConfigFile(config: Record<string, unknown>): string {
  const path = join(mkdtempSync(join(tmpdir(), 'tollgate-money-')), 'config.yaml');
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

export interface FreshDatabase {
  /** A `postgresql://` URL the command can be given as DATABASE_URL. */
  url: string;
  drop(): Promise<void>;
}

/**
 * A new, empty database on the shared test server: processes started with DATABASE_URL use its
 * default schema, so a database per run (not a schema) keeps runs apart.
 */
export async function freshPostgresDatabase(): Promise<FreshDatabase> {
  const name = `tollgate_${randomBytes(6).toString('hex')}`;
  await onServer(`CREATE DATABASE ${name}`);
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function onServer(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Deletes every Redis key under `prefix` (rate windows and budgets a test run left behind). */
export async function dropRedisPrefix(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export interface KeyLedger {
  /** The key's running spend, as `/key/info` shows it. */
  keySpend: number;
  /** The spend of the key's user, when it has one. */
  userSpend: number | undefined;
  /** The key's spend log rows. */
  rows: { requestId: string; spend: number }[];
  /** Their sum, rounded like the totals. */
  logSpend: number;
}

/** What the database holds for the key `key` (the secret; its hash is looked up). */
export async function ledgerOf(database: StoreDatabase, key: string): Promise<KeyLedger> {
  const { db } = database;
  const token = hashKey(key);
  const stored = await db
    .selectFrom('keys')
    .select(['spend', 'user_id'])
    .where('token', '=', token)
    .executeTakeFirstOrThrow();
  const user =
    stored.user_id === null || stored.user_id === undefined
      ? undefined
      : await db
          .selectFrom('users')
          .select('spend')
          .where('user_id', '=', stored.user_id)
          .executeTakeFirst();
  const rows = await db
    .selectFrom('spend_logs')
    .select(['request_id', 'spend'])
    .where('api_key', '=', token)
    .execute();
  return {
    keySpend: Number(stored.spend),
    userSpend: user === undefined ? undefined : Number(user.spend),
    rows: rows.map((r) => ({ requestId: r.request_id, spend: Number(r.spend) })),
    logSpend: cents(rows.reduce((sum, r) => sum + Number(r.spend), 0)),
  };
}

/** A gateway on a fresh SQLite store with one priced OpenAI-compatible model in front of `upstreamUrl`. */
export interface PricedGateway {
  gateway: TestGateway;
  api: AdminClient;
  /** The key's booked spend, after the ledger has written what it holds. */
  spendOf(key: string): Promise<number>;
  close(): Promise<void>;
}

export async function startPricedGateway(
  model: string,
  upstreamUrl: string,
  prices: { input: number; output: number },
): Promise<PricedGateway> {
  const sqlite = (await testDatabases()).find((d) => d.name === 'sqlite');
  if (!sqlite) throw new Error('no SQLite test database');
  const opened = await sqlite.open();
  const gateway = await startGateway(
    {
      model_list: [
        {
          model_name: model,
          litellm_params: {
            model: `openai/${model}`,
            api_base: `${upstreamUrl}/v1`,
            api_key: 'sk-up',
            input_cost_per_token: prices.input,
            output_cost_per_token: prices.output,
          },
        },
      ],
      general_settings: { master_key: MASTER_KEY },
    },
    { store: opened.store },
  );
  const api = adminClient(gateway.url, MASTER_KEY);
  return {
    gateway,
    api,
    spendOf: async (key) => {
      await gateway.app.ledger?.flush();
      return (await api.get(`/key/info?key=${key}`)).body.info.spend as number;
    },
    close: async () => {
      await gateway.close();
      await opened.close();
    },
  };
}
