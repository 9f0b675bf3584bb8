/**
 * The database as the `tollgate` command uses it: the embedded SQLite file by default (keys
 * survive a restart), DATABASE_URL or general_settings.database_url, --no-database and
 * `database_url: none`, `tollgate migrate` on SQLite and PostgreSQL, and a clean close on SIGTERM.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { adminClient } from './helpers/admin-client.js';
import { POSTGRES_URL, testDatabases } from './helpers/databases.js';
import { outputOf, runTollgate, startTollgate } from './helpers/run-tollgate.js';
import { cents, spendEntry } from './helpers/spend-entries.js';
import { toSpendRow } from '../src/spend/spend-ledger.js';
import { openDatabase } from '../src/store/open-database.js';
import { createStore } from '../src/store/store.js';

const MASTER = 'sk-cli-db-master';
const CONFIG = `
model_list:
  - model_name: mock-gpt
    litellm_params:
      model: mock/mock-gpt
general_settings:
  master_key: ${MASTER}
`;

const postgres = (await testDatabases()).find((d) => d.name === 'postgres');

const dirs: string[] = [];
function workDir(config = CONFIG): { dir: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-cli-db-'));
  dirs.push(dir);
  const file = join(dir, 'config.yaml');
  writeFileSync(file, config);
  return { dir, config: file };
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('tollgate with its default database', () => {
  it('keeps keys in ./tollgate.db across a restart, and closes it cleanly on SIGTERM', async () => {
    const { dir, config } = workDir();
    const first = await startTollgate(['--config', config], { cwd: dir });
    let key: string;
    try {
      assert.match(first.logs(), /store: applied migration 0001-initial/);
      assert.match(first.logs(), /store: sqlite:\.\/tollgate\.db/);
      const api = adminClient(first.url, MASTER);
      assert.equal((await api.get('/health/readiness')).body.db, 'connected');
      const made = await api.post('/key/generate', { key_alias: 'survivor' });
      assert.equal(made.status, 200);
      key = made.body.key;
      assert.equal((await api.chat('mock-gpt', key)).status, 200);
    } finally {
      assert.equal(await first.stop(), 0);
    }
    assert.ok(existsSync(join(dir, 'tollgate.db')));
    assert.ok(!existsSync(join(dir, 'tollgate.db-wal')), 'the store was closed (WAL checkpointed)');

    const second = await startTollgate(['--config', config], { cwd: dir });
    try {
      assert.doesNotMatch(second.logs(), /applied migration/);
      const api = adminClient(second.url, MASTER);
      assert.equal((await api.chat('mock-gpt', key)).status, 200);
      assert.equal((await api.get(`/key/info?key=${key}`)).body.info.key_alias, 'survivor');
    } finally {
      await second.stop();
    }
  });

  it('DATABASE_URL=sqlite:PATH and general_settings.database_url pick another file', async () => {
    const { dir, config } = workDir();
    const fromEnv = join(dir, 'from-env.db');
    const a = await startTollgate(['--config', config], {
      cwd: dir,
      env: { DATABASE_URL: `sqlite:${fromEnv}` },
    });
    await a.stop();
    assert.ok(existsSync(fromEnv));
    const fromConfig = join(dir, 'from-config.db');
    const other = workDir(`${CONFIG}  database_url: sqlite:${fromConfig}\n`);
    const b = await startTollgate(['--config', other.config], { cwd: other.dir });
    await b.stop();
    assert.ok(existsSync(fromConfig));
    assert.ok(!existsSync(join(dir, 'tollgate.db')) && !existsSync(join(other.dir, 'tollgate.db')));
  });
});

describe('tollgate without a database', () => {
  for (const [name, args, config] of [
    ['--no-database', ['--no-database'], CONFIG],
    ['database_url: none', [], `${CONFIG}  database_url: none\n`],
  ] as const) {
    it(`${name}: the master key works, management routes answer "no db", no file is made`, async () => {
      const { dir, config: file } = workDir(config);
      const gateway = await startTollgate(['--config', file, ...args], { cwd: dir });
      try {
        const api = adminClient(gateway.url, MASTER);
        assert.equal((await api.chat('mock-gpt')).status, 200);
        const generate = await api.post('/key/generate', {});
        assert.equal(generate.status, 500);
        assert.match(generate.body.error.message, /^DB not connected/);
        assert.equal(
          (await api.chat('mock-gpt', 'sk-virtual')).body.error.type,
          'no_db_connection',
        );
        assert.equal((await api.get('/health/readiness')).body.db, 'Not connected');
        assert.match(gateway.logs(), /no database: only the master key works/);
      } finally {
        assert.equal(await gateway.stop(), 0);
      }
      assert.ok(!existsSync(join(dir, 'tollgate.db')));
    });
  }

  it('a database that cannot be opened stops the start with the reason', async () => {
    const { dir, config } = workDir();
    const child = runTollgate(['--config', config], {
      cwd: dir,
      env: { DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none' },
    });
    const { code, out } = await outputOf(child);
    assert.equal(code, 1);
    assert.match(out, /tollgate: cannot open the database: .*ECONNREFUSED/);
  });
});

describe('tollgate migrate', () => {
  it('applies the migrations to a new SQLite file, then finds nothing to do', async () => {
    const { dir, config } = workDir();
    const first = await outputOf(runTollgate(['migrate', '--config', config], { cwd: dir }));
    assert.equal(first.code, 0, first.out);
    assert.equal(
      first.out,
      [
        'database: sqlite:./tollgate.db',
        'applied 0001-initial',
        'applied 0002-key-listing-indexes',
        'applied 0003-models',
        'applied 0004-spend',
        'applied 0005-sessions-invitations',
        'applied 0006-team-list-order',
        'applied 0007-key-model-spend',
        'applied 0008-team-member-windows',
        'applied 0009-budgets',
        'applied 0010-key-budgets',
        'applied 0011-customer-limits',
        'applied 0012-organizations',
        'applied 0013-key-organizations',
        'applied 0014-spend-log-partial-indexes',
        'applied 0015-tags',
        'applied 0016-spend-batches',
        'applied 0017-spend-log-payloads',
        'applied 0018-route-budget-spend',
        'applied 0019-daily-tag-dimensions',
        '19 migration(s) applied; now at 0019-daily-tag-dimensions',
        '',
      ].join('\n'),
    );
    const again = await outputOf(runTollgate(['migrate'], { cwd: dir }));
    assert.equal(again.code, 0);
    assert.match(again.out, /up to date: 19 migration\(s\), latest 0019-daily-tag-dimensions/);
  });

  it('refuses when the configured database is none', async () => {
    const { dir } = workDir();
    const r = await outputOf(runTollgate(['migrate'], { cwd: dir, env: { DATABASE_URL: 'none' } }));
    assert.equal(r.code, 1);
    assert.match(r.out, /there is no database to migrate/);
  });

  it('migrates a PostgreSQL database named by DATABASE_URL', { skip: postgres?.skip }, async () => {
    const schema = `cli_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA ${schema}`);
      const url = new URL(POSTGRES_URL);
      url.searchParams.set('options', `-c search_path=${schema}`);
      const { dir } = workDir();
      const r = await outputOf(
        runTollgate(['migrate'], { cwd: dir, env: { DATABASE_URL: url.toString() } }),
      );
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, /^database: postgresql:\/\//);
      assert.match(r.out, /applied 0002-key-listing-indexes/);
      const tables = await admin.query<{ table_name: string }>(
        'select table_name from information_schema.tables where table_schema = $1 order by 1',
        [schema],
      );
      assert.ok(tables.rows.some((t) => t.table_name === 'keys'));
      assert.ok(tables.rows.some((t) => t.table_name === 'kysely_migration'));
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  });
});

describe('tollgate prune-spend-logs', () => {
  const DAY = 86_400_000;

  /** A SQLite file with spend log rows that started `daysAgo` days ago, `count` of each. */
  async function seeded(dir: string, ages: Record<number, number>): Promise<string> {
    const file = join(dir, 'spend.db');
    const store = createStore(await openDatabase(`sqlite:${file}`));
    try {
      const now = Date.now();
      for (const [daysAgo, count] of Object.entries(ages)) {
        const start = now - Number(daysAgo) * DAY;
        await store.spend.record(
          Array.from({ length: count }, () =>
            toSpendRow(spendEntry({ startTime: start, endTime: start + 500, cost: 0.5 })),
          ),
          now,
        );
      }
    } finally {
      await store.close();
    }
    return file;
  }

  async function counts(file: string): Promise<{ rows: number; dailySpend: number }> {
    const store = createStore(await openDatabase(`sqlite:${file}`));
    try {
      const rows = await store.spend.countLogsBefore('9999-12-31T00:00:00.000Z');
      const reports = await store.spendReports.daily({}, []);
      return { rows, dailySpend: cents(reports.reduce((sum, r) => sum + r.spend, 0)) };
    } finally {
      await store.close();
    }
  }

  it('counts with --dry-run, then deletes the rows older than --older-than; daily totals stay', async () => {
    const { dir } = workDir();
    const file = await seeded(dir, { 120: 3, 95: 2, 10: 4 });
    const env = { DATABASE_URL: `sqlite:${file}` };
    const before = await counts(file);
    assert.equal(before.rows, 9);

    const dry = await outputOf(
      runTollgate(['prune-spend-logs', '--older-than', '90d', '--dry-run'], { cwd: dir, env }),
    );
    assert.equal(dry.code, 0, dry.out);
    assert.match(dry.out, /would delete 5 spend log rows that started before \d{4}-\d\d-\d\dT/);
    assert.equal((await counts(file)).rows, 9, 'a dry run deletes nothing');

    const run = await outputOf(
      runTollgate(['prune-spend-logs', '--older-than', '90d'], { cwd: dir, env }),
    );
    assert.equal(run.code, 0, run.out);
    assert.match(run.out, /deleted 5 spend log rows that started before/);
    const after = await counts(file);
    assert.deepEqual(after, { rows: 4, dailySpend: before.dailySpend });
  });

  it("takes the period from the config's maximum_spend_logs_retention_period", async () => {
    const { dir } = workDir();
    const file = await seeded(dir, { 40: 2, 5: 1 });
    const { config } = workDir(
      `${CONFIG}  database_url: sqlite:${file}\n  maximum_spend_logs_retention_period: 30d\n`,
    );
    const run = await outputOf(runTollgate(['prune-spend-logs', '--config', config], { cwd: dir }));
    assert.equal(run.code, 0, run.out);
    assert.match(run.out, /deleted 2 spend log rows/);
    assert.equal((await counts(file)).rows, 1);
  });

  it('says what to give when no period is known, or one is not a duration', async () => {
    const { dir } = workDir();
    const env = { DATABASE_URL: `sqlite:${join(dir, 'none.db')}` };
    const none = await outputOf(runTollgate(['prune-spend-logs'], { cwd: dir, env }));
    assert.equal(none.code, 1);
    assert.match(none.out, /say how old the rows to delete are: --older-than 90d/);
    const bad = await outputOf(
      runTollgate(['prune-spend-logs', '--older-than', 'soon'], { cwd: dir, env }),
    );
    assert.equal(bad.code, 1);
    assert.match(bad.out, /--older-than "soon" is not a duration/);
    const zero = await outputOf(
      runTollgate(['prune-spend-logs', '--older-than', '0d'], { cwd: dir, env }),
    );
    assert.equal(zero.code, 1);
    assert.match(zero.out, /--older-than must be longer than zero/);
  });
});
