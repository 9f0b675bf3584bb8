import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LoadedTag } from '../store/tag-repository.js';
import { StoredTags } from './stored-tags.js';

function tag(name: string, maxBudget: number): LoadedTag {
  return {
    tag_name: name,
    description: null,
    models: [],
    budget_id: `b-${name}`,
    spend: 0,
    budget_reset_at: null,
    created_at: '2026-01-01T00:00:00.000Z',
    created_by: 'admin',
    updated_at: '2026-01-01T00:00:00.000Z',
    updated_by: 'admin',
    budget: {
      budget_id: `b-${name}`,
      max_budget: maxBudget,
      soft_budget: null,
      max_parallel_requests: null,
      tpm_limit: null,
      rpm_limit: null,
      model_max_budget: {},
      budget_duration: null,
      budget_reset_at: null,
      created_at: '2026-01-01T00:00:00.000Z',
      created_by: 'admin',
      updated_at: '2026-01-01T00:00:00.000Z',
      updated_by: 'admin',
    },
  };
}

/** A table whose reads resolve when the test says so. */
function slowTable() {
  let rows: LoadedTag[] = [];
  const pending: (() => void)[] = [];
  let reads = 0;
  let failing = false;
  return {
    set: (next: LoadedTag[]) => (rows = next),
    fail: (on: boolean) => (failing = on),
    release: () => pending.splice(0).forEach((go) => go()),
    get reads() {
      return reads;
    },
    loadAll: () => {
      reads++;
      const snapshot = rows;
      const fails = failing;
      return new Promise<LoadedTag[]>((resolve, reject) => {
        pending.push(() => (fails ? reject(new Error('database down')) : resolve(snapshot)));
      });
    },
  };
}

const tick = () => new Promise((r) => setImmediate(r));

/** Lets the table answer every read until `promise` settles. */
async function finish(table: ReturnType<typeof slowTable>, promise: Promise<unknown>) {
  let done = false;
  void promise.finally(() => (done = true));
  while (!done) {
    table.release();
    await tick();
  }
}

describe('StoredTags', () => {
  it('is inactive while no tag is stored, and answers by name once read', async () => {
    const table = slowTable();
    const tags = new StoredTags(table);
    assert.equal(tags.active, false);
    table.set([tag('eng', 5)]);
    await finish(table, tags.refresh());
    assert.equal(tags.active, true);
    assert.equal(tags.get('eng')?.budget?.max_budget, 5);
    assert.equal(tags.get('sales'), undefined);
  });

  it('answers a change only once a read begun after it has finished', async () => {
    const table = slowTable();
    const tags = new StoredTags(table);
    table.set([tag('eng', 5)]);
    const first = tags.refresh();
    // The change lands while the first read (which saw the old rows) is under way.
    table.set([tag('eng', 50)]);
    let changed = false;
    const seen = tags.tagsChanged(['eng']).then(() => (changed = true));
    table.release();
    await first;
    await tick();
    assert.equal(changed, false, 'not answered by the read that began before the change');
    table.release();
    await seen;
    assert.equal(tags.get('eng')?.budget?.max_budget, 50);
    assert.equal(table.reads, 2);
  });

  it('keeps the last answer while the database cannot be read, and reads again a period later', async () => {
    let now = 0;
    const table = slowTable();
    const tags = new StoredTags(table, { ttlMs: 1000, now: () => now });
    table.set([tag('eng', 5)]);
    await finish(table, tags.refresh());
    table.fail(true);
    now = 1500;
    assert.equal(tags.active, true, 'stale, it still answers');
    assert.equal(table.reads, 2, 'and starts a read');
    table.release();
    await tick();
    assert.equal(tags.get('eng')?.budget?.max_budget, 5, 'the last answer stays');
    now = 1800;
    assert.equal(tags.active, true);
    assert.equal(table.reads, 2, 'no new read within the period after the failed one');
    table.fail(false);
    table.set([]);
    now = 2600;
    assert.equal(tags.active, true);
    table.release();
    await tick();
    await tick();
    assert.equal(tags.active, false, 'the tags were deleted meanwhile');
  });
});
