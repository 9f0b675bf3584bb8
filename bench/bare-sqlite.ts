// A duty for the bare proxy (bench/bare-proxy.ts --duty): durable booking at its least. After each
// answer one spend-log row, shaped like the gateway's, is queued in memory; every 500 ms (or once
// 500 are queued) the queue is written in one transaction through one prepared INSERT into a
// SQLite file in WAL mode whose spend_logs table has the gateway's columns and indexes.
import { randomFillSync } from 'node:crypto';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { v7 } from 'uuid';
import type { Call, Duty, Usage } from './bare-proxy.js';

const FLUSH_MS = 500;
const FLUSH_ROWS = 500;
/** The bench model's prices in the gateway's bench config (USD per token). */
const INPUT_COST = 0.000001;
const OUTPUT_COST = 0.000002;

/** The gateway's spend_logs table and indexes (store migration 0004-spend), as SQLite has them. */
const SCHEMA = `
CREATE TABLE "spend_logs" (
  "request_id" text primary key,
  "call_type" text not null,
  "api_key" text default '' not null,
  "spend" double precision default 0 not null,
  "total_tokens" bigint default 0 not null,
  "prompt_tokens" bigint default 0 not null,
  "completion_tokens" bigint default 0 not null,
  "startTime" text not null,
  "endTime" text not null,
  "request_duration_ms" bigint,
  "model" text default '' not null,
  "model_id" text,
  "model_group" text,
  "custom_llm_provider" text,
  "api_base" text,
  "user" text default '' not null,
  "team_id" text,
  "end_user" text default '' not null,
  "request_tags" text default '[]' not null,
  "metadata" text default '{}' not null,
  "cache_hit" text default 'False' not null,
  "cache_key" text default '' not null,
  "status" text default 'success' not null
);
CREATE INDEX "spend_logs_api_key_start" on "spend_logs" ("api_key", "startTime");
CREATE INDEX "spend_logs_user_start" on "spend_logs" ("user", "startTime");
CREATE INDEX "spend_logs_team_id_start" on "spend_logs" ("team_id", "startTime");
CREATE INDEX "spend_logs_end_user_start" on "spend_logs" ("end_user", "startTime");
CREATE INDEX "spend_logs_start" on "spend_logs" ("startTime");
`;

/** The columns in the order `rowOf` gives their values. */
const COLUMNS = [
  'request_id',
  'call_type',
  'api_key',
  'spend',
  'total_tokens',
  'prompt_tokens',
  'completion_tokens',
  'startTime',
  'endTime',
  'request_duration_ms',
  'model',
  'model_id',
  'model_group',
  'custom_llm_provider',
  'api_base',
  'user',
  'team_id',
  'end_user',
  'request_tags',
  'metadata',
  'cache_hit',
  'cache_key',
  'status',
];
const INSERT =
  `INSERT INTO spend_logs (${COLUMNS.map((c) => `"${c}"`).join(', ')}) ` +
  `VALUES (${COLUMNS.map(() => '?').join(', ')})`;

const ID_BYTES = 16;
const randomPool = new Uint8Array(ID_BYTES * 256);
let randomOffset = randomPool.length;

/** A UUIDv7, like the gateway's call ids. Its random bits come from a pool refilled 256 ids at a
 * time, as the gateway's do: uuid's plain v7() asks the OS for 16 bytes per id (~5 µs). */
function newRequestId(): string {
  if (randomOffset === randomPool.length) {
    randomFillSync(randomPool);
    randomOffset = 0;
  }
  const random = randomPool.subarray(randomOffset, randomOffset + ID_BYTES);
  randomOffset += ID_BYTES;
  return v7({ random });
}

/** The gateway's metadata of a call made with a key that has no alias, user, team or customer. */
function metadataOf(keyHash: string): string {
  return JSON.stringify({
    user_api_key: keyHash,
    user_api_key_alias: null,
    user_api_key_user_id: null,
    user_api_key_team_id: null,
    user_api_key_end_user_id: null,
  });
}

function rowOf(call: Call, status: number, usage: Usage | undefined, apiBase: string): unknown[] {
  const endMs = Date.now();
  const prompt = usage?.prompt_tokens ?? 0;
  const completion = usage?.completion_tokens ?? 0;
  return [
    newRequestId(),
    call.path.endsWith('/embeddings') ? 'aembedding' : 'acompletion',
    call.keyHash,
    prompt * INPUT_COST + completion * OUTPUT_COST,
    usage?.total_tokens ?? prompt + completion,
    prompt,
    completion,
    new Date(call.startMs).toISOString(),
    new Date(endMs).toISOString(),
    endMs - call.startMs,
    call.model,
    // A deployment id of the gateway's shape (32 hex digits).
    '40e159948cec98a6f5ff6b1bdc7ae362',
    call.model,
    'openai',
    apiBase,
    '',
    null,
    '',
    '[]',
    metadataOf(call.keyHash),
    'False',
    '',
    status === 200 ? 'success' : 'failure',
  ];
}

/** Arguments: `--file <new SQLite file> --api-base <the upstream's /v1 URL, for the rows>`. */
export function start(args: string[]): Promise<Duty> {
  const { values } = parseArgs({
    args,
    options: { file: { type: 'string' }, 'api-base': { type: 'string', default: '' } },
  });
  if (values.file === undefined) throw new Error('bare-sqlite: --file is required');
  const db = new Database(values.file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(SCHEMA);
  const insert = db.prepare(INSERT);
  const writeAll = db.transaction((rows: unknown[][]) => {
    for (const row of rows) insert.run(row);
  });
  const queue: unknown[][] = [];
  const flush = (): void => {
    if (queue.length > 0) writeAll(queue.splice(0));
  };
  const timer = setInterval(flush, FLUSH_MS);
  const apiBase = values['api-base'];
  return Promise.resolve({
    book: (call: Call, status: number, usage: Usage | undefined) => {
      queue.push(rowOf(call, status, usage, apiBase));
      if (queue.length >= FLUSH_ROWS) flush();
    },
    close: () => {
      clearInterval(timer);
      flush();
      db.close();
      return Promise.resolve();
    },
  });
}
