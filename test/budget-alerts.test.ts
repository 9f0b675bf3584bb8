/**
 * Budget alerts (`general_settings.alerting: [webhook, slack]`): when the spend of a key or team
 * reaches its soft_budget or its max_budget, LiteLLM's webhook event goes to WEBHOOK_URL and a
 * message to SLACK_WEBHOOK_URL, once per budget window; a destination that fails changes nothing.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';

const CONFIG = {
  model_list: [
    {
      model_name: 'priced',
      litellm_params: {
        model: 'mock/priced',
        input_cost_per_token: 0.0001,
        output_cost_per_token: 0.0002,
      },
    },
  ],
  general_settings: { master_key: MASTER_KEY, alerting: ['webhook', 'slack'] },
};

interface Received {
  path: string;
  body: Record<string, unknown>;
}

/** A receiver for both destinations; `/down` answers 500. */
async function startReceiver(): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (part: Buffer) => (text += part.toString('utf8')));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(text) as Record<string, unknown> });
      res.writeHead(req.url === '/down' ? 500 : 200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, received };
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), what);
}

for (const database of await testDatabases()) {
  describe(`budget alerts on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;
    let gateway: TestGateway;
    let api: AdminClient;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;

    before(async () => {
      receiver = await startReceiver();
      opened = await database.open();
      gateway = await startGateway(CONFIG, {
        store: opened.store,
        env: { WEBHOOK_URL: `${receiver.url}/hook`, SLACK_WEBHOOK_URL: `${receiver.url}/slack` },
      });
      api = adminClient(gateway.url, MASTER_KEY);
    });
    after(async () => {
      await gateway?.close();
      await opened?.close();
      receiver?.server.close();
    });

    const call = (key: string) =>
      new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 }).chat.completions
        .create({ model: 'priced', messages: [{ role: 'user', content: 'a cup of tea' }] })
        .then(
          () => true,
          () => false,
        );

    it('sends each limit a key reaches once, as LiteLLM webhook events and Slack messages', async () => {
      const team = await api.post('/team/new', { team_alias: 'alerted-team' });
      const made = await api.post('/key/generate', {
        key_alias: 'alerted',
        user_id: 'alert-user',
        team_id: team.body.team_id,
        soft_budget: 0.004,
        max_budget: 0.01,
      });
      const key = made.body.key as string;
      const hash = createHash('sha256').update(key).digest('hex');
      for (let i = 0; i < 12; i++) {
        const served = await call(key);
        await gateway.app.ledger?.flush();
        if (!served) break;
      }
      const hooks = () =>
        receiver.received.filter((r) => r.path === '/hook' && r.body.token === hash);
      await until(() => hooks().length === 2, 'a soft and a hard budget event');
      const [soft, hard] = hooks().map((r) => r.body);
      assert.equal(soft?.event, 'soft_budget_crossed');
      assert.equal(soft?.soft_budget, 0.004);
      assert.equal(hard?.event, 'budget_crossed');
      assert.equal(hard?.max_budget, 0.01);
      for (const event of [soft, hard]) {
        assert.equal(event?.event_group, 'key');
        assert.equal(event?.key_alias, 'alerted');
        assert.equal(event?.user_id, 'alert-user');
        assert.equal(event?.team_id, team.body.team_id);
        assert.ok((event?.spend as number) >= 0.004 && (event?.spend as number) <= 0.01);
      }
      assert.equal(hard?.event_message, 'Key Budget: Budget Crossed');
      const slackMessages = () =>
        receiver.received.filter(
          (r) => r.path === '/slack' && String(r.body.text).includes('key alerted'),
        );
      await until(() => slackMessages().length === 2, 'two Slack messages');
      const slack = slackMessages();
      assert.match(
        String(slack[1]?.body.text),
        /reaching its max_budget of \$0\.01; its calls are refused/,
      );
      // Nothing is sent again for the same window, and no raw key ever leaves.
      assert.equal(await call(key), false, 'the key is spent');
      await gateway.app.ledger?.flush();
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(hooks().length, 2);
      assert.ok(!JSON.stringify(receiver.received).includes(key), 'the raw key is never sent');
    });

    it("sends a team's budget reached when its calls are refused", async () => {
      const team = await api.post('/team/new', { team_alias: 'small-team', max_budget: 0.005 });
      const made = await api.post('/key/generate', { team_id: team.body.team_id });
      for (let i = 0; i < 10; i++) {
        const served = await call(made.body.key as string);
        await gateway.app.ledger?.flush();
        if (!served) break;
      }
      const teamEvents = () =>
        receiver.received.filter((r) => r.path === '/hook' && r.body.event_group === 'team');
      await until(() => teamEvents().length === 1, 'one team event');
      assert.equal(teamEvents()[0]?.body.team_id, team.body.team_id);
      assert.equal(teamEvents()[0]?.body.event, 'budget_crossed');
      assert.equal(teamEvents()[0]?.body.team_alias, 'small-team');
    });
  });
}
