/**
 * Organizations, as LiteLLM's docs use them: `/organization/new` with models and a budget, teams
 * made in it, members with a role in it. The org's models bound its teams' keys, its budget is
 * charged by every call of those keys, and its admins manage its members. The /organization/*
 * routes, their errors and who may call them, on SQLite and PostgreSQL, with the official OpenAI
 * SDK as the client.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { adminClient, type AdminClient, type JsonResponse } from './helpers/admin-client.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import {
  MAX_TOKENS,
  oneCallBudget,
  pricedModel,
  refusal as refusalOf,
} from './helpers/priced-models.js';

const MESSAGES = [{ role: 'user' as const, content: 'gm' }];

const CONFIG = {
  model_list: [pricedModel('llama3'), pricedModel('mistral')],
  general_settings: { master_key: MASTER_KEY },
};

for (const database of await testDatabases()) {
  describe(`/organization/* on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;
    let gateway: TestGateway;
    let api: AdminClient;

    before(async () => {
      opened = await database.open();
      gateway = await startGateway(CONFIG, { store: opened.store });
      api = adminClient(gateway.url, MASTER_KEY);
    });
    after(async () => {
      await gateway?.close();
      await opened?.close();
    });

    /** Any method, as LiteLLM's PATCH and DELETE routes need. */
    async function send(
      method: string,
      path: string,
      body: unknown,
      key = MASTER_KEY,
    ): Promise<JsonResponse> {
      const response = await fetch(`${gateway.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
    }

    async function post(path: string, body: Record<string, unknown>, key = MASTER_KEY) {
      const r = await api.post(path, body, key);
      assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
      return r.body as Record<string, unknown>;
    }

    function ask(key: string, model = 'llama3') {
      const sdk = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
      return sdk.chat.completions.create({ model, messages: MESSAGES, max_tokens: MAX_TOKENS });
    }

    it('creates an organization with its models and a budget of its own, as the docs show', async () => {
      const org = await post('/organization/new', {
        organization_alias: 'my-secret-org',
        models: ['llama3'],
        max_budget: 100,
        budget_duration: '30d',
        metadata: { cost_center: 'R&D' },
      });
      assert.equal(org.organization_alias, 'my-secret-org');
      assert.match(String(org.organization_id), /^[0-9a-f-]{36}$/);
      assert.deepEqual(org.models, ['llama3']);
      assert.deepEqual(org.metadata, { cost_center: 'R&D' });
      assert.equal(org.spend, 0);
      assert.equal(org.created_by, 'default_user_id');
      const budget = org.litellm_budget_table as Record<string, unknown>;
      assert.equal(budget.budget_id, org.budget_id);
      assert.equal(budget.max_budget, 100);
      assert.equal(budget.budget_duration, '30d');
      assert.ok(Date.parse(String(org.budget_reset_at)) > Date.now() + 29 * 86_400_000);
      assert.deepEqual(org.members, []);
      assert.deepEqual(org.teams, []);

      const info = await api.get(`/organization/info?organization_id=${org.organization_id}`);
      assert.equal(info.status, 200);
      assert.equal(info.body.organization_alias, 'my-secret-org');
      assert.equal(info.body.litellm_budget_table.max_budget, 100);
    });

    it('creates one on an existing budget (budget_id), and refuses an unknown budget', async () => {
      await post('/budget/new', { budget_id: 'org-tier', max_budget: 5, rpm_limit: 50 });
      const org = await post('/organization/new', {
        organization_alias: 'tiered',
        organization_id: 'tiered',
        budget_id: 'org-tier',
      });
      assert.equal(org.budget_id, 'org-tier');
      assert.equal((org.litellm_budget_table as { rpm_limit: number }).rpm_limit, 50);

      const held = await api.post('/budget/delete', { id: 'org-tier' });
      assert.equal(held.status, 400);
      assert.match(held.body.error.message, /holds the limits of 1 organization/);

      const unknown = await api.post('/organization/new', {
        organization_alias: 'x',
        budget_id: 'no-such-budget',
      });
      assert.equal(unknown.status, 400);
      assert.match(unknown.body.error.message, /Budget not found: budget_id=no-such-budget/);
      const again = await api.post('/organization/new', {
        organization_alias: 'dup',
        organization_id: 'tiered',
      });
      assert.equal(again.status, 400);
      assert.match(again.body.error.message, /Organization id = tiered already exists/);
    });

    it('refuses bad input with the field named, and writes nothing', async () => {
      const before = (await api.get('/organization/list')).body.length;
      const noAlias = await api.post('/organization/new', { models: ['llama3'] });
      assert.equal(noAlias.status, 422);
      assert.match(JSON.stringify(noAlias.body), /organization_alias/);
      const negative = await api.post('/organization/new', {
        organization_alias: 'neg',
        max_budget: -1,
      });
      assert.equal(negative.status, 400);
      assert.match(negative.body.error.message, /max_budget must be a non-negative/);
      const badDuration = await api.post('/organization/new', {
        organization_alias: 'dur',
        budget_duration: 'fortnightly',
      });
      assert.equal(badDuration.status, 400);
      assert.equal((await api.get('/organization/list')).body.length, before);
    });

    it('puts teams in an organization: it must exist, and its models bound theirs', async () => {
      await post('/organization/new', {
        organization_alias: 'acme',
        organization_id: 'acme',
        models: ['llama3'],
      });
      const team = await post('/team/new', {
        team_id: 'acme-research',
        organization_id: 'acme',
        models: ['llama3'],
      });
      assert.equal(team.organization_id, 'acme');

      const unknown = await api.post('/team/new', { team_id: 't-x', organization_id: 'nope' });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.error.message, 'Organization not found for organization_id=nope');
      const outside = await api.post('/team/new', {
        team_id: 't-y',
        organization_id: 'acme',
        models: ['mistral'],
      });
      assert.equal(outside.status, 400);
      assert.match(outside.body.error.message, /Model not in organization's allowed models/);
      assert.equal((await api.get('/team/info?team_id=t-y')).status, 404);

      const listed = await api.get('/organization/info?organization_id=acme');
      assert.deepEqual(
        listed.body.teams.map((t: { team_id: string }) => t.team_id),
        ['acme-research'],
      );
      const teams = await api.get('/team/list?organization_id=acme');
      assert.deepEqual(
        teams.body.map((t: { team_id: string }) => t.team_id),
        ['acme-research'],
      );
      // "" takes a team out of its organization.
      await post('/team/update', { team_id: 'acme-research', organization_id: '' });
      assert.equal(
        (await api.get('/team/info?team_id=acme-research')).body.team_info.organization_id,
        null,
      );
    });

    it("holds a team's keys to the organization's models", async () => {
      await post('/organization/new', {
        organization_alias: 'models-org',
        organization_id: 'models-org',
        models: ['llama3'],
      });
      // A team with no list of its own gets every model its organization allows, no more.
      await post('/team/new', { team_id: 'models-team', organization_id: 'models-org' });
      const patched = await send('PATCH', '/organization/update', {
        organization_id: 'models-org',
        models: ['llama3'],
        metadata: { tier: 'gold' },
      });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.deepEqual(patched.body.metadata, { tier: 'gold' });
      const key = (await post('/key/generate', { team_id: 'models-team' })).key as string;
      const ok = await ask(key, 'llama3');
      assert.equal(ok.choices[0]?.message.role, 'assistant');
      const error = await refusalOf(ask(key, 'mistral'));
      assert.equal(error.status, 401);
      assert.match(
        error.message,
        /Organization not allowed to access model. Organization=models-org, Model=mistral/,
      );
      const models = await api.get('/v1/models', key);
      assert.deepEqual(
        models.body.data.map((m: { id: string }) => m.id),
        ['llama3'],
      );
    });

    it("refuses calls once the organization's budget is spent, across its teams, and books its spend", async () => {
      const budget = oneCallBudget('llama3', MESSAGES);
      await post('/organization/new', {
        organization_alias: 'thrifty',
        organization_id: 'thrifty',
        max_budget: budget,
      });
      await post('/team/new', { team_id: 'thrifty-a', organization_id: 'thrifty' });
      await post('/team/new', { team_id: 'thrifty-b', organization_id: 'thrifty' });
      const keyA = (await post('/key/generate', { team_id: 'thrifty-a' })).key as string;
      const keyB = (await post('/key/generate', { team_id: 'thrifty-b' })).key as string;

      await ask(keyA);
      const error = await refusalOf(ask(keyB));
      assert.ok(error.status === 429 || error.status === 400, `status ${error.status}`);
      assert.match(error.message, /Budget has been exceeded! Organization=thrifty Current cost: /);

      await gateway.app.ledger?.flush();
      const info = await api.get('/organization/info?organization_id=thrifty');
      assert.ok(info.body.spend > 0 && info.body.spend <= budget, `spend ${info.body.spend}`);
      const logs = await api.get('/spend/logs?api_key=' + keyA);
      assert.equal(logs.body[0].metadata.user_api_key_org_id, 'thrifty');

      // A bigger budget lets the teams call again at once.
      await post('/organization/update', { organization_id: 'thrifty', max_budget: 10 });
      const again = await ask(keyB);
      assert.equal(again.choices[0]?.message.role, 'assistant');
    });

    it('gives a key outside any team to an organization (organization_id), held to its models and budget', async () => {
      const budget = oneCallBudget('llama3', MESSAGES);
      await post('/organization/new', {
        organization_alias: 'direct',
        organization_id: 'direct',
        models: ['llama3'],
        max_budget: budget,
      });
      const key = (await post('/key/generate', { organization_id: 'direct' })).key as string;
      const info = await api.get(`/key/info?key=${key}`);
      assert.equal(info.body.info.organization_id, 'direct');
      await ask(key);
      const broke = await refusalOf(ask(key));
      assert.match(broke.message, /Budget has been exceeded! Organization=direct/);
      const outside = await refusalOf(ask(key, 'mistral'));
      assert.equal(outside.status, 401);
      assert.match(outside.message, /Organization not allowed to access model/);

      const unknown = await api.post('/key/generate', { organization_id: 'nowhere' });
      assert.equal(unknown.status, 400);
      assert.equal(
        unknown.body.error.message,
        'Organization not found for organization_id=nowhere',
      );
      await post('/organization/new', {
        organization_alias: 'other',
        organization_id: 'not-direct',
      });
      await post('/team/new', { team_id: 'elsewhere', organization_id: 'not-direct' });
      const mismatch = await api.post('/key/generate', {
        team_id: 'elsewhere',
        organization_id: 'direct',
      });
      assert.equal(mismatch.status, 400);
      assert.match(mismatch.body.error.message, /Team=elsewhere is not in organization=direct/);

      // An internal user names only an organization it is a member of.
      const user = await post('/user/new', { user_id: 'direct-user' });
      const own = user.key as string;
      const refused = await api.post('/key/generate', { organization_id: 'direct' }, own);
      assert.equal(refused.status, 403);
      assert.match(refused.body.error.message, /not a member of organization=direct/);
      await post('/organization/member_add', {
        organization_id: 'direct',
        member: { role: 'internal_user', user_id: 'direct-user' },
      });
      const allowed = await api.post('/key/generate', { organization_id: 'direct' }, own);
      assert.equal(allowed.status, 200, JSON.stringify(allowed.body));

      // /key/list?organization_id=: the organization's keys; a user still sees only its own.
      const listed = await api.get('/key/list?organization_id=direct&size=100');
      assert.equal(listed.status, 200, JSON.stringify(listed.body));
      assert.equal(listed.body.total_count, 2);
      assert.ok((listed.body.keys as string[]).includes(allowed.body.token as string));
      const full = await api.get('/key/list?organization_id=direct&return_full_object=true');
      assert.ok(
        (full.body.keys as { organization_id: string }[]).every(
          (k) => k.organization_id === 'direct',
        ),
      );
      const mine = await api.get('/key/list?organization_id=direct', own);
      assert.deepEqual(mine.body.keys, [allowed.body.token]);
      const none = await api.get('/key/list?organization_id=not-direct');
      assert.equal(none.body.total_count, 0);

      // Deleting the organization deletes its own keys too.
      const deleted = await send('DELETE', '/organization/delete', {
        organization_ids: ['direct'],
      });
      assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
      assert.equal((await refusalOf(ask(key))).status, 401);
      assert.equal((await api.get(`/key/info?key=${allowed.body.key}`)).status, 404);
    });

    it("keeps a key in its organization: only a proxy admin or the organization's admin takes it out", async () => {
      await post('/organization/new', {
        organization_alias: 'kept',
        organization_id: 'kept',
        models: ['llama3'],
      });
      const owner = await post('/user/new', { user_id: 'kept-user' });
      await post('/team/new', {
        team_id: 'free-team',
        members_with_roles: [{ role: 'user', user_id: 'kept-user' }],
      });
      const ownerKey = owner.key as string;
      const key = (await post('/key/generate', { user_id: 'kept-user', organization_id: 'kept' }))
        .key as string;
      for (const body of [
        { key, organization_id: '' },
        { key, organization_id: null },
      ]) {
        const out = await api.post('/key/update', body, ownerKey);
        assert.equal(out.status, 403, JSON.stringify(out.body));
        assert.match(out.body.error.message, /can take a key out of it/);
      }
      // Moved into a team outside any organization, the key stays held to its own.
      const moved = await api.post('/key/update', { key, team_id: 'free-team' }, ownerKey);
      assert.equal(moved.status, 200, JSON.stringify(moved.body));
      const error = await refusalOf(ask(key, 'mistral'));
      assert.match(error.message, /Organization not allowed to access model/);
      const viewer = await post('/user/new', { user_id: 'kept-viewer' });
      await post('/organization/member_add', {
        organization_id: 'kept',
        member: { role: 'internal_user_viewer', user_id: 'kept-viewer' },
      });
      const byViewer = await api.post(
        '/key/generate',
        { organization_id: 'kept' },
        viewer.key as string,
      );
      assert.equal(byViewer.status, 403, 'a viewer draws on no organization budget');
      // A proxy admin takes it out.
      const out = await api.post('/key/update', { key, organization_id: '' });
      assert.equal(out.status, 200, JSON.stringify(out.body));
    });

    it("takes a removed member's keys of the organization with it", async () => {
      await post('/organization/new', { organization_alias: 'leave', organization_id: 'leave' });
      const user = await post('/user/new', { user_id: 'leaver' });
      await post('/organization/member_add', {
        organization_id: 'leave',
        member: { role: 'internal_user', user_id: 'leaver' },
      });
      const made = await api.post(
        '/key/generate',
        { organization_id: 'leave' },
        user.key as string,
      );
      assert.equal(made.status, 200, JSON.stringify(made.body));
      await ask(made.body.key as string);
      const removed = await send('DELETE', '/organization/member_delete', {
        organization_id: 'leave',
        user_id: 'leaver',
      });
      assert.equal(removed.status, 200);
      assert.equal((await refusalOf(ask(made.body.key as string))).status, 401);
      assert.equal((await ask(user.key as string)).choices[0]?.message.role, 'assistant');
    });

    it('adds a member named twice once, with the role given last', async () => {
      await post('/organization/new', { organization_alias: 'twice', organization_id: 'twice' });
      const added = await post('/organization/member_add', {
        organization_id: 'twice',
        member: [
          { role: 'internal_user', user_email: 'twice@x.io' },
          { role: 'org_admin', user_email: 'TWICE@x.io' },
          { role: 'internal_user', user_id: 'twice-id' },
          { role: 'internal_user_viewer', user_id: 'twice-id' },
        ],
      });
      const memberships = added.updated_organization_memberships as { user_role: string }[];
      assert.deepEqual(
        memberships.map((m) => m.user_role),
        ['org_admin', 'internal_user_viewer'],
      );
      const users = await api.get('/user/list?user_email=twice@x.io');
      assert.equal(users.body.users.length, 1);
    });

    it("keeps the organization's budget and window in step with its budget row", async () => {
      const org = await post('/organization/new', {
        organization_alias: 'window',
        organization_id: 'window',
        max_budget: 100,
      });
      assert.equal(org.budget_reset_at, null);
      await post('/team/new', { team_id: 'window-team', organization_id: 'window' });
      const key = (await post('/key/generate', { team_id: 'window-team' })).key as string;
      await ask(key);
      // /budget/update reaches the organization's keys at once, and a duration starts its window.
      await post('/budget/update', {
        budget_id: org.budget_id as string,
        max_budget: 0,
        budget_duration: '1d',
      });
      const broke = await refusalOf(ask(key));
      assert.match(broke.message, /Organization=window/);
      const info = await api.get('/organization/info?organization_id=window');
      assert.ok(Date.parse(info.body.budget_reset_at) > Date.now());
      // A new duration given to the organization starts a window of that length.
      const updated = await send('PATCH', '/organization/update', {
        organization_id: 'window',
        budget_duration: '30d',
        max_budget: 100,
      });
      assert.equal(updated.status, 200, JSON.stringify(updated.body));
      assert.ok(Date.parse(updated.body.budget_reset_at) > Date.now() + 29 * 86_400_000);
    });

    it('changes a shared budget only through /budget/update', async () => {
      await post('/budget/new', { budget_id: 'shared-tier', max_budget: 1 });
      for (const id of ['share-a', 'share-b']) {
        await post('/organization/new', {
          organization_alias: id,
          organization_id: id,
          budget_id: 'shared-tier',
        });
      }
      const shared = await send('PATCH', '/organization/update', {
        organization_id: 'share-a',
        max_budget: 1000,
      });
      assert.equal(shared.status, 400);
      assert.match(shared.body.error.message, /shared with other organizations/);
      const both = await send('PATCH', '/organization/update', {
        organization_id: 'share-a',
        budget_id: 'org-tier',
        max_budget: 5,
      });
      assert.equal(both.status, 400);
      const tier = await api.post('/budget/info', { budgets: ['shared-tier'] });
      assert.equal(tier.body[0].max_budget, 1);
    });

    it('holds the teams of an organization to its rate limit together', async () => {
      await post('/organization/new', {
        organization_alias: 'limited',
        organization_id: 'limited',
        rpm_limit: 1,
      });
      await post('/team/new', { team_id: 'limited-a', organization_id: 'limited' });
      await post('/team/new', { team_id: 'limited-b', organization_id: 'limited' });
      const keyA = (await post('/key/generate', { team_id: 'limited-a' })).key as string;
      const keyB = (await post('/key/generate', { team_id: 'limited-b' })).key as string;
      await ask(keyA);
      const error = await refusalOf(ask(keyB));
      assert.equal(error.status, 429);
      assert.match(error.message, /Rate limit exceeded for organization: limited/);
    });

    it('adds members by id or email, making users that do not exist yet', async () => {
      await post('/organization/new', { organization_alias: 'people', organization_id: 'people' });
      await post('/user/new', { user_id: 'known-user', user_email: 'known@people.io' });
      const added = await post('/organization/member_add', {
        organization_id: 'people',
        member: [
          { role: 'org_admin', user_id: 'known-user' },
          { role: 'internal_user', user_email: 'new@people.io' },
        ],
        max_budget_in_organization: 25,
      });
      assert.equal(added.organization_id, 'people');
      const users = added.updated_users as { user_id: string; user_email: string }[];
      assert.equal(users[0]?.user_id, 'known-user');
      assert.equal(users[1]?.user_email, 'new@people.io');
      const memberships = added.updated_organization_memberships as {
        user_id: string;
        user_role: string;
        litellm_budget_table: { max_budget: number } | null;
      }[];
      assert.deepEqual(
        memberships.map((m) => [m.user_id, m.user_role]),
        [
          ['known-user', 'org_admin'],
          [users[1]!.user_id, 'internal_user'],
        ],
      );
      assert.equal(memberships[0]?.litellm_budget_table?.max_budget, 25);
      const created = await api.get(`/user/info?user_id=${users[1]!.user_id}`);
      assert.equal(created.status, 200);
      assert.equal(created.body.user_info.user_role, 'internal_user');

      const info = await api.get('/organization/info?organization_id=people');
      assert.equal(info.body.members.length, 2);

      const updated = await send('PATCH', '/organization/member_update', {
        organization_id: 'people',
        user_email: 'new@people.io',
        role: 'internal_user_viewer',
        max_budget_in_organization: 5,
      });
      assert.equal(updated.status, 200, JSON.stringify(updated.body));
      assert.equal(updated.body.user_role, 'internal_user_viewer');
      assert.equal(updated.body.litellm_budget_table.max_budget, 5);

      const removed = await send('DELETE', '/organization/member_delete', {
        organization_id: 'people',
        user_id: users[1]!.user_id,
      });
      assert.equal(removed.status, 200);
      assert.equal(removed.body.user_id, users[1]!.user_id);
      const after = await api.get('/organization/info?organization_id=people');
      assert.deepEqual(
        after.body.members.map((m: { user_id: string }) => m.user_id),
        ['known-user'],
      );
      const again = await send('DELETE', '/organization/member_delete', {
        organization_id: 'people',
        user_id: users[1]!.user_id,
      });
      assert.equal(again.status, 404);
      assert.match(again.body.error.message, /Member not found in organization/);
    });

    it('answers unknown organizations and members with what to fix', async () => {
      const add = await api.post('/organization/member_add', {
        organization_id: 'ghost',
        member: { role: 'internal_user', user_id: 'u' },
      });
      assert.equal(add.status, 404);
      assert.equal(add.body.error.message, 'Organization not found for organization_id=ghost');
      const badRole = await api.post('/organization/member_add', {
        organization_id: 'people',
        member: { role: 'proxy_admin', user_id: 'u' },
      });
      assert.equal(badRole.status, 422);
      assert.match(badRole.body.error.message, /^member\[0\]\.role: /);
      const noRole = await api.post('/organization/member_add', {
        organization_id: 'people',
        member: { user_id: 'u' },
      });
      assert.equal(noRole.status, 422);
      assert.match(noRole.body.error.message, /^member\[0\]\.role: /);
      const long = await api.post('/organization/new', { organization_alias: 'a'.repeat(257) });
      assert.equal(long.status, 422);
      assert.match(long.body.error.message, /^organization_alias: /);
      assert.equal((await api.get('/user/info?user_id=u')).status, 404);
      const update = await send('PATCH', '/organization/member_update', {
        organization_id: 'ghost',
        user_id: 'u',
      });
      assert.equal(update.status, 400);
      const info = await api.get('/organization/info?organization_id=ghost');
      assert.equal(info.status, 404);
      const many = await api.post('/organization/info', { organizations: [] });
      assert.equal(many.status, 400);
      assert.match(many.body.error.message, /Specify list of organization id's to query/);
      const deleted = await send('DELETE', '/organization/delete', { organization_ids: ['ghost'] });
      assert.equal(deleted.status, 404);
      assert.equal(deleted.body.error.message, 'Organization=ghost not found');
    });

    it('lets org admins manage their own organization only, and members read it', async () => {
      await post('/organization/new', { organization_alias: 'run', organization_id: 'run' });
      await post('/organization/new', { organization_alias: 'other', organization_id: 'other' });
      const admin = await post('/user/new', { user_id: 'run-admin' });
      const member = await post('/user/new', { user_id: 'run-member' });
      const outsider = await post('/user/new', { user_id: 'outsider' });
      await post('/organization/member_add', {
        organization_id: 'run',
        member: [
          { role: 'org_admin', user_id: 'run-admin' },
          { role: 'internal_user', user_id: 'run-member' },
        ],
      });
      const adminKey = admin.key as string;
      const memberKey = member.key as string;

      // The org admin adds a member and renames the organization...
      await post(
        '/organization/member_add',
        { organization_id: 'run', member: { role: 'internal_user', user_id: 'outsider' } },
        adminKey,
      );
      const renamed = await send(
        'PATCH',
        '/organization/update',
        { organization_id: 'run', organization_alias: 'run-renamed' },
        adminKey,
      );
      assert.equal(renamed.status, 200);
      assert.equal(renamed.body.organization_alias, 'run-renamed');
      // ...but cannot raise its budget or models, nor touch another organization.
      const budget = await send(
        'PATCH',
        '/organization/update',
        { organization_id: 'run', max_budget: 1_000_000 },
        adminKey,
      );
      assert.equal(budget.status, 403);
      assert.match(budget.body.error.message, /Only proxy admins can update max_budget/);
      const foreign = await api.post(
        '/organization/member_add',
        { organization_id: 'other', member: { role: 'org_admin', user_id: 'run-admin' } },
        adminKey,
      );
      assert.equal(foreign.status, 403);

      // The org admin makes a team in its organization (and joins it as its admin), not outside.
      const made = await api.post(
        '/team/new',
        { team_alias: 'run-team', organization_id: 'run' },
        adminKey,
      );
      assert.equal(made.status, 200, JSON.stringify(made.body));
      assert.equal(made.body.organization_id, 'run');
      assert.deepEqual(made.body.admins, ['run-admin']);
      for (const body of [{ team_alias: 'loose' }, { team_alias: 'x', organization_id: 'other' }]) {
        const refused = await api.post('/team/new', body, adminKey);
        assert.equal(refused.status, 401, JSON.stringify(refused.body));
      }
      const byMember = await api.post(
        '/team/new',
        { team_alias: 'm', organization_id: 'run' },
        memberKey,
      );
      assert.equal(byMember.status, 401);
      const adminOnly = await api.post(
        '/team/new',
        { team_alias: 'rich', organization_id: 'run', team_member_budget: 1000 },
        adminKey,
      );
      assert.equal(adminOnly.status, 403);
      assert.match(adminOnly.body.error.message, /Only proxy admins can set team_member_budget/);
      assert.match(byMember.body.error.message, /Route=\/team\/new\. Your role=internal_user/);

      // A plain member cannot manage it, nor make or delete organizations.
      const promote = await send(
        'PATCH',
        '/organization/member_update',
        { organization_id: 'run', user_id: 'run-member', role: 'org_admin' },
        memberKey,
      );
      assert.equal(promote.status, 403);
      assert.equal(
        (await api.post('/organization/new', { organization_alias: 'x' }, memberKey)).status,
        401,
      );
      const del = await send(
        'DELETE',
        '/organization/delete',
        { organization_ids: ['run'] },
        memberKey,
      );
      assert.equal(del.status, 401);

      // The org admin lists the users of its organization, and of no other.
      const listed = await api.get('/user/list', adminKey);
      assert.equal(listed.status, 200, JSON.stringify(listed.body));
      assert.deepEqual(listed.body.users.map((u: { user_id: string }) => u.user_id).sort(), [
        'outsider',
        'run-admin',
        'run-member',
      ]);
      assert.equal((await api.get('/user/list?organization_ids=other', adminKey)).status, 403);
      assert.equal((await api.get('/user/list', memberKey)).status, 403);
      const byOrg = await api.get('/user/list?organization_ids=run');
      assert.equal(byOrg.body.total, 3);

      // Members see their organizations; others do not.
      const mine = await api.get('/organization/list', memberKey);
      assert.deepEqual(
        mine.body.map((o: { organization_id: string }) => o.organization_id),
        ['run'],
      );
      assert.equal(
        (await api.get('/organization/info?organization_id=run', memberKey)).status,
        200,
      );
      assert.equal(
        (await api.get('/organization/info?organization_id=other', memberKey)).status,
        403,
      );
      const stranger = (await post('/user/new', { user_id: 'stranger' })).key as string;
      assert.deepEqual((await api.get('/organization/list', stranger)).body, []);
      void outsider;

      // Viewers read every organization, and change none.
      const viewer = (await post('/user/new', { user_role: 'proxy_admin_viewer' })).key as string;
      const all = await api.get('/organization/list', viewer);
      assert.ok(all.body.length >= 2);
      const viewerUpdate = await send(
        'PATCH',
        '/organization/update',
        { organization_id: 'run', organization_alias: 'v' },
        viewer,
      );
      assert.equal(viewerUpdate.status, 403);
    });

    it('makes users in organizations: a proxy admin anywhere, an org admin in its own only', async () => {
      await post('/organization/new', {
        organization_alias: 'mk',
        organization_id: 'mk',
        models: ['llama3'],
      });
      await post('/organization/new', {
        organization_alias: 'mk-other',
        organization_id: 'mk-other',
        models: ['mistral'],
      });
      const admin = await post('/user/new', { user_id: 'mk-admin' });
      const plain = await post('/user/new', { user_id: 'mk-plain' });
      await post('/organization/member_add', {
        organization_id: 'mk',
        member: [
          { role: 'org_admin', user_id: 'mk-admin' },
          { role: 'internal_user', user_id: 'mk-plain' },
        ],
      });
      const adminKey = admin.key as string;
      const team = await post('/team/new', { team_id: 'mk-team', organization_id: 'mk' });
      await post('/team/new', { team_id: 'mk-loose' });
      const members = async (organizationId: string) =>
        (
          (await send('GET', `/organization/info?organization_id=${organizationId}`, undefined))
            .body.members as { user_id: string; user_role: string }[]
        ).map((m) => `${m.user_id}:${m.user_role}`);

      // A proxy admin puts a user in organizations, which must exist.
      const byAdmin = await post('/user/new', {
        user_id: 'mk-pa-made',
        organizations: ['mk', 'mk-other'],
      });
      assert.equal(byAdmin.user_id, 'mk-pa-made');
      assert.ok((await members('mk-other')).includes('mk-pa-made:internal_user'));
      const unknown = await api.post('/user/new', {
        user_id: 'mk-nope',
        organizations: ['no-such-org'],
      });
      assert.equal(unknown.status, 400);
      assert.match(unknown.body.error.message, /Organization id=no-such-org does not exist/);
      assert.equal((await api.get('/user/info?user_id=mk-nope')).status, 404);

      // An org admin makes a user in its organization, in one of its teams, with a key held to
      // the organization's models.
      const made = await api.post(
        '/user/new',
        { user_id: 'mk-new', organizations: ['mk'], teams: [team.team_id as string] },
        adminKey,
      );
      assert.equal(made.status, 200, JSON.stringify(made.body));
      assert.deepEqual(made.body.models, ['llama3']);
      assert.ok((await members('mk')).includes('mk-new:internal_user'));
      const key = made.body.key as string;
      assert.match(key, /^sk-/);
      assert.equal((await ask(key)).choices.length, 1);
      await assert.rejects(
        ask(key, 'mistral'),
        (e: unknown) => e instanceof OpenAI.APIError && e.status === 401,
      );
      const keyInfo = await api.get(`/key/info?key=${key}`);
      assert.equal(keyInfo.body.info.organization_id, 'mk');

      // Not outside it: no organization, another one, its models, a team elsewhere, an admin role.
      const refusals: [Record<string, unknown>, number, RegExp][] = [
        [{ user_id: 'x1' }, 401, /Route=\/user\/new\. Your role=internal_user/],
        [{ user_id: 'x2', organizations: ['mk-other'] }, 401, /Route=\/user\/new/],
        [{ user_id: 'x3', organizations: ['mk', 'mk-other'] }, 401, /Route=\/user\/new/],
        [
          { user_id: 'x4', organizations: ['mk'], models: ['mistral'] },
          403,
          /Model=mistral is not in llama3/,
        ],
        [
          { user_id: 'x5', organizations: ['mk'], teams: ['mk-loose'] },
          403,
          /Team id=mk-loose is not in mk/,
        ],
        [
          { user_id: 'x6', organizations: ['mk'], user_role: 'proxy_admin' },
          403,
          /Only proxy admins can create administrative users/,
        ],
      ];
      for (const [body, status, message] of refusals) {
        const refused = await api.post('/user/new', body, adminKey);
        assert.equal(refused.status, status, JSON.stringify([body, refused.body]));
        assert.match(refused.body.error.message, message);
        assert.equal((await api.get(`/user/info?user_id=${body.user_id as string}`)).status, 404);
      }
      // A plain member of the organization is no org admin.
      const byMember = await api.post(
        '/user/new',
        { user_id: 'x7', organizations: ['mk'] },
        plain.key as string,
      );
      assert.equal(byMember.status, 401);
      assert.match(
        byMember.body.error.message,
        /Only proxy admin can be used to generate, delete, update info for new keys\/users\/teams\. Route=\/user\/new/,
      );
    });

    it("applies the operator's defaults for new users when an org admin makes one", async () => {
      // Default teams and models of default_internal_user_params are the operator's: an org
      // admin's new user joins the default team, and its models are still the organization's.
      await post('/organization/new', {
        organization_alias: 'dflt',
        organization_id: 'dflt',
        models: ['llama3'],
      });
      await post('/team/new', { team_id: 'dflt-everyone' });
      const admin = await post('/user/new', { user_id: 'dflt-admin' });
      await post('/organization/member_add', {
        organization_id: 'dflt',
        member: { role: 'org_admin', user_id: 'dflt-admin' },
      });
      const withDefaults = await startGateway(
        {
          ...CONFIG,
          litellm_settings: {
            default_internal_user_params: { teams: ['dflt-everyone'], models: ['mistral'] },
          },
        },
        { store: opened.store },
      );
      try {
        const response = await fetch(`${withDefaults.url}/user/new`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${admin.key as string}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({ user_id: 'dflt-new', organizations: ['dflt'] }),
        });
        const made = (await response.json()) as Record<string, unknown>;
        assert.equal(response.status, 200, JSON.stringify(made));
        assert.deepEqual(made.models, ['llama3']);
        assert.deepEqual(made.teams, ['dflt-everyone']);
      } finally {
        await withDefaults.close();
      }
    });

    it('deletes an organization with its teams, their keys and its memberships', async () => {
      await post('/organization/new', { organization_alias: 'gone', organization_id: 'gone' });
      await post('/team/new', { team_id: 'gone-team', organization_id: 'gone' });
      await post('/user/new', { user_id: 'gone-user' });
      await post('/organization/member_add', {
        organization_id: 'gone',
        member: { role: 'internal_user', user_id: 'gone-user' },
      });
      const key = (await post('/key/generate', { team_id: 'gone-team' })).key as string;
      await ask(key);

      const deleted = await send('DELETE', '/organization/delete', { organization_ids: ['gone'] });
      assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
      assert.equal(deleted.body[0].organization_id, 'gone');
      assert.equal(deleted.body[0].teams[0].team_id, 'gone-team');
      assert.equal((await api.get('/organization/info?organization_id=gone')).status, 404);
      assert.equal((await api.get('/team/info?team_id=gone-team')).status, 404);
      const refused = await refusalOf(ask(key));
      assert.equal(refused.status, 401);
      // The user stays; only the membership went.
      assert.equal((await api.get('/user/info?user_id=gone-user')).status, 200);

      const audit = await api.get('/audit/logs?table_name=organizations&object_id=gone');
      assert.equal(audit.status, 200);
      const actions = (audit.body.audit_logs ?? audit.body).map(
        (e: { action: string }) => e.action,
      );
      assert.ok(actions.includes('created') && actions.includes('deleted'), String(actions));
    });
  });
}
