import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import type { SpendRow } from '../store/spend-repository.js';
import {
  RECENT_BATCHES,
  StoreSpendLedger,
  isoTime,
  logMetadata,
  type SpendWriter,
} from './spend-ledger.js';
import type { SpendEntry } from './types.js';
import { counterKey } from './counter-store.js';

const logger = pino({ level: 'silent' });

function entry(requestId: string, overrides: Partial<SpendEntry> = {}): SpendEntry {
  return {
    requestId,
    callType: 'acompletion',
    keyHash: 'k1',
    userId: 'u1',
    teamId: 't1',
    customerId: 'c1',
    tags: [],
    model: 'm',
    modelGroup: 'g',
    deploymentId: 'd',
    provider: 'openai',
    promptTokens: 1,
    completionTokens: 1,
    totalTokens: 2,
    cost: 0.1,
    startTime: 0,
    endTime: 1,
    status: 'success',
    metadata: {},
    ...overrides,
  };
}

/** A writer that fails while `down` is set and keeps what it was given, in order. */
function fakeWriter(): SpendWriter & { down: boolean; written: string[] } {
  const writer = {
    down: false,
    written: [] as string[],
    record: async (rows: readonly SpendRow[]) => {
      if (writer.down) throw new Error('store down');
      writer.written.push(...rows.map((r) => r.log.request_id));
      return rows.length;
    },
  };
  return writer;
}

describe('StoreSpendLedger', () => {
  it('holds queued cost per scope until the store takes it', async () => {
    const store = fakeWriter();
    const ledger = new StoreSpendLedger({ store, logger, intervalMs: 60_000 });
    const modelBudget = { model: 'gpt-4o', resetAt: null };
    ledger.book(entry('a', { cost: 0.25, modelBudget }));
    ledger.book(entry('b', { cost: 0.5, customerId: null }));
    assert.equal(ledger.pendingFor(counterKey('key', 'k1')), 0.75);
    assert.equal(ledger.pendingFor(counterKey('team_member', 't1:u1')), 0.75);
    // Per model, only what counts toward a model_max_budget entry, under the entry's name.
    assert.equal(ledger.pendingFor(counterKey('model_per_key', 'k1:gpt-4o')), 0.25);
    assert.equal(ledger.pendingFor(counterKey('model_per_key', 'k1:g')), 0);
    assert.equal(ledger.pendingFor(counterKey('customer', 'c1')), 0.25);
    assert.equal(ledger.pendingFor(counterKey('user', 'someone-else')), 0);
    await ledger.close();
    assert.deepEqual(store.written, ['a', 'b']);
    assert.equal(ledger.pendingFor(counterKey('key', 'k1')), 0);
  });

  it('never throws on an entry the store could not take, and makes it writable', async () => {
    const store = fakeWriter();
    const ledger = new StoreSpendLedger({ store, logger, intervalMs: 60_000 });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    ledger.book(entry('odd', { cost: Number.NaN, totalTokens: -3, metadata: circular }));
    await ledger.close();
    assert.deepEqual(store.written, ['odd']);
  });

  it('keeps the order across failures and gives up only at the deadline', async () => {
    const store = fakeWriter();
    const ledger = new StoreSpendLedger({
      store,
      logger,
      intervalMs: 60_000,
      batchSize: 2,
      minBackoffMs: 1,
      maxBackoffMs: 2,
    });
    store.down = true;
    for (const id of ['1', '2', '3']) ledger.book(entry(id));
    await ledger.flush(Date.now() + 20);
    assert.equal(ledger.queued(), 3);
    store.down = false;
    ledger.book(entry('4'));
    await ledger.close();
    assert.deepEqual(store.written, ['1', '2', '3', '4']);
  });

  it('writes a long outbox in batches of batchSize, letting the event loop turn between them', async () => {
    // A synchronous store (SQLite) holds the event loop while it writes: between two batches,
    // what waits on I/O (the requests) must get its turn.
    const turns: string[] = [];
    const store = {
      record: (rows: readonly SpendRow[]) => {
        turns.push(`write ${rows.length}`);
        setImmediate(() => turns.push('event loop'));
        return Promise.resolve(rows.length);
      },
    };
    const ledger = new StoreSpendLedger({ store, logger, intervalMs: 60_000, batchSize: 32 });
    for (let i = 0; i < 70; i++) ledger.book(entry(String(i)));
    await ledger.flush();
    assert.deepEqual(turns.slice(0, 5), [
      'write 32',
      'event loop',
      'write 32',
      'event loop',
      'write 6',
    ]);
    await ledger.close();
  });
});

