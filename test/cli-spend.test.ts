/**
 * `tollgate spend` against the gateway's spend reports, on every database: spend booked through
 * the gateway's ledger, read back per day by user, key, model and team over a date range.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminClient } from './helpers/admin-client.js';
import { tollgate } from './helpers/cli-harness.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { sha256 } from './helpers/records.js';
import { spendEntry } from './helpers/spend-entries.js';

const CONFIG = {
  model_list: [{ model_name: 'mock-gpt', litellm_params: { model: 'mock/gpt' } }],
  general_settings: { master_key: MASTER_KEY },
};
const DAY1 = Date.parse('2026-03-10T10:00:00Z');
const DAY2 = Date.parse('2026-03-11T10:00:00Z');

for (const database of await testDatabases()) {
  describe(`tollgate spend on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;
    let gateway: TestGateway;
    let key: string;
    let teamId: string;
    const cli = (args: string[]) =>
      tollgate(args, { env: { TOLLGATE_URL: gateway.url, TOLLGATE_MASTER_KEY: MASTER_KEY } });

    before(async () => {
      opened = await database.open();
      gateway = await startGateway(CONFIG, { store: opened.store });
      const api = adminClient(gateway.url, MASTER_KEY);
      teamId = (await api.post('/team/new', { team_alias: 'research' })).body.team_id;
      key = (await api.post('/user/new', { user_id: 'ann' })).body.key;
      const ledger = gateway.app.ledger!;
      const book = (cost: number, at: number, model: string, team?: string) =>
        ledger.book(
          spendEntry({
            keyHash: sha256(key),
            userId: 'ann',
            cost,
            model,
            modelGroup: model,
            teamId: team,
            startTime: at,
            endTime: at + 500,
          }),
        );
      book(0.25, DAY1, 'gpt-4o', teamId);
      book(0.5, DAY2, 'gpt-4o-mini', teamId);
      book(1, DAY2, 'gpt-4o');
      await ledger.flush();
    });
    after(async () => {
      await gateway.close();
      await opened.close();
    });

    const range = ['--start-date', '2026-03-10', '--end-date', '2026-03-11'];
    const total = (stdout: string) => Number(/^TOTAL +(\S+)$/m.exec(stdout)?.[1]);

    it('by user and by key: per day, with the total', async () => {
      const byUser = await cli(['spend', '--user', 'ann', ...range]);
      assert.equal(byUser.code, 0, byUser.stderr);
      assert.match(byUser.stdout, /^Spend \(user ann\):$/m);
      assert.match(byUser.stdout, /^2026-03-10 +0\.250000$/m);
      assert.match(byUser.stdout, /^2026-03-11 +1\.500000$/m);
      assert.equal(total(byUser.stdout), 1.75);
      assert.equal(total((await cli(['spend', '--key', key, ...range])).stdout), 1.75);
      assert.equal(
        total(
          (
            await cli([
              'spend',
              '--user',
              'ann',
              '--start-date',
              '2026-03-11',
              '--end-date',
              '2026-03-11',
            ])
          ).stdout,
        ),
        1.5,
      );
    });

    it('by model and by team', async () => {
      assert.equal(total((await cli(['spend', '--model', 'gpt-4o', ...range])).stdout), 1.25);
      const byTeam = await cli(['spend', '--team', teamId, ...range]);
      assert.equal(byTeam.code, 0, byTeam.stderr);
      assert.equal(total(byTeam.stdout), 0.75);
    });

    it('--json prints the report as the gateway sent it', async () => {
      const json = (await cli(['spend', '--user', 'ann', ...range, '--json'])).json();
      assert.ok(Array.isArray(json));
      assert.equal(
        json.reduce((sum: number, day: { spend: number }) => sum + day.spend, 0),
        1.75,
      );
    });
  });
}
