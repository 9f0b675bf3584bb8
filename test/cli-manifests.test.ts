/**
 * `tollgate apply|diff|delete -f` with the operator's resources, against a real gateway on every
 * database: the guide's examples as written, idempotence, adoption by natural key, prune, key
 * secrets shown once or written to a file, and every refusal before anything changes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { tollgate, type CliHarnessOptions } from './helpers/cli-harness.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';

const CONFIG = {
  model_list: [
    { model_name: 'gpt-4o', litellm_params: { model: 'mock/gpt-4o' } },
    { model_name: 'claude-3-sonnet', litellm_params: { model: 'mock/claude-3-sonnet' } },
  ],
  general_settings: { master_key: MASTER_KEY },
  guardrails: [
    {
      guardrail_name: 'pii',
      litellm_params: {
        guardrail: 'litellm_content_filter',
        patterns: [{ pattern_type: 'prebuilt', pattern_name: 'email', action: 'MASK' }],
      },
    },
  ],
};

/** The two User examples of the operator's user guide, as written. */
const GUIDE_USERS = `apiVersion: auth.litellm.ai/v1alpha1
kind: User
metadata:
  name: alice
spec:
  userEmail: "alice@example.com"
  userAlias: "alice"
  userRole: "internal_user_viewer"
  keyAlias: "alice-key"
  autoCreateKey: true
  models:
    - "gpt-4o"
  maxBudget: "10"
  budgetDuration: 1h
  connectionRef:
    instanceRef:
      name: litellm-example
      namespace: litellm
---
apiVersion: auth.litellm.ai/v1alpha1
kind: User
metadata:
  name: admin-user
spec:
  userEmail: "admin@example.com"
  userAlias: "admin"
  userRole: "admin"
  keyAlias: "admin-key"
  autoCreateKey: true
  models:
    - "gpt-4o"
    - "claude-3-sonnet"
  maxBudget: "1000"
  budgetDuration: 30d
  connectionRef:
    instanceRef:
      name: litellm-example
      namespace: litellm
`;

const connection = `  connectionRef:
    instanceRef:
      name: litellm-example
`;

function team(alias: string, budget: string): string {
  return `apiVersion: auth.litellm.ai/v1alpha1
kind: Team
metadata:
  name: ${alias}
spec:
  teamAlias: ${alias}
  models: ["gpt-4o"]
  maxBudget: "${budget}"
  budgetDuration: 30d
${connection}`;
}

function membership(name: string, teamRef: string, userRef: string, role: string): string {
  return `apiVersion: auth.litellm.ai/v1alpha1
kind: TeamMemberAssociation
metadata:
  name: ${name}
spec:
  teamRef: { name: ${teamRef} }
  userRef: { name: ${userRef} }
  role: ${role}
  maxBudgetInTeam: "5"
${connection}`;
}

function virtualKey(alias: string, budget: string): string {
  return `apiVersion: auth.litellm.ai/v1alpha1
kind: VirtualKey
metadata:
  name: ${alias}
spec:
  keyAlias: ${alias}
  models: ["gpt-4o"]
  maxBudget: "${budget}"
  metadata: { env: ci }
${connection}`;
}

