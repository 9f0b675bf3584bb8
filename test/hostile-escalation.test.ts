/**
 * Privilege escalation between roles and teams, beyond the route × role walk (which checks roles
 * against routes): a team admin acting on another team, users acting on other users' keys,
 * raising their own role or limits, and minting keys with more rights than they hold
 * (CVE-2024-5710, CVE-2026-47101, CVE-2026-47102, CVE-2026-12799). Each attempt is refused and
 * leaves the database as it was.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  startHostileFixture,
  type HostileFixture,
  type CallerName,
} from './helpers/hostile-fixture.js';
import { snapshot } from './helpers/route-fuzzer.js';

type Attempt = [caller: CallerName, path: string, body: Record<string, unknown>];

describe('privilege escalation between roles and teams', () => {
  let fixture: HostileFixture;
  before(async () => {
    fixture = await startHostileFixture();
  });
  after(async () => {
    await fixture?.close();
  });

  async function refused(caller: CallerName, path: string, body?: Record<string, unknown>) {
    const before = await snapshot(fixture);
    const response =
      body === undefined
        ? await fixture.api.get(path, fixture.keys[caller])
        : await fixture.api.post(path, body, fixture.keys[caller]);
    assert.ok(
      [400, 401, 403, 404].includes(response.status),
      `${caller} ${path} ${JSON.stringify(body ?? {})}: ${response.status} ${JSON.stringify(response.body).slice(0, 300)}`,
    );
    assert.equal(await snapshot(fixture), before, `${caller} ${path} changed the database`);
  }

  it('refuses a team admin of team A every change to team B', async () => {
    const attempts: Attempt[] = [
      ['team_a_admin', '/team/update', { team_id: 'team-b', max_budget: 1000 }],
      ['team_a_admin', '/team/update', { team_id: 'team-b', models: ['gpt-4o-mini'] }],
      [
        'team_a_admin',
        '/team/member_add',
        { team_id: 'team-b', member: { user_id: 'admin-a', role: 'admin' } },
      ],
      [
        'team_a_admin',
        '/team/member_add',
        { team_id: 'team-b', member: [{ user_id: 'victim', role: 'user' }] },
      ],
      ['team_a_admin', '/team/member_delete', { team_id: 'team-b', user_id: 'admin-b' }],
      [
        'team_a_admin',
        '/team/member_update',
        { team_id: 'team-b', user_id: 'admin-b', role: 'user' },
      ],
      [
        'team_a_admin',
        '/team/member_update',
        { team_id: 'team-b', user_id: 'admin-a', role: 'admin' },
      ],
      ['team_a_admin', '/team/block', { team_id: 'team-b' }],
      ['team_a_admin', '/team/delete', { team_ids: ['team-b'] }],
      ['team_a_admin', '/key/generate', { team_id: 'team-b' }],
      ['team_a_admin', '/key/generate', { team_id: 'team-b', user_id: 'admin-a' }],
      ['team_a_admin', '/key/update', { key: fixture.keys.team_a_admin, team_id: 'team-b' }],
      ['team_a_admin', '/key/update', { key: fixture.keys.team_b_admin, max_budget: 1 }],
      ['team_a_admin', '/key/delete', { keys: [fixture.keys.team_b_admin] }],
      ['team_a_admin', '/key/regenerate', { key: fixture.keys.team_b_admin }],
    ];
    for (const [caller, path, body] of attempts) await refused(caller, path, body);
  });

  it("refuses users acting on other users' keys and accounts", async () => {
    const victimKey = fixture.ids.victimKey;
    const victimHash = fixture.ids.victimKeyHash;
    for (const caller of ['internal_user', 'team_a_admin', 'internal_user_viewer'] as const) {
      await refused(caller, '/key/update', { key: victimKey, max_budget: 1000 });
      await refused(caller, '/key/update', { key: victimHash, blocked: true });
      await refused(caller, '/key/delete', { keys: [victimHash] });
      await refused(caller, '/key/delete', { key_aliases: ['victim-key'] });
      await refused(caller, '/key/regenerate', { key: victimHash });
      await refused(caller, `/key/${victimHash}/regenerate`, {});
      await refused(caller, '/key/generate', { user_id: 'victim' });
      await refused(caller, '/user/update', { user_id: 'victim', max_budget: 1000 });
      await refused(caller, '/user/update', { user_id: 'victim', password: 'hijacked-password' });
      await refused(caller, `/key/info?key=${victimHash}`);
      await refused(caller, '/user/info?user_id=victim');
    }
  });

  it('refuses raising one’s own role, limits or spend (field-level authorisation)', async () => {
    const self: [CallerName, string][] = [
      ['internal_user', 'plain-user'],
      ['internal_user_viewer', 'viewer-user'],
      ['team_a_admin', 'admin-a'],
    ];
    for (const [caller, userId] of self) {
      for (const role of ['proxy_admin', 'proxy_admin_viewer', 'admin']) {
        await refused(caller, '/user/update', { user_id: userId, user_role: role });
      }
      await refused(caller, '/user/update', { user_id: userId, max_budget: 1e9 });
      await refused(caller, '/user/update', { user_id: userId, spend: 0 });
      await refused(caller, '/user/update', { user_id: userId, models: ['*'] });
      await refused(caller, '/user/update', { user_id: userId, tpm_limit: 1e9 });
    }
    await refused('team_a_admin', '/team/update', {
      team_id: 'team-a',
      blocked: false,
      max_budget: 1e9,
    });
  });

  it('gives a key no more rights than its creator, whatever routes it is minted with', async () => {
    // allowed_routes narrows a key within its owner's role; it never widens it (CVE-2026-47101).
    for (const caller of ['internal_user', 'team_a_admin'] as const) {
      for (const routes of [['/*'], ['/key/*'], ['/user/new'], ['management_routes']]) {
        const minted = await fixture.api.post(
          '/key/generate',
          { allowed_routes: routes },
          fixture.keys[caller],
        );
        if (minted.status !== 200) continue;
        const key = minted.body.key as string;
        const before = await snapshot(fixture);
        for (const [path, body] of [
          ['/user/new', { user_role: 'proxy_admin' }],
          ['/team/new', {}],
          ['/model/new', { model_name: 'x', litellm_params: { model: 'mock/x' } }],
          ['/key/block', { key: fixture.ids.victimKeyHash }],
          ['/user/update', { user_id: 'victim', user_role: 'internal_user_viewer' }],
          ['/customer/new', { user_id: 'escalated' }],
        ] as const) {
          const response = await fixture.api.post(path, body, key);
          assert.ok(
            [401, 403].includes(response.status),
            `${caller} key ${routes} ${path}: ${response.status}`,
          );
        }
        assert.equal(await snapshot(fixture), before);
      }
      await refused(caller, '/key/generate', { user_id: 'admin-viewer' });
    }
    await refused('proxy_admin_viewer', '/key/generate', {});
    await refused('proxy_admin_viewer', '/user/new', { user_role: 'proxy_admin' });
    await refused('internal_user_viewer', '/key/generate', { allowed_routes: ['/*'] });
  });

  it('keeps enumeration and spend reports to the caller’s own scope', async () => {
    for (const caller of ['internal_user', 'internal_user_viewer', 'team_a_admin'] as const) {
      const users = await fixture.api.get('/user/list', fixture.keys[caller]);
      const ids =
        users.status === 200
          ? (users.body.users as { user_id: string }[]).map((u) => u.user_id)
          : [];
      assert.ok(!ids.includes('victim'), `${caller} listed the victim: ${ids.join(',')}`);
      const keys = await fixture.api.get('/key/list?return_full_object=true', fixture.keys[caller]);
      assert.ok(
        !JSON.stringify(keys.body).includes(fixture.ids.victimKeyHash),
        `${caller} listed the victim's key`,
      );
      for (const path of [
        '/spend/logs?user_id=victim',
        `/spend/logs?api_key=${fixture.ids.victimKeyHash}`,
        '/spend/users?user_id=victim',
        `/global/spend/logs?api_key=${fixture.ids.victimKeyHash}`,
      ]) {
        const report = await fixture.api.get(path, fixture.keys[caller]);
        assert.ok(report.status < 500, `${caller} ${path}: ${report.status}`);
        assert.ok(
          report.status >= 400 || !JSON.stringify(report.body).includes('"victim"'),
          `${caller} ${path} showed the victim: ${JSON.stringify(report.body).slice(0, 300)}`,
        );
      }
    }
  });
});
