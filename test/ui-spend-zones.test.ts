/**
 * Spend reports in a time zone (what the Spend reports page asks for), on both databases: with
 * `timezone`, `/spend/logs` and `/global/spend/report` count each call on the local day it started
 * and read the range as local days; without it, days stay UTC days, as in LiteLLM.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { sha256 } from './helpers/records.js';
import { cents, spendEntry } from './helpers/spend-entries.js';

const CONFIG = {
  model_list: [{ model_name: 'gpt-4o-mini', litellm_params: { model: 'mock/gpt-4o-mini' } }],
  general_settings: { master_key: MASTER_KEY },
};

/** Calls and the day each falls on in UTC, in Tokyo (+09:00) and in Kathmandu (+05:45). */
const CALLS = [
  { at: '2025-03-10T05:00:00Z', cost: 1, utc: '03-10', tokyo: '03-10', kathmandu: '03-10' },
  { at: '2025-03-10T18:20:00Z', cost: 2, utc: '03-10', tokyo: '03-11', kathmandu: '03-11' },
  { at: '2025-03-10T18:10:00Z', cost: 4, utc: '03-10', tokyo: '03-11', kathmandu: '03-10' },
  { at: '2025-03-11T10:00:00Z', cost: 8, utc: '03-11', tokyo: '03-11', kathmandu: '03-11' },
  { at: '2025-03-11T16:00:00Z', cost: 16, utc: '03-11', tokyo: '03-12', kathmandu: '03-11' },
] as const;

type Zone = 'utc' | 'tokyo' | 'kathmandu';
const ZONES: Record<Zone, string | undefined> = {
  utc: undefined,
  tokyo: 'Asia/Tokyo',
  kathmandu: 'Asia/Kathmandu',
};

/** Expected spend per day of 2025-03-10..11 in a zone (calls on other days fall outside). */
function expectedDays(zone: Zone): Record<string, number> {
  const days: Record<string, number> = { '2025-03-10': 0, '2025-03-11': 0 };
  for (const call of CALLS) {
    const day = `2025-${call[zone]}`;
    if (day in days) days[day] = (days[day] ?? 0) + call.cost;
  }
  return days;
}

for (const database of await testDatabases()) {
  describe(`spend reports in a time zone on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;
    let gateway: TestGateway;
    let api: AdminClient;
    let keyHash = '';

    before(async () => {
      opened = await database.open();
      gateway = await startGateway(CONFIG, { store: opened.store });
      api = adminClient(gateway.url, MASTER_KEY);
      const team = await api.post('/team/new', { team_alias: 'Night shift' });
      const user = await api.post('/user/new', { user_id: 'zoned', user_role: 'internal_user' });
      assert.equal(user.status, 200, JSON.stringify(user.body));
      keyHash = sha256(user.body.key as string);
      const ledger = gateway.app.ledger;
      assert.ok(ledger);
      for (const call of CALLS) {
        const at = Date.parse(call.at);
        ledger.book(
          spendEntry({
            keyHash,
            userId: 'zoned',
            teamId: team.body.team_id as string,
            cost: call.cost,
            startTime: at,
            endTime: at + 500,
          }),
        );
      }
      await ledger.flush();
    });
    after(async () => {
      await gateway.close();
      await opened.close();
    });

    for (const zone of Object.keys(ZONES) as Zone[]) {
      it(`/spend/logs counts days in ${ZONES[zone] ?? 'UTC (no timezone)'}`, async () => {
        const r = await api.get(
          `/spend/logs?start_date=2025-03-10&end_date=2025-03-11${
            ZONES[zone] ? `&timezone=${encodeURIComponent(ZONES[zone])}` : ''
          }`,
        );
        assert.equal(r.status, 200, JSON.stringify(r.body));
        const days = r.body as {
          startTime: string;
          spend: number;
          users: Record<string, number>;
        }[];
        assert.deepEqual(
          Object.fromEntries(days.map((d) => [d.startTime, cents(d.spend)])),
          expectedDays(zone),
        );
        const total = Object.values(expectedDays(zone)).reduce((a, b) => a + b, 0);
        assert.equal(cents(days.reduce((sum, d) => sum + (d.users.zoned ?? 0), 0)), total);
      });

      it(`/global/spend/report by team and by key in ${ZONES[zone] ?? 'UTC'}`, async () => {
        const zoneQuery = ZONES[zone] ? `&timezone=${encodeURIComponent(ZONES[zone])}` : '';
        const teams = await api.get(
          `/global/spend/report?start_date=2025-03-10&end_date=2025-03-11&group_by=team${zoneQuery}`,
        );
        assert.equal(teams.status, 200, JSON.stringify(teams.body));
        const perDay = Object.fromEntries(
          (
            teams.body as {
              group_by_day: string;
              teams: { team_name: string; total_spend: number }[];
            }[]
          ).map((d) => {
            assert.deepEqual(
              d.teams.map((t) => t.team_name),
              ['Night shift'],
            );
            return [d.group_by_day, cents(d.teams[0]?.total_spend ?? 0)];
          }),
        );
        const expected = Object.fromEntries(
          Object.entries(expectedDays(zone)).filter(([, spend]) => spend > 0),
        );
        assert.deepEqual(perDay, expected);
        const keys = await api.get(
          `/global/spend/report?start_date=2025-03-10&end_date=2025-03-11&group_by=api_key${zoneQuery}`,
        );
        const [key] = keys.body as { api_key: string; total_cost: number }[];
        assert.equal(key?.api_key, keyHash);
        assert.equal(
          cents(key.total_cost),
          Object.values(expected).reduce((a, b) => a + b, 0),
        );
      });
    }

    it('reads a range given as instants with offsets exactly, and refuses an unknown zone', async () => {
      // 2025-03-10 19:00 to 2025-03-11 18:59:59 in Tokyo: only the calls at 18:10Z and 18:20Z.
      const r = await api.get(
        `/spend/logs?start_date=${encodeURIComponent('2025-03-10T19:00:00+09:00')}&end_date=${encodeURIComponent(
          '2025-03-11T18:59:59+09:00',
        )}&timezone=Asia/Tokyo`,
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const days = r.body as { startTime: string; spend: number }[];
      assert.deepEqual(
        days.map((d) => [d.startTime, cents(d.spend)]),
        [
          ['2025-03-10', 0],
          ['2025-03-11', 6],
        ],
      );
      const refused = await api.get(
        '/spend/logs?start_date=2025-03-10&end_date=2025-03-11&timezone=Mars/Olympus',
      );
      assert.equal(refused.status, 422, JSON.stringify(refused.body));
      assert.match(JSON.stringify(refused.body), /IANA time zone/);
    });
  });
}