function writeFiles(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-manifests-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

for (const database of await testDatabases()) {
  describe(`tollgate apply/diff/delete on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;
    let gateway: TestGateway;
    let api: AdminClient;
    const cli = (args: string[], options: CliHarnessOptions = {}) =>
      tollgate(args, {
        ...options,
        env: { TOLLGATE_URL: gateway.url, TOLLGATE_MASTER_KEY: MASTER_KEY },
      });
    const userByEmail = async (email: string) =>
      (await api.get(`/user/list?user_email=${email}`)).body.users.find(
        (u: { user_email: string }) => u.user_email === email,
      );

    before(async () => {
      opened = await database.open();
      gateway = await startGateway(CONFIG, { store: opened.store });
      api = adminClient(gateway.url, MASTER_KEY);
    });
    after(async () => {
      await gateway.close();
      await opened.close();
    });

    it("applies the guide's User examples as written; their keys are printed once and work", async () => {
      const file = join(writeFiles({ 'users.yaml': GUIDE_USERS }), 'users.yaml');
      const r = await cli(['apply', '-f', file]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^\+ User alice@example\.com: create$/m);
      assert.match(r.stdout, /^Applied: 2 to create, 0 to update, 0 to delete, 0 unchanged\.$/m);
      const secrets = [...r.stdout.matchAll(/^ {4}(sk-\S+)$/gm)].map((m) => m[1]!);
      assert.equal(secrets.length, 2);
      assert.match(r.stdout, /Secret of key alice-key \(User alice\)/);
      assert.equal((await api.chat('gpt-4o', secrets[0])).status, 200);
      const alice = await userByEmail('alice@example.com');
      assert.deepEqual(
        [
          alice.user_alias,
          alice.user_role,
          alice.models,
          alice.max_budget,
          alice.budget_duration,
          alice.metadata.managed_by,
        ],
        ['alice', 'internal_user_viewer', ['gpt-4o'], 10, '1h', 'tollgate'],
      );
      assert.equal((await userByEmail('admin@example.com')).user_role, 'proxy_admin');

      const again = await cli(['apply', '-f', file]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /^Plan: 0 to create, 0 to update, 0 to delete, 2 unchanged\.$/m);
      assert.doesNotMatch(again.stdout, /sk-/);
      assert.equal((await api.get('/user/list?user_email=alice@example.com')).body.total, 1);
    });

    it('adopts existing users and teams by email and alias, never duplicating them', async () => {
      await api.post('/user/new', {
        user_email: 'Bob@Example.com',
        user_id: 'bob-existing',
        auto_create_key: false,
        max_budget: 1,
      });
      const before = (await api.get('/team/new').catch(() => undefined),
      await api.post('/team/new', { team_alias: 'platform', max_budget: 3 })).body.team_id;
      const bob = `apiVersion: auth.litellm.ai/v1alpha1
kind: User
metadata: { name: bob }
spec:
  userEmail: bob@example.com
  maxBudget: "2"
${connection}`;
      const dir = writeFiles({
        'bob.yaml': bob,
        'team.yaml': team('platform', '50'),
        'member.yaml': membership('bob-platform', 'platform', 'bob', 'admin'),
      });
      const diff = await cli(['diff', '-f', dir]);
      assert.equal(diff.code, 1, diff.stderr);
      assert.match(
        diff.stdout,
        /^~ User bob@example\.com: update \(existing, adopted\)\n {4}max_budget: 1 → 2$/m,
      );
      assert.match(diff.stdout, /^~ Team platform: update \(existing, adopted\)$/m);
      assert.match(diff.stdout, /^\+ TeamMemberAssociation platform ← bob@example\.com: create$/m);

      const r = await cli(['apply', '-f', dir]);
      assert.equal(r.code, 0, r.stderr);
      const bobNow = await userByEmail('Bob@Example.com');
      assert.equal(bobNow.user_id, 'bob-existing');
      assert.equal(bobNow.max_budget, 2);
      const teams = (await api.get('/team/list')).body.filter(
        (t: { team_alias: string }) => t.team_alias === 'platform',
      );
      assert.equal(teams.length, 1);
      assert.equal(teams[0].team_id, before);
      assert.equal(teams[0].max_budget, 50);
      assert.deepEqual(
        teams[0].members_with_roles.map((m: { user_id: string; role: string }) => [
          m.user_id,
          m.role,
        ]),
        [['bob-existing', 'admin']],
      );
      assert.equal(teams[0].team_memberships[0].max_budget_in_team, 5);

      const clean = await cli(['diff', '-f', dir]);
      assert.equal(clean.code, 0, clean.stdout);
      assert.match(clean.stdout, /0 to create, 0 to update, 0 to delete, 3 unchanged/);
    });

    it('creates a team, its members and keys in one run; secrets go to --secrets-out', async () => {
      const dir = writeFiles({
        'all.yaml': [
          team('research', '20'),
          membership('alice-research', 'research', 'alice', 'user'),
          virtualKey('research-ci', '4'),
          GUIDE_USERS,
        ].join('---\n'),
      });
      const out = join(dir, 'secrets.yaml');
      const dry = await cli(['apply', '-f', dir, '--dry-run']);
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stdout, /dry run: nothing was changed/);
      assert.equal(
        (await api.get('/team/list')).body.some(
          (t: { team_alias: string }) => t.team_alias === 'research',
        ),
        false,
      );

      const r = await cli(['apply', '-f', dir, '--secrets-out', out]);
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stdout, /sk-/);
      assert.match(r.stderr, /1 key secret\(s\) appended to/);
      assert.equal(statSync(out).mode & 0o777, 0o600);
      const [secret] = parseAllDocuments(readFileSync(out, 'utf8')).map((d) => d.toJS());
      assert.equal(secret.kind, 'Secret');
      assert.equal(secret.metadata.name, 'litellm-example-key-research-ci');
      assert.equal((await api.chat('gpt-4o', secret.stringData.key)).status, 200);
      const key = (await api.get(`/key/info?key=${secret.stringData.key}`)).body.info;
      assert.deepEqual([key.max_budget, key.metadata], [4, { env: 'ci', managed_by: 'tollgate' }]);

      const changed = writeFiles({
        'all.yaml': [
          team('research', '20'),
          membership('alice-research', 'research', 'alice', 'user'),
          virtualKey('research-ci', '8'),
          GUIDE_USERS,
        ].join('---\n'),
      });
      const update = await cli(['apply', '-f', changed, '--json']);
      assert.equal(update.code, 0, update.stderr);
      const steps = update.json().steps;
      assert.deepEqual(
        steps
          .filter((s: { action: string }) => s.action !== 'unchanged')
          .map((s: { kind: string; action: string; changes: unknown }) => [
            s.kind,
            s.action,
            s.changes,
          ]),
        [['VirtualKey', 'update', [{ field: 'max_budget', from: 4, to: 8 }]]],
      );
      assert.equal((await api.chat('gpt-4o', secret.stringData.key)).status, 200);
    });

    it("applies a Team's and a VirtualKey's guardrails; applying again changes nothing", async () => {
      const guarded = [
        team('guarded', '20').replace(
          '  budgetDuration: 30d\n',
          '  budgetDuration: 30d\n  guardrails: [pii]\n',
        ),
        virtualKey('guarded-key', '4').replace(
          '  metadata: { env: ci }\n',
          '  metadata: { env: ci }\n  guardrails: [pii]\n',
        ),
      ].join('---\n');
      assert.match(guarded, /guardrails: \[pii\][\s\S]*guardrails: \[pii\]/);
      const dir = writeFiles({ 'guarded.yaml': guarded });
      const first = await cli(['apply', '-f', dir, '--json']);
      assert.equal(first.code, 0, first.stderr);
      assert.doesNotMatch(first.stderr, /guardrails/, 'not reported as ignored');
      const teams = (await api.get('/team/list')).body as {
        team_alias: string;
        metadata: unknown;
      }[];
      assert.deepEqual(teams.find((t) => t.team_alias === 'guarded')?.metadata, {
        guardrails: ['pii'],
        managed_by: 'tollgate',
      });
      const keys = (await api.get('/key/list?key_alias=guarded-key&return_full_object=true')).body
        .keys as { metadata: Record<string, unknown> }[];
      assert.deepEqual(keys[0]?.metadata.guardrails, ['pii']);
      const again = await cli(['apply', '-f', dir, '--json']);
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual(
        again
          .json()
          .steps.filter((step: { action: string }) => step.action !== 'unchanged')
          .map((step: { kind: string }) => step.kind),
        [],
      );
    });

    it('puts a Team in the organization its organizationID names, and keeps it there', async () => {
      const org = await api.post('/organization/new', {
        organization_id: 'manifest-org',
        organization_alias: 'manifest-org',
        models: ['gpt-4o'],
      });
      assert.equal(org.status, 200, JSON.stringify(org.body));
      const inOrg = team('org-team', '3').replace(
        '  budgetDuration: 30d\n',
        '  budgetDuration: 30d\n  organizationID: manifest-org\n',
      );
      const dir = writeFiles({ 'team.yaml': inOrg });
      const r = await cli(['apply', '-f', dir]);
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /organizationID/);
      const listed = await api.get('/organization/info?organization_id=manifest-org');
      assert.deepEqual(
        listed.body.teams.map((t: { team_alias: string }) => t.team_alias),
        ['org-team'],
      );
      const again = await cli(['apply', '-f', dir, '--json']);
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual(
        again.json().steps.map((step: { action: string }) => step.action),
        ['unchanged'],
      );
    });

    it('--prune deletes what apply created and the files no longer name, never adopted objects', async () => {
      const dir = writeFiles({ 'a.yaml': [GUIDE_USERS, team('platform', '50')].join('---\n') });
      const diff = await cli(['diff', '-f', dir, '--prune']);
      assert.equal(diff.code, 1);
      assert.match(
        diff.stdout,
        /^- VirtualKey research-ci: delete \(no longer in the manifests\)$/m,
      );
      assert.match(diff.stdout, /^- Team research: delete \(no longer in the manifests\)$/m);
      assert.doesNotMatch(diff.stdout, /bob/);
      assert.doesNotMatch(diff.stdout, /^- .*platform/m);
      const r = await cli(['apply', '-f', dir, '--prune']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        (await api.get('/team/list')).body.some(
          (t: { team_alias: string }) => t.team_alias === 'research',
        ),
        false,
      );
      assert.ok(await userByEmail('Bob@Example.com'));
    });

    it('delete -f confirms, then deletes the named objects', async () => {
      const dir = writeFiles({ 'users.yaml': GUIDE_USERS });
      const refused = await cli(['delete', '-f', dir]);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /pass --yes/);
      assert.ok(await userByEmail('alice@example.com'));
      const r = await cli(['delete', '-f', dir, '--yes']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(await userByEmail('alice@example.com'), undefined);
      const again = await cli(['delete', '-f', dir, '--yes']);
      assert.match(again.stdout, /^= User alice@example\.com: not found, nothing to delete$/m);
    });

    it('reads manifests from standard input', async () => {
      const r = await cli(['diff', '-f', '-'], { stdin: virtualKey('stdin-key', '1') });
      assert.equal(r.code, 1);
      assert.match(r.stdout, /^\+ VirtualKey stdin-key: create$/m);
    });
  });
}

describe('tollgate apply refuses bad manifests before changing anything', () => {
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
  const env = () => ({ TOLLGATE_URL: gateway.url, TOLLGATE_MASTER_KEY: MASTER_KEY });

  it('names the file, document and field of every problem', async () => {
    const dir = writeFiles({
      'bad.yaml': [
        'apiVersion: auth.litellm.ai/v1alpha1\nkind: User\nmetadata: { name: nomail }\nspec:\n  userRole: internal_user\n' +
          connection,
        'apiVersion: auth.litellm.ai/v1alpha1\nkind: User\nmetadata: { name: typo }\nspec:\n  userEmail: t@x.io\n  maxBuget: "3"\n' +
          connection,
        'apiVersion: auth.litellm.ai/v1alpha1\nkind: TeamMemberAssociation\nmetadata: { name: m }\nspec:\n  teamRef: { name: t }\n  userRef: { name: u }\n  role: owner\n' +
          connection,
        'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\n',
        team('dup', '1'),
        team('dup', '2'),
      ].join('---\n'),
      'broken.yml': 'kind: [unclosed',
    });
    const r = await tollgate(['apply', '-f', dir], { env: env() });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^tollgate: invalid manifests, nothing was changed:$/m);
    assert.match(r.stderr, /bad\.yaml: document 1 \(User nomail\): spec\.userEmail: /);
    assert.match(r.stderr, /bad\.yaml: document 2 \(User typo\): spec: unknown field maxBuget/);
    assert.match(r.stderr, /document 3 \(TeamMemberAssociation m\): spec\.role: /);
    assert.match(
      r.stderr,
      /document 4 \(ConfigMap c\): apiVersion: expected auth\.litellm\.ai\/v1alpha1, got "v1"/,
    );
    assert.match(r.stderr, /Team default\/dup is defined twice/);
    assert.match(r.stderr, /broken\.yml: document 1: not valid YAML/);
    assert.equal((await tollgate(['users', 'list', '--json'], { env: env() })).json().total, 0);
  });

  it('refuses a membership whose refs name no manifest, and a missing file', async () => {
    const dir = writeFiles({ 'm.yaml': membership('m', 'ghost-team', 'ghost-user', 'user') });
    const r = await tollgate(['apply', '-f', dir], { env: env() });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /teamRef ghost-team names no Team in the manifests/);
    const missing = await tollgate(['apply', '-f', join(dir, 'nope.yaml')], { env: env() });
    assert.match(missing.stderr, /nope\.yaml: no such file or folder/);
    const diffError = await tollgate(['diff', '-f', join(dir, 'nope.yaml')], { env: env() });
    assert.equal(diffError.code, 2);
  });
});
