/**
 * A team's defaults for its members, as LiteLLM's `/team/new` takes them: `team_member_budget`
 * with `team_member_budget_duration`, `team_member_rpm_limit` / `team_member_tpm_limit`, and
 * `team_member_key_duration` for the keys made for the team. Each member is held to its own
 * budget within the team's unless its membership sets one; budgets reset by window; the spend is
 * stored. Through a real gateway with the official OpenAI SDK, on SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import {
  MAX_TOKENS,
  oneCallBudget,
  pricedModel,
  refusal as refusalOf,
} from './helpers/priced-models.js';

const MESSAGES = [{ role: 'user' as const, content: 'Which team pays for this?' }];

const CONFIG = {
  model_list: [pricedModel('team-model')],
  general_settings: { master_key: MASTER_KEY },
};

const ONE_CALL = oneCallBudget('team-model', MESSAGES);

for (const database of await testDatabases()) {
  describe(`team member defaults on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;
    let gateway: TestGateway;
    let api: AdminClient;
    let users = 0;

    before(async () => {
      opened = await database.open();
      gateway = await startGateway(CONFIG, { store: opened.store });
      api = adminClient(gateway.url, MASTER_KEY);
    });
    after(async () => {
      await gateway?.close();
      await opened?.close();
    });

    async function post(path: string, body: Record<string, unknown>) {
      const r = await api.post(path, body);
      assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
      return r.body as Record<string, unknown>;
    }

    /** A team with `settings`, and `count` members, each with a key of the team. */
    async function teamWith(settings: Record<string, unknown>, count: number) {
      const team = await post('/team/new', settings);
      const teamId = team.team_id as string;
      const members: { userId: string; key: string; expires: unknown }[] = [];
      for (let i = 0; i < count; i++) {
        const userId = `member-${database.name}-${++users}`;
        await post('/user/new', { user_id: userId, auto_create_key: false });
        await post('/team/member_add', {
          team_id: teamId,
          member: { role: 'user', user_id: userId },
        });
        const key = await post('/key/generate', { team_id: teamId, user_id: userId });
        members.push({ userId, key: key.key as string, expires: key.expires });
      }
      return { teamId, members };
    }

    function ask(key: string) {
      return new OpenAI({
        apiKey: key,
        baseURL: `${gateway.url}/v1`,
        maxRetries: 0,
      }).chat.completions.create({
        model: 'team-model',
        messages: MESSAGES,
        max_tokens: MAX_TOKENS,
      });
    }

    const refusal = (key: string) => refusalOf(ask(key));

    it('holds each member to team_member_budget on its own, shows the defaults, and stores the spend', async () => {
      const { teamId, members } = await teamWith(
        {
          team_alias: `defaults-${database.name}`,
          max_budget: 100,
          team_member_budget: ONE_CALL,
          team_member_budget_duration: '1d',
          team_member_rpm_limit: 100,
        },
        2,
      );
      const [ann, bob] = members;
      await ask(ann!.key);
      const error = await refusal(ann!.key);
      assert.equal(error.status, 429);
      assert.equal((error.error as { type?: string }).type, 'budget_exceeded');
      assert.match(error.message, new RegExp(`User=${ann!.userId} in Team=${teamId}`));
      // The other member's budget is its own.
      assert.equal((await ask(bob!.key)).object, 'chat.completion');

      await gateway.app.ledger?.flush();
      const info = await api.get(`/team/info?team_id=${teamId}`);
      assert.deepEqual(info.body.team_info.team_member_budget_table, {
        max_budget: ONE_CALL,
        budget_duration: '1d',
        tpm_limit: null,
        rpm_limit: 100,
      });
      const annMembership = (info.body.team_memberships as Record<string, unknown>[]).find(
        (m) => m.user_id === ann!.userId,
      );
      assert.ok(annMembership);
      assert.ok((annMembership.spend as number) > 0, 'the member spend is shown');
      assert.deepEqual(annMembership.litellm_budget_table, {
        max_budget: ONE_CALL,
        budget_duration: '1d',
        tpm_limit: null,
        rpm_limit: 100,
      });
      const resetAt = Date.parse(annMembership.budget_reset_at as string);
      assert.ok(resetAt > Date.now() && resetAt <= Date.now() + 86_400_000 + 1000);

      // A gateway started afresh on the same store reads the stored member spend.
      await gateway.close();
      gateway = await startGateway(CONFIG, { store: opened.store });
      api = adminClient(gateway.url, MASTER_KEY);
      assert.match((await refusal(ann!.key)).message, /Budget has been exceeded!/);
    });

    it("lets a membership's own max_budget_in_team override the team's default", async () => {
      const { teamId, members } = await teamWith({ team_member_budget: ONE_CALL }, 1);
      const [cat] = members;
      await post('/team/member_update', {
        team_id: teamId,
        user_id: cat!.userId,
        max_budget_in_team: ONE_CALL * 2,
      });
      // The team's default would refuse the second call (see the first test).
      await ask(cat!.key);
      const second = await ask(cat!.key);
      assert.equal(second.usage?.completion_tokens, MAX_TOKENS, 'paid in full by its own budget');
      await gateway.app.ledger?.flush();
      const info = await api.get(`/team/info?team_id=${teamId}`);
      const membership = info.body.team_memberships[0];
      assert.equal(membership.litellm_budget_table.max_budget, ONE_CALL * 2);
      assert.ok(membership.spend <= ONE_CALL * 2 + 1e-12);
    });

    it('starts a new member window when team_member_budget_duration has passed', async () => {
      const { teamId, members } = await teamWith(
        { team_member_budget: ONE_CALL, team_member_budget_duration: '2s' },
        1,
      );
      const [dan] = members;
      await ask(dan!.key);
      await refusal(dan!.key);
      await sleep(2_100);
      const info = await api.get(`/team/info?team_id=${teamId}`);
      assert.equal(info.body.team_memberships[0].spend, 0, 'a new window shows no spend yet');
      assert.equal((await ask(dan!.key)).object, 'chat.completion');
      await refusal(dan!.key);
    });

    it("applies team_member_rpm_limit to each member, and team_member_key_duration to the team's keys", async () => {
      const before = Date.now();
      const { members } = await teamWith(
        { team_member_rpm_limit: 1, team_member_key_duration: '1h' },
        2,
      );
      const [eve, fay] = members;
      const expires = Date.parse(eve!.expires as string);
      assert.ok(expires >= before + 3_600_000 - 1000 && expires <= Date.now() + 3_600_000 + 1000);
      await ask(eve!.key);
      const error = await refusal(eve!.key);
      assert.equal(error.status, 429);
      assert.match(error.message, /Rate limit exceeded for team_member: /);
      assert.equal((await ask(fay!.key)).object, 'chat.completion');
    });

    it('gives a membership its own budget_duration on /team/member_update', async () => {
      const { teamId, members } = await teamWith({ team_member_budget: 1 }, 1);
      const r = await post('/team/member_update', {
        team_id: teamId,
        user_id: members[0]!.userId,
        budget_duration: '30d',
      });
      assert.equal(r.budget_duration, '30d');
      const info = await api.get(`/team/info?team_id=${teamId}`);
      const membership = info.body.team_memberships[0];
      assert.equal(membership.litellm_budget_table.budget_duration, '30d');
      const resetAt = Date.parse(membership.budget_reset_at as string);
      assert.ok(resetAt > Date.now() + 29 * 86_400_000);
    });

    it('refuses bad defaults with the field named, creates nothing, and keeps them from team admins', async () => {
      const before = await api.get('/team/list');
      for (const [body, param] of [
        [{ team_member_budget: -1 }, 'team_member_budget'],
        [{ team_member_budget_duration: 'fortnightly' }, 'team_member_budget_duration'],
        [{ team_member_key_duration: 'soon' }, 'team_member_key_duration'],
      ] as const) {
        const r = await api.post('/team/new', body);
        assert.equal(r.status, 400, JSON.stringify(r.body));
        assert.equal(r.body.error.param, param);
      }
      const afterList = await api.get('/team/list');
      assert.equal(afterList.body.length, before.body.length);

      // A team admin manages members, not the team's defaults for them.
      const { teamId } = await teamWith({}, 0);
      const adminId = `team-admin-${database.name}`;
      const admin = await post('/user/new', { user_id: adminId });
      await post('/team/member_add', {
        team_id: teamId,
        member: { role: 'admin', user_id: adminId },
      });
      const refused = await api.post(
        '/team/update',
        { team_id: teamId, team_member_budget: 1000 },
        admin.key as string,
      );
      assert.equal(refused.status, 403, JSON.stringify(refused.body));
    });
  });
}
