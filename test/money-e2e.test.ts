/**
 * Money through a real gateway, with the official OpenAI SDK as the client: every call priced
 * from its real usage (x-litellm-response-cost), booked once to key, user, team, member and
 * customer and to the spend log; budgets that are never overspent under concurrency yet used to
 * the end; max_tokens lowered to what a budget can pay; rate limits with LiteLLM's headers.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { promptTokenUpperBound } from '../src/spend/token-count.js';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';

const INPUT_PRICE = 0.0001;
const OUTPUT_PRICE = 0.0002;

const CONFIG = {
  model_list: [
    {
      model_name: 'priced',
      litellm_params: {
        model: 'mock/priced',
        input_cost_per_token: INPUT_PRICE,
        output_cost_per_token: OUTPUT_PRICE,
        mock_latency_ms: 5,
      },
    },
  ],
  general_settings: { master_key: MASTER_KEY },
};

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const MESSAGES = [{ role: 'user' as const, content: 'What is the price of a cup of tea?' }];

function client(gateway: TestGateway, key: string): OpenAI {
  return new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
}

function costOf(usage: { prompt_tokens: number; completion_tokens: number }): number {
  return usage.prompt_tokens * INPUT_PRICE + usage.completion_tokens * OUTPUT_PRICE;
}

function near(actual: number, expected: number, message?: string): void {
  assert.ok(Math.abs(actual - expected) < 1e-9, `${message ?? ''} ${actual} != ${expected}`);
}

for (const database of await testDatabases()) {
  describe(`money on ${database.name}`, { skip: database.skip }, () => {
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

    async function flush(): Promise<void> {
      await gateway.app.ledger?.flush();
    }

    async function newKey(body: Record<string, unknown>): Promise<string> {
      const r = await api.post('/key/generate', body);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.key as string;
    }

    it('prices a call from its usage and books it to key, user, team, member, customer and log', async () => {
      const team = await api.post('/team/new', { team_alias: 'Tea' });
      const teamId = team.body.team_id as string;
      await api.post('/user/new', { user_id: 'money-ann', auto_create_key: false });
      await api.post('/team/member_add', {
        team_id: teamId,
        member: { role: 'user', user_id: 'money-ann' },
      });
      await api.post('/customer/new', { user_id: 'money-cust' });
      const key = await newKey({ user_id: 'money-ann', team_id: teamId });

      const { data, response } = await client(gateway, key)
        .chat.completions.create({ model: 'priced', messages: MESSAGES, user: 'money-cust' })
        .withResponse();
      assert.ok(data.usage);
      const expected = costOf(data.usage);
      assert.ok(expected > 0);
      near(Number(response.headers.get('x-litellm-response-cost')), expected, 'cost header');
      const requestId = response.headers.get('x-litellm-call-id');
      assert.ok(requestId);

      await flush();
      const info = await api.get(`/key/info?key=${key}`);
      near(info.body.info.spend as number, expected, 'key spend');
      const user = await api.get('/user/info?user_id=money-ann');
      near(user.body.user_info.spend as number, expected, 'user spend');
      const teamInfo = await api.get(`/team/info?team_id=${teamId}`);
      near(teamInfo.body.team_info.spend as number, expected, 'team spend');
      const customer = await api.get('/customer/info?end_user_id=money-cust');
      near(customer.body.spend as number, expected, 'customer spend');
      const logs = await api.get(`/spend/logs?request_id=${requestId}`);
      assert.equal(logs.status, 200, JSON.stringify(logs.body));
      const rows = Array.isArray(logs.body) ? logs.body : logs.body.data;
      assert.equal(rows.length, 1);
      near(rows[0].spend as number, expected, 'spend log');
      assert.equal(rows[0].model_group, 'priced');
      assert.equal(rows[0].total_tokens, data.usage.total_tokens);

      // Prometheus: the same cost, by who paid for it, under LiteLLM's metric name and labels.
      const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
      const line = metrics
        .split('\n')
        .find((l) => l.startsWith('litellm_spend_metric{') && l.includes('user="money-ann"'));
      assert.ok(line, 'a litellm_spend_metric series for the call');
      // The client's `user` field names no series: clients could add them without bound.
      assert.ok(!metrics.includes('money-cust'), 'no end_user series');
      assert.match(line, new RegExp(`team="${teamId}",team_alias="Tea",user="money-ann"`));
      assert.match(line, /model="priced",hashed_api_key="[0-9a-f]{64}"/);
      near(Number(line.split(' ').at(-1)), expected, 'spend metric');
    });

    it("reports each calling key's and team's budget left, max_budget and hours to reset in LiteLLM's gauges", async () => {
      const team = await api.post('/team/new', {
        team_alias: 'Gauged',
        max_budget: 2,
        budget_duration: '1d',
      });
      const teamId = team.body.team_id as string;
      const budgeted = await newKey({
        team_id: teamId,
        key_alias: 'gauged-key',
        max_budget: 0.5,
        budget_duration: '30d',
      });
      const unlimited = await newKey({ key_alias: 'gauged-unlimited' });
      const idle = await api.post('/key/generate', { key_alias: 'gauged-idle', max_budget: 3 });
      let spent = 0;
      for (const key of [budgeted, budgeted, unlimited]) {
        const { usage } = await client(gateway, key).chat.completions.create({
          model: 'priced',
          messages: MESSAGES,
        });
        assert.ok(usage);
        if (key === budgeted) spent += costOf(usage);
      }
      // Keys are stored, and labelled, by the SHA-256 hex of the raw key.
      const hashOf = (key: string): string => createHash('sha256').update(key).digest('hex');
      const [budgetedHash, unlimitedHash] = [hashOf(budgeted), hashOf(unlimited)];

      // Read before the spend is written: what is booked and not yet written counts already.
      const text = await (await fetch(`${gateway.url}/metrics`)).text();
      const gauge = (name: string, labels: string): number | undefined => {
        const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
        return line === undefined ? undefined : Number(line.split(' ').at(-1));
      };
      const keyLabels = (hash: string, alias: string) =>
        `hashed_api_key="${hash}",api_key_alias="${alias}"`;
      const budgetedKey = keyLabels(budgetedHash, 'gauged-key');
      near(gauge('litellm_remaining_api_key_budget_metric', budgetedKey) ?? NaN, 0.5 - spent);
      assert.equal(gauge('litellm_api_key_max_budget_metric', budgetedKey), 0.5);
      const keyHours = gauge('litellm_api_key_budget_remaining_hours_metric', budgetedKey) ?? 0;
      assert.ok(keyHours > 30 * 24 - 1 && keyHours <= 30 * 24, `key hours left: ${keyHours}`);
      const teamLabels = `team="${teamId}",team_alias="Gauged"`;
      near(gauge('litellm_remaining_team_budget_metric', teamLabels) ?? NaN, 2 - spent);
      assert.equal(gauge('litellm_team_max_budget_metric', teamLabels), 2);
      const teamHours = gauge('litellm_team_budget_remaining_hours_metric', teamLabels) ?? 0;
      assert.ok(teamHours > 23 && teamHours <= 24, `team hours left: ${teamHours}`);
      // No max_budget: LiteLLM's +Inf left, no max and no hours.
      const free = keyLabels(unlimitedHash, 'gauged-unlimited');
      assert.match(text, new RegExp(`litellm_remaining_api_key_budget_metric\\{${free}\\} \\+Inf`));
      assert.equal(gauge('litellm_api_key_max_budget_metric', free), undefined);
      // A key that never called a model has no series.
      assert.ok(!text.includes(idle.body.token_id as string), 'no series for an idle key');
      assert.ok(!text.includes(idle.body.key as string), 'no raw key anywhere');

      // Once written, the same figures from the store.
      await flush();
      const after = await (await fetch(`${gateway.url}/metrics`)).text();
      const line = after
        .split('\n')
        .find((l) => l.startsWith(`litellm_remaining_api_key_budget_metric{${budgetedKey}}`));
      near(Number(line?.split(' ').at(-1)), 0.5 - spent, 'after the spend is written');
    });

    it("reports the calling user's and organization's budgets in LiteLLM's gauges", async () => {
      const org = await api.post('/organization/new', {
        organization_alias: 'Gauged Org',
        max_budget: 5,
        budget_duration: '1d',
      });
      assert.equal(org.status, 200, JSON.stringify(org.body));
      const orgId = org.body.organization_id as string;
      const team = await api.post('/team/new', { team_alias: 'OrgTeam', organization_id: orgId });
      assert.equal(team.status, 200, JSON.stringify(team.body));
      const user = await api.post('/user/new', {
        user_id: 'gauged-user',
        max_budget: 3,
        auto_create_key: false,
      });
      assert.equal(user.status, 200, JSON.stringify(user.body));
      const key = await newKey({ user_id: 'gauged-user', team_id: team.body.team_id });
      const { usage } = await client(gateway, key).chat.completions.create({
        model: 'priced',
        messages: MESSAGES,
      });
      assert.ok(usage);
      const text = await (await fetch(`${gateway.url}/metrics`)).text();
      const gauge = (name: string, labels: string): number | undefined => {
        const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
        return line === undefined ? undefined : Number(line.split(' ').at(-1));
      };
      near(
        gauge('litellm_remaining_user_budget_metric', 'user="gauged-user"') ?? NaN,
        3 - costOf(usage),
      );
      assert.equal(gauge('litellm_user_max_budget_metric', 'user="gauged-user"'), 3);
      const orgLabels = `org_id="${orgId}",org_alias="Gauged Org"`;
      near(gauge('litellm_remaining_org_budget_metric', orgLabels) ?? NaN, 5 - costOf(usage));
      assert.equal(gauge('litellm_org_max_budget_metric', orgLabels), 5);
      const hours = gauge('litellm_org_budget_remaining_hours_metric', orgLabels) ?? 0;
      assert.ok(hours > 23 && hours <= 24, `organization hours left: ${hours}`);
    });

    it('names calls by time-ordered ids (UUIDv7), so the spend log index grows at its end', async () => {
      const key = await newKey({});
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const { response } = await client(gateway, key)
          .chat.completions.create({ model: 'priced', messages: MESSAGES })
          .withResponse();
        const callId = response.headers.get('x-litellm-call-id') ?? '';
        assert.match(callId, UUID_V7);
        // Without an x-request-id from the client, the request id is the call id.
        assert.equal(response.headers.get('x-request-id'), callId);
        ids.push(callId);
      }
      assert.deepEqual([...ids].sort(), ids, 'later calls sort after earlier ones');
      await flush();
      for (const id of ids) {
        const logs = await api.get(`/spend/logs?request_id=${id}`);
        const rows = Array.isArray(logs.body) ? logs.body : logs.body.data;
        assert.equal(rows.length, 1, `spend log row of ${id}`);
      }
    });

    it('prices a stream from its final usage, whether or not the client asked for it', async () => {
      const key = await newKey({});
      const stream = await client(gateway, key).chat.completions.create({
        model: 'priced',
        messages: MESSAGES,
        stream: true,
      });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      assert.ok(text.length > 0);
      await flush();
      const info = await api.get(`/key/info?key=${key}`);
      const plain = await client(gateway, await newKey({})).chat.completions.create({
        model: 'priced',
        messages: MESSAGES,
      });
      assert.ok(plain.usage);
      near(info.body.info.spend as number, costOf(plain.usage), 'stream spend');
    });

    it('refuses a key whose budget is spent, with LiteLLM message, and charges nothing', async () => {
      const key = await newKey({ max_budget: 0 });
      const error = await client(gateway, key)
        .chat.completions.create({ model: 'priced', messages: MESSAGES })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      assert.ok(error instanceof OpenAI.APIError, String(error));
      assert.equal(error.status, 429);
      assert.match(error.message, /Budget has been exceeded!/);
      await flush();
      const info = await api.get(`/key/info?key=${key}`);
      assert.equal(info.body.info.spend, 0);
    });

    it('lowers max_tokens to what the remaining budget can pay', async () => {
      // Pays the prompt at its worst case and five and a half output tokens: the answer stops there.
      const bound = promptTokenUpperBound({ model: 'priced', messages: MESSAGES });
      const budget = bound * INPUT_PRICE + 5.5 * OUTPUT_PRICE;
      const key = await newKey({ max_budget: budget });
      const answer = await client(gateway, key).chat.completions.create({
        model: 'priced',
        messages: MESSAGES,
      });
      assert.ok(answer.usage);
      assert.equal(answer.choices[0]?.finish_reason, 'length');
      assert.equal(answer.usage.completion_tokens, 5);
      await flush();
      const info = await api.get(`/key/info?key=${key}`);
      assert.ok((info.body.info.spend as number) <= budget + 1e-12, 'never above the budget');
    });

    it('never overspends a budget under 200 concurrent calls, and uses at least 90% of it', async () => {
      const probe = await client(gateway, await newKey({})).chat.completions.create({
        model: 'priced',
        messages: MESSAGES,
        max_tokens: 20,
      });
      assert.ok(probe.usage);
      const perCall = costOf(probe.usage);
      const budget = perCall * 20;
      const key = await newKey({ max_budget: budget });
      const sdk = client(gateway, key);
      const outcomes = await Promise.allSettled(
        Array.from({ length: 200 }, () =>
          sdk.chat.completions.create({ model: 'priced', messages: MESSAGES, max_tokens: 20 }),
        ),
      );
      const served = outcomes.filter((o) => o.status === 'fulfilled');
      const refused = outcomes.filter((o) => o.status === 'rejected');
      for (const r of refused) {
        const reason = (r as PromiseRejectedResult).reason as InstanceType<typeof OpenAI.APIError>;
        assert.equal(reason.status, 429, String(reason));
      }
      await flush();
      const info = await api.get(`/key/info?key=${key}`);
      const spend = info.body.info.spend as number;
      assert.ok(spend <= budget + 1e-9, `spend ${spend} over budget ${budget}`);
      assert.ok(spend >= budget * 0.9, `spend ${spend} is under 90% of ${budget}`);
      const booked = served.reduce(
        (sum, o) =>
          sum +
          costOf(
            (o as PromiseFulfilledResult<OpenAI.Chat.Completions.ChatCompletion>).value.usage!,
          ),
        0,
      );
      near(spend, booked, 'the key spend is the sum of the calls served');
    });

    it('enforces rpm_limit with 429, retry-after and the remaining-requests header', async () => {
      const key = await newKey({ rpm_limit: 2 });
      const sdk = client(gateway, key);
      const first = await sdk.chat.completions
        .create({ model: 'priced', messages: MESSAGES })
        .withResponse();
      assert.equal(first.response.headers.get('x-ratelimit-remaining-requests'), '1');
      assert.equal(first.response.headers.get('x-ratelimit-limit-requests'), '2');
      await sdk.chat.completions.create({ model: 'priced', messages: MESSAGES });
      const error = await sdk.chat.completions.create({ model: 'priced', messages: MESSAGES }).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof OpenAI.APIError, String(error));
      assert.equal(error.status, 429);
      assert.match(error.message, /Rate limit exceeded for api_key/);
      assert.ok(Number(error.headers?.get('retry-after')) > 0);
    });

    it('frees a max_parallel_requests slot however the call ends', async () => {
      const key = await newKey({ max_parallel_requests: 1 });
      const sdk = client(gateway, key);
      // An upstream error, then a success: the failed call must not hold the slot.
      const failed = await sdk.chat.completions
        .create({
          model: 'priced',
          messages: MESSAGES,
          mock_response: 'litellm.RateLimitError',
        } as OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      assert.ok(failed instanceof OpenAI.APIError);
      const ok = await sdk.chat.completions.create({ model: 'priced', messages: MESSAGES });
      assert.ok(ok.choices[0]?.message.content);
    });

    it('books every call once even when the client repeats its x-request-id', async () => {
      const key = await newKey({});
      const sdk = new OpenAI({
        apiKey: key,
        baseURL: `${gateway.url}/v1`,
        maxRetries: 0,
        defaultHeaders: { 'x-request-id': 'same-id-every-time' },
      });
      const calls = [];
      for (let i = 0; i < 3; i++) {
        calls.push(
          await sdk.chat.completions.create({ model: 'priced', messages: MESSAGES }).withResponse(),
        );
      }
      const callIds = new Set(calls.map((c) => c.response.headers.get('x-litellm-call-id')));
      assert.equal(callIds.size, 3, 'each call has its own call id');
      assert.equal(calls[0]?.response.headers.get('x-request-id'), 'same-id-every-time');
      await flush();
      const info = await api.get(`/key/info?key=${key}`);
      const expected = calls.reduce((sum, c) => sum + costOf(c.data.usage!), 0);
      near(info.body.info.spend as number, expected, 'three calls, three charges');
    });

    it('master-key calls are booked to the spend log too', async () => {
      const { response } = await client(gateway, MASTER_KEY)
        .chat.completions.create({ model: 'priced', messages: MESSAGES })
        .withResponse();
      const requestId = response.headers.get('x-litellm-call-id');
      await flush();
      const logs = await api.get(`/spend/logs?request_id=${requestId}`);
      const rows = Array.isArray(logs.body) ? logs.body : logs.body.data;
      assert.equal(rows.length, 1);
      assert.ok((rows[0].spend as number) > 0);
    });
  });
}

describe('money settings on sqlite', () => {
  let opened: OpenedTestStore;
  let gateway: TestGateway;
  let api: AdminClient;
  const logLines: string[] = [];

  before(async () => {
    const sqlite = (await testDatabases()).find((d) => d.name === 'sqlite');
    assert.ok(sqlite);
    opened = await sqlite.open();
    gateway = await startGateway(
      {
        ...CONFIG,
        general_settings: {
          master_key: MASTER_KEY,
          budget_exceeded_status_code: 400,
          proxy_batch_write_at: 0.05,
        },
        litellm_settings: { max_end_user_budget: 0.02 },
      },
      {
        store: opened.store,
        logStream: new Writable({
          write(chunk: Buffer, _encoding, done) {
            logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
            done();
          },
        }),
      },
    );
    api = adminClient(gateway.url, MASTER_KEY);
  });
  after(async () => {
    await gateway?.close();
    await opened?.close();
  });

  it('answers budget refusals with 400 when configured as older LiteLLM did', async () => {
    const r = await api.post('/key/generate', { max_budget: 0 });
    const error = await client(gateway, r.body.key as string)
      .chat.completions.create({ model: 'priced', messages: MESSAGES })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(error instanceof OpenAI.APIError, String(error));
    assert.equal(error.status, 400);
    assert.match(error.message, /Budget has been exceeded!/);
  });

  it('holds end users without a budget of their own to max_end_user_budget', async () => {
    const sdk = client(gateway, MASTER_KEY);
    const refusal = async (): Promise<unknown> =>
      sdk.chat.completions.create({ model: 'priced', messages: MESSAGES, user: 'walk-in' }).then(
        () => undefined,
        (e: unknown) => e,
      );
    // 0.02 pays for a few calls of about 0.004; then the end user is out of money.
    let error: unknown;
    let served = 0;
    for (let i = 0; i < 10 && error === undefined; i++) {
      error = await refusal();
      if (error === undefined) served++;
    }
    assert.ok(served >= 1, 'the first calls are served');
    assert.ok(error instanceof OpenAI.APIError, 'then refused');
    assert.match(error.message, /End User=walk-in over budget/);
    // Booked to the customer row the ledger creates, within the budget.
    await gateway.app.ledger?.flush();
    const info = await api.get('/customer/info?end_user_id=walk-in');
    assert.equal(info.status, 200, JSON.stringify(info.body));
    assert.ok((info.body.spend as number) <= 0.02 + 1e-12);
    assert.ok((info.body.spend as number) > 0);
  });

  it('warns once when a key reaches its soft_budget, and keeps serving it', async () => {
    const r = await api.post('/key/generate', { soft_budget: 0.005 });
    const sdk = client(gateway, r.body.key as string);
    for (let i = 0; i < 4; i++) {
      await sdk.chat.completions.create({ model: 'priced', messages: MESSAGES });
      await gateway.app.ledger?.flush();
    }
    const warnings = logLines.filter((l) => l.includes('soft budget reached'));
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.ok(!warnings[0]?.includes(r.body.key as string), 'the key itself is never logged');
  });
});
