/**
 * `tollgate users|keys|teams|models|invites|spend` against a real gateway on every database:
 * what each command sends, what it prints for people and for scripts, confirmations, and every
 * error path ending in one line on stderr and a non-zero exit code.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { tollgate, type CliHarnessOptions } from './helpers/cli-harness.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';

const CONFIG = {
  model_list: [{ model_name: 'mock-gpt', litellm_params: { model: 'mock/gpt' } }],
  general_settings: { master_key: MASTER_KEY },
};

for (const database of await testDatabases()) {
  describe(`tollgate admin commands on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;
    let gateway: TestGateway;
    let api: AdminClient;
    const cli = (args: string[], options: CliHarnessOptions = {}) =>
      tollgate(args, {
        ...options,
        env: { TOLLGATE_URL: gateway.url, TOLLGATE_MASTER_KEY: MASTER_KEY, ...options.env },
      });

    before(async () => {
      opened = await database.open();
      gateway = await startGateway(CONFIG, { store: opened.store });
      api = adminClient(gateway.url, MASTER_KEY);
    });
    after(async () => {
      await gateway.close();
      await opened.close();
    });

    describe('users', () => {
      it('create sends every field, prints the user and its first key once, marked', async () => {
        const r = await cli([
          'users',
          'create',
          '--email',
          'Ann@Example.com',
          '--alias',
          'ann',
          '--role',
          'internal_user',
          '--models',
          'mock-gpt',
          '--budget',
          '12.5',
          '--budget-duration',
          '30d',
          '--tpm',
          '100',
          '--rpm',
          '10',
          '--metadata',
          '{"team":"eng"}',
          '--user-id',
          'ann',
        ]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^user_email +Ann@Example\.com$/m);
        assert.match(r.stdout, /shown only once/);
        const key = /^ {4}(sk-\S+)$/m.exec(r.stdout)?.[1];
        assert.ok(key, r.stdout);
        assert.equal((await api.chat('mock-gpt', key)).status, 200);
        const info = (await api.get('/user/info?user_id=ann')).body.user_info;
        assert.deepEqual(
          [
            info.user_alias,
            info.models,
            info.max_budget,
            info.budget_duration,
            info.tpm_limit,
            info.rpm_limit,
            info.metadata,
          ],
          ['ann', ['mock-gpt'], 12.5, '30d', 100, 10, { team: 'eng' }],
        );
      });

      it('create --no-key makes no key; --json prints the API answer', async () => {
        const r = await cli([
          'users',
          'create',
          '--email',
          'nokey@example.com',
          '--no-key',
          '--json',
        ]);
        assert.equal(r.code, 0, r.stderr);
        const user = r.json();
        assert.equal(user.user_email, 'nokey@example.com');
        assert.equal(user.key ?? null, null);
        assert.doesNotMatch(r.stdout, /shown only once/);
      });

      it('list prints an aligned table; -o yaml and --json print the rows', async () => {
        const table = await cli(['users', 'list']);
        assert.equal(table.code, 0, table.stderr);
        const lines = table.stdout.trimEnd().split('\n');
        assert.match(lines[0]!, /^USER_ID +EMAIL +ALIAS +ROLE/);
        const emailColumn = lines[0]!.indexOf('EMAIL');
        const ann = lines.find((l) => l.startsWith('ann '));
        assert.equal(ann?.indexOf('Ann@Example.com'), emailColumn);
        const yaml = await cli(['users', 'list', '-o', 'yaml']);
        assert.match(yaml.stdout, /user_email: Ann@Example\.com/);
        const json = (await cli(['users', 'list', '--json', '--email', 'nokey'])).json();
        assert.deepEqual(
          json.users.map((u: { user_email: string }) => u.user_email),
          ['nokey@example.com'],
        );
      });

      it('list reads every page', async () => {
        for (let i = 0; i < 3; i++)
          await api.post('/user/new', { user_email: `page${i}@p.io`, auto_create_key: false });
        const before = (await cli(['users', 'list', '--json'])).json().total;
        assert.equal(before, (await api.get('/user/list?page_size=100')).body.total);
      });

      it('get shows the user and its keys', async () => {
        const r = await cli(['users', 'get', 'ann']);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^user_alias +ann$/m);
        assert.match(r.stdout, /^Keys:\n {2}sk-\.\.\./m);
      });

      it('update and update-budget change the user', async () => {
        assert.equal(
          (await cli(['users', 'update', 'ann', '--alias', 'anna', '--rpm', '20'])).code,
          0,
        );
        const r = await cli(['users', 'update-budget', 'ann', '--budget', '99']);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^max_budget +99$/m);
        const info = (await api.get('/user/info?user_id=ann')).body.user_info;
        assert.deepEqual([info.user_alias, info.rpm_limit, info.max_budget], ['anna', 20, 99]);
        const missing = await cli(['users', 'update-budget', '--budget', '5']);
        assert.equal(missing.code, 1);
        assert.match(missing.stderr, /needs a user/);
      });

      it('delete asks at a terminal, refuses without one, and goes ahead with --yes', async () => {
        await api.post('/user/new', { user_id: 'gone', auto_create_key: false });
        const refused = await cli(['users', 'delete', 'gone']);
        assert.equal(refused.code, 1);
        assert.equal(refused.stderr.trim().split('\n').length, 1);
        assert.match(refused.stderr, /standard input is not a terminal; pass --yes/);
        const declined = await cli(['users', 'delete', 'gone'], { answers: ['n'] });
        assert.equal(declined.code, 1);
        assert.match(declined.stderr, /Delete user gone with their keys\? \[y\/N\]/);
        assert.equal((await api.get('/user/info?user_id=gone')).status, 200);
        const asked = await cli(['users', 'delete', 'gone'], { answers: ['y'] });
        assert.equal(asked.code, 0, asked.stderr);
        assert.equal((await api.get('/user/info?user_id=gone')).status, 404);
        await api.post('/user/new', { user_id: 'gone2', auto_create_key: false });
        assert.equal((await cli(['users', 'delete', 'gone2', '--yes'])).code, 0);
        assert.equal((await api.get('/user/info?user_id=gone2')).status, 404);
      });

      it("a refused call prints the gateway's message on one line", async () => {
        const r = await cli(['users', 'create', '--email', 'ann@example.com']);
        assert.equal(r.code, 1);
        assert.equal(r.stdout, '');
        assert.match(r.stderr, /^tollgate: POST \/user\/new failed \(409\): .*already exists\n$/);
        const missing = await cli(['users', 'get', 'nobody']);
        assert.equal(missing.code, 1);
        assert.match(missing.stderr, /^tollgate: GET \/user\/info failed \(404\): .*nobody.*\n$/);
      });

      it('a bad option value names the option', async () => {
        const r = await cli(['users', 'create', '--email', 'x@y.z', '--budget', 'lots']);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /--budget <dollars>.*expected an amount in dollars/);
      });
    });

    describe('keys', () => {
      let secret: string;
      it('create prints the secret once and the key works', async () => {
        const r = await cli([
          'keys',
          'create',
          '--alias',
          'ci',
          '--models',
          '["mock-gpt"]',
          '--budget',
          '3',
          '--budget-duration',
          'monthly',
          '--duration',
          '30d',
          '--user-id',
          'ann',
          '--rpm',
          '60',
        ]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout.match(/shown only once/g)?.length, 1);
        secret = /^ {4}(sk-\S+)$/m.exec(r.stdout)?.[1] ?? '';
        assert.equal((await api.chat('mock-gpt', secret)).status, 200);
        const info = (await api.get(`/key/info?key=${secret}`)).body.info;
        assert.deepEqual(
          [
            info.key_alias,
            info.models,
            info.max_budget,
            info.budget_duration,
            info.user_id,
            info.rpm_limit,
          ],
          ['ci', ['mock-gpt'], 3, 'monthly', 'ann', 60],
        );
        assert.notEqual(info.expires, null);
      });

      it('list shows full rows with filters; info shows one key', async () => {
        const r = await cli(['keys', 'list', '--alias', 'ci']);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^KEY_NAME +ALIAS +USER_ID/);
        assert.equal(r.stdout.trimEnd().split('\n').length, 2);
        const json = (await cli(['keys', 'list', '--user-id', 'ann', '--json'])).json();
        assert.ok(json.keys.some((k: { key_alias: string }) => k.key_alias === 'ci'));
        const info = await cli(['keys', 'info', secret]);
        assert.match(info.stdout, /^key_alias +ci$/m);
      });

      it('update, block and unblock take effect', async () => {
        assert.equal((await cli(['keys', 'update', secret, '--budget', '7'])).code, 0);
        assert.equal((await api.get(`/key/info?key=${secret}`)).body.info.max_budget, 7);
        const blocked = await cli(['keys', 'block', secret]);
        assert.equal(blocked.code, 0, blocked.stderr);
        assert.equal((await api.chat('mock-gpt', secret)).status, 401);
        assert.equal((await cli(['keys', 'unblock', secret])).code, 0);
        assert.equal((await api.chat('mock-gpt', secret)).status, 200);
      });

      it('regenerate confirms, prints the new secret once, and the old one stops working', async () => {
        const refused = await cli(['keys', 'regenerate', secret]);
        assert.equal(refused.code, 1);
        const r = await cli(['keys', 'regenerate', secret, '--yes']);
        assert.equal(r.code, 0, r.stderr);
        const fresh = /^ {4}(sk-\S+)$/m.exec(r.stdout)?.[1] ?? '';
        assert.notEqual(fresh, secret);
        assert.equal((await api.chat('mock-gpt', secret)).status, 401);
        assert.equal((await api.chat('mock-gpt', fresh)).status, 200);
        secret = fresh;
      });

      it('delete confirms and removes the key', async () => {
        assert.equal((await cli(['keys', 'delete', secret])).code, 1);
        const r = await cli(['keys', 'delete', secret, '-y']);
        assert.equal(r.code, 0, r.stderr);
        assert.equal((await api.chat('mock-gpt', secret)).status, 401);
        const again = await cli(['keys', 'delete', secret, '-y']);
        assert.equal(again.code, 1);
        assert.match(again.stderr, /POST \/key\/delete failed \(404\)/);
      });
    });

    describe('teams', () => {
      let teamId: string;
      it('create, list, info, update', async () => {
        const created = await cli([
          'teams',
          'create',
          '--alias',
          'eng',
          '--models',
          'mock-gpt',
          '--budget',
          '100',
          '--json',
        ]);
        assert.equal(created.code, 0, created.stderr);
        teamId = created.json().team_id;
        const list = await cli(['teams', 'list']);
        assert.match(list.stdout, new RegExp(`^${teamId} +eng +0 +mock-gpt`, 'm'));
        assert.equal(
          (await cli(['teams', 'update', teamId, '--alias', 'engineering', '--rpm', '5'])).code,
          0,
        );
        const info = await cli(['teams', 'info', teamId]);
        assert.match(info.stdout, /^team_alias +engineering$/m);
        assert.match(info.stdout, /^Members: none$/m);
      });

      it('add-member and remove-member', async () => {
        const added = await cli([
          'teams',
          'add-member',
          teamId,
          '--email',
          'ann@example.com',
          '--role',
          'admin',
          '--budget',
          '4',
        ]);
        assert.equal(added.code, 0, added.stderr);
        assert.match(added.stdout, /^ann +Ann@Example\.com +admin$/m);
        const both = await cli([
          'teams',
          'add-member',
          teamId,
          '--email',
          'a@b.c',
          '--user-id',
          'x',
        ]);
        assert.equal(both.code, 1);
        assert.match(both.stderr, /exactly one of --user-id or --email/);
        assert.equal((await cli(['teams', 'remove-member', teamId, '--user-id', 'ann'])).code, 1);
        const removed = await cli(['teams', 'remove-member', teamId, '--user-id', 'ann', '--yes']);
        assert.equal(removed.code, 0, removed.stderr);
        assert.deepEqual(
          (await api.get(`/team/info?team_id=${teamId}`)).body.team_info.members_with_roles,
          [],
        );
      });

      it('add-members adds each named user, and says which could not join', async () => {
        const r = await cli([
          'teams',
          'add-members',
          teamId,
          '--user-ids',
          'bulk-1,bulk-2',
          '--emails',
          'bulk-3@example.com',
        ]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^Added 3 of 3\.$/m);
        const again = await cli(['teams', 'add-members', teamId, '--user-ids', 'bulk-1,bulk-4']);
        assert.equal(again.code, 0, again.stderr);
        assert.match(again.stdout, /^Added 1 of 2\.$/m);
        assert.match(again.stdout, /^bulk-1: User already in team\./m);
        const members = (await api.get(`/team/info?team_id=${teamId}`)).body.team_info
          .members_with_roles as { user_id: string; user_email: string | null }[];
        assert.equal(members.length, 4);
        for (const id of ['bulk-1', 'bulk-2', 'bulk-4']) {
          assert.ok(
            members.some((m) => m.user_id === id),
            id,
          );
        }
        assert.ok(members.some((m) => m.user_email === 'bulk-3@example.com'));
        for (const args of [[], ['--all-users', '--user-ids', 'x']]) {
          const bad = await cli(['teams', 'add-members', teamId, ...args]);
          assert.equal(bad.code, 1);
          assert.match(bad.stderr, /--user-ids and --emails, or give --all-users/);
        }
      });

      it('available says when no teams are open to join', async () => {
        const r = await cli(['teams', 'available']);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /No available teams for user to join/);
      });

      it('delete confirms and removes the team', async () => {
        const r = await cli(['teams', 'delete', teamId], { answers: ['yes'] });
        assert.equal(r.code, 0, r.stderr);
        assert.equal((await api.get(`/team/info?team_id=${teamId}`)).status, 404);
      });
    });

    describe('orgs', () => {
      it('create, list, info, update, members, delete', async () => {
        const created = await cli([
          'orgs',
          'create',
          '--alias',
          'acme',
          '--org-id',
          'cli-org',
          '--models',
          'mock-gpt',
          '--budget',
          '50',
          '--budget-duration',
          '30d',
        ]);
        assert.equal(created.code, 0, created.stderr);
        assert.match(created.stdout, /^max_budget +50$/m);
        const list = await cli(['orgs', 'list']);
        assert.match(list.stdout, /^cli-org +acme +0 +0 +mock-gpt/m);
        const updated = await cli([
          'orgs',
          'update',
          'cli-org',
          '--alias',
          'acme-corp',
          '--rpm',
          '7',
        ]);
        assert.equal(updated.code, 0, updated.stderr);
        assert.match(updated.stdout, /^rpm_limit +7$/m);
        const added = await cli([
          'orgs',
          'add-member',
          'cli-org',
          '--email',
          'org-admin@example.com',
          '--role',
          'org_admin',
        ]);
        assert.equal(added.code, 0, added.stderr);
        assert.match(added.stdout, /org_admin/);
        const info = await cli(['orgs', 'info', 'cli-org']);
        assert.match(info.stdout, /^organization_alias +acme-corp$/m);
        assert.match(info.stdout, /^Members:$/m);
        const joined = await cli([
          'users',
          'create',
          '--email',
          'org-member@example.com',
          '--organizations',
          'cli-org',
          '--no-key',
        ]);
        assert.equal(joined.code, 0, joined.stderr);
        const roles = (
          (await api.get('/organization/info?organization_id=cli-org')).body.members as {
            user_role: string;
            user_id: string;
          }[]
        ).map((m) => m.user_role);
        assert.deepEqual(roles.sort(), ['internal_user', 'org_admin']);
        const member = (
          await api.get('/user/list?organization_ids=cli-org&role=internal_user')
        ).body.users.find((u: { user_email: string }) => u.user_email === 'org-member@example.com');
        assert.ok(member, 'the new user is listed in the organization');
        await cli(['users', 'delete', member.user_id as string, '--yes']);
        const userId = (await api.get('/organization/info?organization_id=cli-org')).body.members[0]
          .user_id as string;
        const removed = await cli([
          'orgs',
          'remove-member',
          'cli-org',
          '--user-id',
          userId,
          '--yes',
        ]);
        assert.equal(removed.code, 0, removed.stderr);
        assert.deepEqual(
          (await api.get('/organization/info?organization_id=cli-org')).body.members,
          [],
        );
        const refused = await cli(['orgs', 'delete', 'cli-org']);
        assert.equal(refused.code, 1);
        const deleted = await cli(['orgs', 'delete', 'cli-org'], { answers: ['yes'] });
        assert.equal(deleted.code, 0, deleted.stderr);
        assert.equal((await api.get('/organization/info?organization_id=cli-org')).status, 404);
      });
    });

    describe('tags', () => {
      it('create, list, info, update, delete', async () => {
        const created = await cli([
          'tags',
          'create',
          'cli-cost-centre',
          '--description',
          'Engineering',
          '--budget',
          '500',
          '--budget-duration',
          '30d',
          '--rpm',
          '60',
        ]);
        assert.equal(created.code, 0, created.stderr);
        assert.match(created.stdout, /^max_budget +500$/m);
        assert.match(created.stdout, /^rpm_limit +60$/m);
        const list = await cli(['tags', 'list']);
        assert.match(list.stdout, /^cli-cost-centre +0 +500 +30d +Engineering/m);
        const updated = await cli(['tags', 'update', 'cli-cost-centre', '--budget', '750']);
        assert.equal(updated.code, 0, updated.stderr);
        assert.match(updated.stdout, /^max_budget +750$/m);
        const info = await cli(['tags', 'info', 'cli-cost-centre']);
        assert.match(info.stdout, /^description +Engineering$/m);
        const json = await cli(['tags', 'info', 'cli-cost-centre', '--output', 'json']);
        assert.equal(JSON.parse(json.stdout)['cli-cost-centre'].max_budget, 750);
        const missing = await cli(['tags', 'info', 'no-such-tag']);
        assert.equal(missing.code, 1);
        assert.match(missing.stderr, /Tags not found/);
        const refused = await cli(['tags', 'delete', 'cli-cost-centre']);
        assert.equal(refused.code, 1);
        const deleted = await cli(['tags', 'delete', 'cli-cost-centre'], { answers: ['yes'] });
        assert.equal(deleted.code, 0, deleted.stderr);
        assert.equal((await api.post('/tag/info', { names: ['cli-cost-centre'] })).status, 404);
      });
    });

    describe('models', () => {
      it('add, list and delete a database model', async () => {
        const added = await cli([
          'models',
          'add',
          'extra',
          '--model',
          'mock/extra',
          '--id',
          'm-extra',
          '--param',
          'rpm=5',
        ]);
        assert.equal(added.code, 0, added.stderr);
        assert.match(added.stdout, /^model_id +m-extra$/m);
        const list = await cli(['models', 'list']);
        assert.match(list.stdout, /^extra +mock\/extra +m-extra +database$/m);
        assert.match(list.stdout, /^mock-gpt +mock\/gpt +\S+ +config$/m);
        assert.equal((await api.chat('extra')).status, 200);
        const deleted = await cli(['models', 'delete', 'm-extra', '--yes']);
        assert.equal(deleted.code, 0, deleted.stderr);
        assert.equal((await api.chat('extra')).status, 400);
        const bad = await cli(['models', 'add', 'x', '--model', 'opneai/gpt']);
        assert.equal(bad.code, 1);
        assert.match(bad.stderr, /unknown provider/);
      });
    });

    describe('invites and spend', () => {
      it("invites create calls /invitation/new and reports the gateway's answer", async () => {
        const r = await cli(['invites', 'create', '--user-id', 'ann']);
        const answer = await api.post('/invitation/new', { user_id: 'ann' });
        if (answer.status === 404) {
          assert.equal(r.code, 1);
          assert.match(r.stderr, /does not serve \/invitation\/new \(404 Not Found\)/);
        } else {
          assert.equal(r.code, 0, r.stderr);
          assert.match(r.stdout, /user_id +ann/);
        }
      });

      it('spend reads /spend/logs or /global/spend/report for the range', async () => {
        const byUser = await cli([
          'spend',
          '--user',
          'ann',
          '--start-date',
          '2026-03-01',
          '--end-date',
          '2026-03-02',
        ]);
        const logs = await api.get(
          '/spend/logs?user_id=ann&start_date=2026-03-01&end_date=2026-03-02&summarize=true',
        );
        if (logs.status === 404) {
          assert.equal(byUser.code, 1);
          assert.match(byUser.stderr, /does not serve \/spend\/logs/);
        } else {
          assert.equal(byUser.code, 0, byUser.stderr);
          assert.match(byUser.stdout, /^TOTAL +\d/m);
        }
        const both = await cli(['spend', '--user', 'a', '--team', 'b']);
        assert.equal(both.code, 1);
        assert.match(both.stderr, /one of --user, --team or --key/);
        const backwards = await cli([
          'spend',
          '--start-date',
          '2026-03-05',
          '--end-date',
          '2026-03-01',
        ]);
        assert.match(backwards.stderr, /is after --end-date/);
        const badDate = await cli(['spend', '--start-date', '03/05/2026']);
        assert.match(badDate.stderr, /YYYY-MM-DD/);
      });
    });
  });
}

describe('tollgate admin commands: connection and output', () => {
  let opened: OpenedTestStore;
  let gateway: TestGateway;
  before(async () => {
    opened = await (await testDatabases())[0]!.open();
    gateway = await startGateway(CONFIG, { store: opened.store });
  });
  after(async () => {
    await gateway.close();
    await opened.close();
  });

  it('takes --url/--master-key over TOLLGATE_* over LITELLM_*', async () => {
    const bad = { TOLLGATE_URL: 'http://127.0.0.1:9', TOLLGATE_MASTER_KEY: 'sk-wrong' };
    const flags = await tollgate(
      ['users', 'list', '--url', gateway.url, '--master-key', MASTER_KEY],
      { env: bad },
    );
    assert.equal(flags.code, 0, flags.stderr);
    const tollgateVars = await tollgate(['users', 'list'], {
      env: {
        TOLLGATE_URL: gateway.url,
        TOLLGATE_MASTER_KEY: MASTER_KEY,
        LITELLM_URL: 'http://127.0.0.1:9',
        LITELLM_MASTER_KEY: 'sk-wrong',
      },
    });
    assert.equal(tollgateVars.code, 0, tollgateVars.stderr);
    const litellmVars = await tollgate(['users', 'list'], {
      env: { LITELLM_URL: gateway.url, LITELLM_MASTER_KEY: MASTER_KEY },
    });
    assert.equal(litellmVars.code, 0, litellmVars.stderr);
  });

  it('an unreachable gateway, a wrong key or no key: one line and exit code 1', async () => {
    const closed = await startGateway(CONFIG);
    const deadUrl = closed.url;
    await closed.close();
    const cases: [Record<string, string>, RegExp][] = [
      [
        { TOLLGATE_URL: deadUrl, TOLLGATE_MASTER_KEY: MASTER_KEY },
        /^tollgate: cannot reach the gateway at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/,
      ],
      [
        { TOLLGATE_URL: gateway.url, TOLLGATE_MASTER_KEY: 'sk-wrong' },
        /^tollgate: the gateway refused the master key \(401\): Authentication Error/,
      ],
      [
        { TOLLGATE_URL: gateway.url },
        /^tollgate: the gateway at .* asks for a key: pass --master-key or set TOLLGATE_MASTER_KEY/,
      ],
      [{ TOLLGATE_URL: 'not a url' }, /^tollgate: gateway URL "not a url" is not a URL/],
    ];
    for (const [env, expected] of cases) {
      const r = await tollgate(['keys', 'list'], { env });
      assert.equal(r.code, 1, JSON.stringify(env));
      assert.equal(r.stdout, '');
      assert.match(r.stderr, expected);
      assert.equal(r.stderr.split('\n').length, 2, r.stderr);
    }
  });

  it('shows a spinner only when a person watches a table', async () => {
    const env = { TOLLGATE_URL: gateway.url, TOLLGATE_MASTER_KEY: MASTER_KEY };
    const watched = await tollgate(['users', 'list'], { env, tty: true });
    assert.equal(watched.code, 0, watched.stderr);
    assert.match(watched.stderr, /Listing users/);
    const piped = await tollgate(['users', 'list'], { env });
    assert.equal(piped.stderr, '');
    const json = await tollgate(['users', 'list', '--json'], { env, tty: true });
    assert.equal(json.stderr, '');
  });

  it('refuses an unknown output format', async () => {
    const r = await tollgate(['users', 'list', '-o', 'xml'], {
      env: { TOLLGATE_URL: gateway.url },
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /-o xml: expected table, json or yaml/);
  });
});
