/**
 * A budget counter starts from the spend stored for its scope plus what the spend ledger has not
 * written. When a batch commits between the read of the stored spend and the admission that
 * starts the counter (a key just changed by an admin, or seen for the first time), its calls were
 * in neither figure: the budget looked that much richer. Here the interleavings are forced with a
 * store whose commit waits for the test, and the output cap each admission gives a call is
 * compared with the one a gateway that saw every call gives.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { buildModelDirectory } from '../src/auth/model-access.js';
import type { Principal } from '../src/auth/principal.js';
import { createKeyResolver } from '../src/auth/virtual-key-resolver.js';
import { BudgetCalendar } from '../src/spend/budget-calendar.js';
import { createMeter } from '../src/spend/create-meter.js';
import { createPricing } from '../src/spend/pricing.js';
import { StoreSpendLedger, type SpendWriter } from '../src/spend/spend-ledger.js';
import type { Store } from '../src/store/store.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { keyRecord } from './helpers/records.js';
import { spendEntry } from './helpers/spend-entries.js';
import { testDeployment } from './helpers/test-deployment.js';

const logger = pino({ level: 'silent' });
const deployment = testDeployment('openai', 'priced-model', {
  modelName: 'priced',
  inputCostPerToken: 0.001,
  outputCostPerToken: 0.01,
});
const directory = buildModelDirectory({
  publicModelNames: () => ['priced'],
  allDeployments: () => [deployment],
  deploymentsOf: (name) => (name === 'priced' ? [deployment] : []),
});
const BODY = { model: 'priced', messages: [{ role: 'user', content: 'hi' }], max_tokens: 100 };

/** The spend repository, whose batches wait for `open()` before they are written. */
function gated(store: Store): SpendWriter & { open(): void } {
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  return {
    open: () => release(),
    record: async (rows, now, options) => {
      await gate;
      return store.spend.record(rows, now, options);
    },
  };
}

/** The output cap a call of `principal` gets from a fresh meter over `ledger`. */
async function capFor(principal: Principal, ledger: StoreSpendLedger): Promise<number | undefined> {
  const { meter } = createMeter({
    settings: { budgetExceededStatus: 429 },
    calendar: BudgetCalendar.UNALIGNED,
    pricing: createPricing({ logger }),
    ledger,
    logger,
    now: Date.now,
  });
  const tab = await meter.open({
    requestId: `cap-${Math.random()}`,
    callType: 'acompletion',
    principal,
    body: BODY,
    candidates: [deployment],
  });
  tab.release();
  return tab.loweredMaxTokens;
}

for (const database of await testDatabases()) {
  describe(
    `budget counters started while spend is written (${database.name})`,
    { skip: database.skip },
    () => {
      let opened: OpenedTestStore;
      before(async () => {
        opened = await database.open();
      });
      after(async () => {
        await opened.close();
      });

      /** A key with a budget of 1 USD and 0.75 booked on it, not yet written. */
      async function keyWithUnwrittenSpend(): Promise<{
        token: string;
        ledger: StoreSpendLedger;
        writer: ReturnType<typeof gated>;
      }> {
        const key = keyRecord({ max_budget: 1 });
        await opened.store.keys.create(key);
        const writer = gated(opened.store);
        const ledger = new StoreSpendLedger({ store: writer, logger, intervalMs: 60_000 });
        ledger.book(spendEntry({ keyHash: key.token, cost: 0.75 }));
        return { token: key.token, ledger, writer };
      }

      /** The cap once everything is written and read again: what every path must agree with. */
      async function settledCap(token: string): Promise<number | undefined> {
        const idle = new StoreSpendLedger({
          store: opened.store.spend,
          logger,
          intervalMs: 60_000,
        });
        const resolved = await createKeyResolver(opened.store, directory)(token);
        assert.ok(resolved);
        assert.equal(resolved.principal.key?.spend, 0.75);
        const cap = await capFor(resolved.principal, idle);
        await idle.close();
        return cap;
      }

      test('a batch committed while the key is read: the read is made again', async () => {
        const { token, ledger, writer } = await keyWithUnwrittenSpend();
        const flushed = ledger.flush();
        let reads = 0;
        // The key's row is read before the batch lands; the commit lands before the read ends.
        const keys = Object.create(opened.store.keys) as Store['keys'];
        keys.findByHash = async (hash) => {
          const row = await opened.store.keys.findByHash(hash);
          if (++reads === 1) {
            writer.open();
            await flushed;
          }
          return row;
        };
        const resolve = createKeyResolver({ ...opened.store, keys }, directory, Date.now, (read) =>
          ledger.readStored(read),
        );
        const resolved = await resolve(token);
        assert.ok(resolved);
        assert.equal(reads, 2);
        assert.equal(resolved.principal.key?.spend, 0.75, 'the second read holds the batch');
        const cap = await capFor(resolved.principal, ledger);
        const expected = await settledCap(token);
        assert.ok(
          expected !== undefined && expected < 100,
          `the budget lowers the cap: ${expected}`,
        );
        assert.equal(cap, expected);
        await ledger.close();
      });

      test('a batch committed after the key was read and before its first call: counted once', async () => {
        const { token, ledger, writer } = await keyWithUnwrittenSpend();
        const resolve = createKeyResolver(opened.store, directory, Date.now, (read) =>
          ledger.readStored(read),
        );
        const resolved = await resolve(token);
        assert.ok(resolved);
        assert.equal(resolved.principal.key?.spend, 0, 'read before the batch');
        writer.open();
        await ledger.flush();
        assert.equal(ledger.pendingFor(`key:${token}`), 0, 'no longer pending');
        const cap = await capFor(resolved.principal, ledger);
        assert.equal(cap, await settledCap(token));
        await ledger.close();
      });
    },
  );
}