describe('StoreSpendLedger under steady traffic', () => {
  it('waits minGapMs after a transaction for a partial batch instead of writing at once', async () => {
    // A store that answers asynchronously (PostgreSQL: a few round trips) while calls keep
    // coming: written back to back, each transaction carried the calls of the last one's ~5 ms.
    const transactions: number[] = [];
    const store: SpendWriter = {
      record: async (rows) => {
        transactions.push(rows.length);
        await new Promise((resolve) => setTimeout(resolve, 5));
        return rows.length;
      },
    };
    const ledger = new StoreSpendLedger({ store, logger, intervalMs: 100, minGapMs: 50 });
    let booked = 0;
    const started = Date.now();
    ledger.book(entry(String(booked++)));
    await ledger.flush();
    while (Date.now() - started < 600) {
      ledger.book(entry(String(booked++)));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await ledger.close();
    const written = transactions.reduce((a, b) => a + b, 0);
    assert.equal(written, booked, 'every call written once');
    // ~600 ms of calls, written from the first interval on: a transaction per 50 ms gap at most
    // (and the interval's), not one per 5 ms write.
    assert.ok(transactions.length <= 16, `${transactions.length} transactions: ${transactions}`);
  });

  it('writes a full batch at once, without waiting for the gap', async () => {
    const transactions: number[] = [];
    const store: SpendWriter = {
      record: async (rows) => {
        transactions.push(rows.length);
        return rows.length;
      },
    };
    const ledger = new StoreSpendLedger({
      store,
      logger,
      intervalMs: 60_000,
      minGapMs: 60_000,
      batchSize: 10,
    });
    for (let i = 0; i < 25; i++) ledger.book(entry(String(i)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(transactions, [10, 10], 'two full batches written, the 5 left wait');
    await ledger.close();
    assert.deepEqual(transactions, [10, 10, 5], 'close writes what was left');
  });
});

describe('StoreSpendLedger with a synchronous store', () => {
  it('writes what is left after a full batch only after the gap, however many calls filled it', async () => {
    // SQLite writes a batch within one turn of the event loop. Calls booked in the turn that
    // filled the outbox each used to queue a wake-up, and every wake-up after the first wrote
    // the few calls left as a transaction of its own.
    const transactions: number[] = [];
    const store: SpendWriter = {
      record: (rows) => {
        transactions.push(rows.length);
        return Promise.resolve(rows.length);
      },
    };
    const ledger = new StoreSpendLedger({
      store,
      logger,
      intervalMs: 60_000,
      minGapMs: 60_000,
      batchSize: 10,
    });
    for (let turn = 0; turn < 3; turn++) {
      for (let i = 0; i < 13; i++) ledger.book(entry(`${turn}-${i}`));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.deepEqual(transactions, [10, 10, 10], 'full batches only; what is left waits');
    await ledger.close();
    assert.deepEqual(transactions, [10, 10, 10, 9], 'close writes the 9 left, once');
  });
});

/** A store whose commits land (in `stored`, per key hash) when the test opens the gate. */
function gatedStore(): SpendWriter & { stored: Map<string, number>; open(): void } {
  let release: (() => void) | undefined;
  let gate = Promise.resolve();
  const store = {
    stored: new Map<string, number>(),
    close() {
      gate = new Promise<void>((resolve) => (release = resolve));
    },
    open() {
      release?.();
    },
    record: async (rows: readonly SpendRow[]) => {
      await gate;
      for (const row of rows) {
        const key = row.log.api_key;
        store.stored.set(key, (store.stored.get(key) ?? 0) + row.log.spend);
      }
      return rows.length;
    },
  };
  store.close();
  return store;
}

/** A ledger writing one call of 0.5 for key k1, its commit held until `store.open()`. */
function writingOneCall() {
  const store = gatedStore();
  const ledger = new StoreSpendLedger({ store, logger, intervalMs: 60_000 });
  ledger.book(entry('a', { cost: 0.5 }));
  return { store, ledger, flushed: ledger.flush() };
}

describe('StoreSpendLedger and readers of stored spend', () => {
  const key = counterKey('key', 'k1');

  it('tells what it wrote for a scope after a given batch, for the last batches only', async () => {
    const ledger = new StoreSpendLedger({ store: fakeWriter(), logger, intervalMs: 60_000 });
    // Batches are remembered for the reads of stored spend made before them.
    assert.deepEqual(await ledger.readStored(async () => 'rows'), {
      value: 'rows',
      written: 0,
      clean: true,
    });
    ledger.book(entry('a', { cost: 0.25 }));
    ledger.book(entry('b', { cost: 0.5, keyHash: 'k2' }));
    await ledger.flush();
    ledger.book(entry('c', { cost: 0.125 }));
    await ledger.flush();
    assert.equal(ledger.batchesWritten, 2);
    assert.equal(ledger.writtenSince(0, key), 0.375);
    assert.equal(ledger.writtenSince(1, key), 0.125);
    assert.equal(ledger.writtenSince(2, key), 0);
    assert.equal(ledger.writtenSince(0, counterKey('key', 'k2')), 0.5);
    assert.equal(ledger.writtenSince(0, counterKey('team', 't1')), 0.875);
    const later = await ledger.readStored(async () => 'rows');
    assert.equal(later.written, 2);
    for (let i = 0; i < RECENT_BATCHES; i++) {
      ledger.book(entry(`more-${i}`, { cost: 1 }));
      await ledger.flush();
    }
    // A position older than what is remembered adds nothing (the caller's read is that old).
    assert.equal(ledger.writtenSince(0, key), 0);
    assert.equal(ledger.writtenSince(2, key), RECENT_BATCHES);
    await ledger.close();
  });

  it('reads again when a batch is being written during the read, and says what the read holds', async () => {
    const { store, ledger, flushed } = writingOneCall();
    let reads = 0;
    const read = await ledger.readStored(async () => {
      reads += 1;
      const seen = store.stored.get('k1') ?? 0;
      // The commit lands while the first read is under way.
      if (reads === 1) {
        store.open();
        await flushed;
      }
      return seen;
    });
    assert.equal(reads, 2);
    assert.deepEqual(read, { value: 0.5, written: 1, clean: true });
    // Stored + written since + not written: the call counted once.
    assert.equal(read.value + ledger.writtenSince(read.written, key) + ledger.pendingFor(key), 0.5);
    await ledger.close();
  });

  it('counts a batch committed after a clean read through writtenSince, not twice and not never', async () => {
    const store = gatedStore();
    store.open();
    const ledger = new StoreSpendLedger({ store, logger, intervalMs: 60_000 });
    ledger.book(entry('a', { cost: 0.5 }));
    const read = await ledger.readStored(async () => store.stored.get('k1') ?? 0);
    assert.deepEqual(read, { value: 0, written: 0, clean: true });
    assert.equal(ledger.pendingFor(key), 0.5);
    await ledger.flush();
    assert.equal(ledger.pendingFor(key), 0);
    assert.equal(read.value + ledger.writtenSince(read.written, key) + ledger.pendingFor(key), 0.5);
    await ledger.close();
  });

  it('gives up after its attempts when every read overlaps a write, counting that batch at most twice', async () => {
    const { store, ledger, flushed } = writingOneCall();
    let reads = 0;
    const read = await ledger.readStored(async () => {
      reads += 1;
      return store.stored.get('k1') ?? 0;
    }, 2);
    assert.equal(reads, 2);
    assert.equal(read.clean, false);
    assert.equal(read.written, 0);
    store.open();
    await flushed;
    assert.ok(read.value + ledger.writtenSince(read.written, key) + ledger.pendingFor(key) >= 0.5);
    await ledger.close();
  });
});

describe('isoTime', () => {
  it('formats like Date.prototype.toISOString, also across seconds and at the edges', () => {
    const start = Date.UTC(2026, 10, 26, 6, 59, 58, 990);
    const times = [0, 1, 999, 1000, -1, -1500, 1.7, Date.UTC(9999, 11, 31, 23, 59, 59, 999)];
    for (let i = 0; i < 3000; i += 7) times.push(start + i, start + i + 0.5);
    times.push(Date.UTC(10_000, 0, 1), start, start - 1000, start);
    for (const ms of times) assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
  });

  it('a time that is not a number is the epoch', () => {
    assert.equal(isoTime(Number.NaN), '1970-01-01T00:00:00.000Z');
    assert.equal(isoTime(Number.POSITIVE_INFINITY), '1970-01-01T00:00:00.000Z');
  });
});

describe('logMetadata', () => {
  const general = (e: SpendEntry): string =>
    JSON.stringify({
      ...e.metadata,
      user_api_key: e.keyHash ?? null,
      user_api_key_alias: e.keyAlias ?? null,
      user_api_key_user_id: e.userId ?? null,
      user_api_key_team_id: e.teamId ?? null,
      user_api_key_end_user_id: e.customerId ?? null,
      ...(e.organizationId && { user_api_key_org_id: e.organizationId }),
    });

  it('writes the text JSON.stringify makes of the same object, with or without metadata', () => {
    const awkward = 'a "quoted" \\ back\nslash \u00e9\u{1F600} \u2028';
    const cases: Partial<SpendEntry>[] = [
      {},
      { keyHash: undefined, userId: undefined, teamId: null, customerId: undefined },
      { keyAlias: awkward, userId: awkward, organizationId: 'org-1' },
      { keyHash: '', keyAlias: null, organizationId: '' },
      { organizationId: null, customerId: awkward },
      { metadata: { tags: ['x'], user_api_key: 'overridden', nested: { a: [1, null] } } },
      { metadata: { note: awkward }, organizationId: 'org-2' },
    ];
    for (const overrides of cases) {
      const e = entry('r', { metadata: {}, ...overrides });
      assert.equal(logMetadata(e), general(e), JSON.stringify(overrides));
      assert.deepEqual(JSON.parse(logMetadata(e)), JSON.parse(general(e)));
    }
  });

  it('names the guardrails the call ran, when it ran any', () => {
    const e = entry('r', { metadata: {}, appliedGuardrails: ['pii', 'answers'] });
    assert.deepEqual(JSON.parse(logMetadata(e)), {
      ...JSON.parse(general(e)),
      applied_guardrails: ['pii', 'answers'],
    });
  });
});
