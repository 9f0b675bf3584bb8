import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { migrateToLatest, migrateUpTo } from '../migrate.js';
import { openDatabase } from '../open-database.js';

describe('migration 0019: per-tag daily totals by key, model and provider', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-0019-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the totals written before, under empty dimensions, and sums them back going down', async () => {
    const opened = await openDatabase(`sqlite:${join(dir, 'old.db')}`, { migrate: false });
    try {
      await migrateUpTo(opened.db, '0018-route-budget-spend');
      await sql`insert into daily_tag_spend (date, tag, spend, api_requests, successful_requests) values ('2026-11-01', 'team:a', 1.5, 3, 3), ('2026-11-02', 'team:a', 0.5, 1, 1)`.execute(
        opened.db,
      );
      await migrateToLatest(opened.db);
      const rows = await sql<
        Record<string, unknown>
      >`select date, tag, api_key, model, custom_llm_provider, spend, api_requests from daily_tag_spend order by date`.execute(
        opened.db,
      );
      assert.deepEqual(
        rows.rows.map((r) => ({
          ...r,
          spend: Number(r.spend),
          api_requests: Number(r.api_requests),
        })),
        [
          {
            date: '2026-11-01',
            tag: 'team:a',
            api_key: '',
            model: '',
            custom_llm_provider: '',
            spend: 1.5,
            api_requests: 3,
          },
          {
            date: '2026-11-02',
            tag: 'team:a',
            api_key: '',
            model: '',
            custom_llm_provider: '',
            spend: 0.5,
            api_requests: 1,
          },
        ],
      );
      // Down again: one row per day and tag, with the totals summed.
      await sql`insert into daily_tag_spend (date, tag, api_key, model, spend, api_requests) values ('2026-11-01', 'team:a', 'k1', 'm1', 2, 1)`.execute(
        opened.db,
      );
      await migrateUpTo(opened.db, '0018-route-budget-spend');
      const down = await sql<
        Record<string, unknown>
      >`select date, tag, spend, api_requests from daily_tag_spend order by date`.execute(
        opened.db,
      );
      assert.deepEqual(
        down.rows.map((r) => [r.date, r.tag, Number(r.spend), Number(r.api_requests)]),
        [
          ['2026-11-01', 'team:a', 3.5, 4],
          ['2026-11-02', 'team:a', 0.5, 1],
        ],
      );
    } finally {
      await opened.close();
    }
  });
});
