/**
 * Tag budgets, as LiteLLM's docs set them up: `/tag/new` with a budget for a cost centre, calls
 * tagged in `metadata.tags`, `x-litellm-tags` or on their key, refused once the tag's budget is
 * spent ("Budget has been exceeded! Tag=..."), and the /tag/* routes with their errors, on SQLite
 * and PostgreSQL, with the official OpenAI SDK as the client.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import {
  INPUT_PRICE,
  MAX_TOKENS,
  OUTPUT_PRICE,
  oneCallBudget,
  pricedModel,
  refusal as refusalOf,
} from './helpers/priced-models.js';

const MESSAGES = [{ role: 'user' as const, content: 'gm' }];

const CONFIG = {
  model_list: [pricedModel('gpt-4')],
  general_settings: { master_key: MASTER_KEY },
};

for (const database of await testDatabases()) {
  describe(`tag budgets on ${database.name}`, { skip: database.skip }, () => {
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

    async function post(path: string, body: Record<string, unknown>, key = MASTER_KEY) {
      const r = await api.post(path, body, key);
      assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
      return r.body as Record<string, unknown>;
    }

    /** A chat call as the docs make it: tags in `metadata` (the SDK's `extra_body`). */
    function ask(
      tags: string[] | undefined,
      options: { key?: string; headers?: Record<string, string> } = {},
    ) {
      const sdk = new OpenAI({
        apiKey: options.key ?? MASTER_KEY,
        baseURL: `${gateway.url}/v1`,
        maxRetries: 0,
        defaultHeaders: options.headers,
      });
      return sdk.chat.completions.create({
        model: 'gpt-4',
        messages: MESSAGES,
        max_tokens: MAX_TOKENS,
        ...(tags && { metadata: { tags } }),
      } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    }

    it("creates a tag with a monthly budget, as the docs' engineering example", async () => {
      const created = await post('/tag/new', {
        name: 'engineering',
        description: 'Engineering department cost center',
        max_budget: 500.0,
        budget_duration: '30d',
      });
      assert.equal(created.message, 'Tag engineering created successfully');
      const tag = created.tag as Record<string, unknown>;
      assert.equal(tag.name, 'engineering');
      assert.equal(tag.description, 'Engineering department cost center');
      assert.equal(tag.max_budget, 500);
      assert.equal(tag.budget_duration, '30d');
      assert.equal(tag.spend, 0);
      const resetIn = Date.parse(String(tag.budget_reset_at)) - Date.now();
      assert.ok(resetIn > 29 * 86_400_000 && resetIn <= 30 * 86_400_000, `reset in ${resetIn}`);
      assert.ok(!Number.isNaN(Date.parse(String(tag.created_at))));
      assert.equal((tag.litellm_budget_table as { max_budget: number }).max_budget, 500);

      const again = await api.post('/tag/new', { name: 'engineering' });
      assert.equal(again.status, 400);
      assert.equal(again.body.error.message, 'Tag engineering already exists');
    });

    it('shows tags by name with /tag/info, and names those that do not exist', async () => {
      await post('/tag/new', { name: 'marketing', max_budget: 300, budget_duration: '30d' });
      const info = await post('/tag/info', { names: ['engineering', 'marketing'] });
      assert.deepEqual(Object.keys(info).sort(), ['engineering', 'marketing']);
      assert.equal((info.marketing as { max_budget: number }).max_budget, 300);
      assert.equal((info.engineering as { spend: number }).spend, 0);

      const missing = await api.post('/tag/info', { names: ['engineering', 'sales'] });
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error.message, "Tags not found: ['sales']");
    });

    it("updates a tag's budget and deletes a tag", async () => {
      const updated = await post('/tag/update', {
        name: 'engineering',
        max_budget: 750.0,
        budget_duration: '30d',
      });
      assert.equal(updated.message, 'Tag engineering updated successfully');
      const tag = updated.tag as Record<string, unknown>;
      assert.equal(tag.max_budget, 750);
      assert.equal(tag.description, 'Engineering department cost center', 'kept');

      const deleted = await post('/tag/delete', { name: 'marketing' });
      assert.equal(deleted.message, 'Tag marketing deleted successfully');
      assert.equal((await api.post('/tag/info', { names: ['marketing'] })).status, 404);
      const gone = await api.post('/tag/delete', { name: 'marketing' });
      assert.equal(gone.status, 404);
      assert.equal(gone.body.error.message, 'Tag marketing not found');
      const unknown = await api.post('/tag/update', { name: 'marketing', max_budget: 1 });
      assert.equal(unknown.status, 404);
    });

    it('refuses calls under a tag once its budget is spent, whichever way the call is tagged', async () => {
      const budget = oneCallBudget('gpt-4', MESSAGES);
      await post('/tag/new', { name: 'project-alpha', max_budget: budget });

      const first = await ask(['project-alpha']);
      assert.equal(first.choices[0]?.message.role, 'assistant');
      const refused = await refusalOf(ask(['project-alpha']));
      assert.ok(refused.status === 429 || refused.status === 400, `status ${refused.status}`);
      assert.match(
        refused.message,
        /Budget has been exceeded! Tag=project-alpha Current cost: [\d.e-]+, Max budget: /,
      );
      // The same tag named by the header, or among several tags, or carried by the key.
      const byHeader = await refusalOf(
        ask(undefined, { headers: { 'x-litellm-tags': 'project-alpha' } }),
      );
      assert.match(byHeader.message, /Tag=project-alpha/);
      const among = await refusalOf(ask(['engineering', 'project-alpha', 'customer-acme']));
      assert.match(among.message, /Tag=project-alpha/);
      const tagged = (await post('/key/generate', { tags: ['project-alpha'] })).key as string;
      const byKey = await refusalOf(ask(undefined, { key: tagged }));
      assert.match(byKey.message, /Tag=project-alpha/);

      // Calls under other tags, or none, are not held to it.
      assert.equal((await ask(['engineering'])).choices.length, 1);
      assert.equal((await ask(undefined)).choices.length, 1);

      // The tag's spend is booked, within its budget; a bigger budget lets calls through at once.
      await gateway.app.ledger?.flush();
      const info = await post('/tag/info', { names: ['project-alpha'] });
      const spend = (info['project-alpha'] as { spend: number }).spend;
      assert.ok(spend > 0 && spend <= budget, `spend ${spend} of ${budget}`);
      await post('/tag/update', { name: 'project-alpha', max_budget: 10 });
      assert.equal((await ask(['project-alpha'])).choices.length, 1);
    });

    it('starts a tag deleted and made again from nothing spent', async () => {
      const budget = oneCallBudget('gpt-4', MESSAGES);
      await post('/tag/new', { name: 'reborn', max_budget: budget });
      await ask(['reborn']);
      assert.match((await refusalOf(ask(['reborn']))).message, /Tag=reborn/);
      // Written first: spend still queued is booked by the tag's name, to whichever tag has it.
      await gateway.app.ledger?.flush();
      await post('/tag/delete', { name: 'reborn' });
      assert.equal((await ask(['reborn'])).choices.length, 1, 'a plain label once deleted');
      await post('/tag/new', { name: 'reborn', max_budget: budget });
      assert.equal((await ask(['reborn'])).choices.length, 1, 'the new tag has spent nothing');
    });

    it('never overspends a tag under 100 concurrent calls of three keys, and uses 90% of it', async () => {
      const probe = await ask(undefined);
      const costOf = (usage: OpenAI.CompletionUsage) =>
        usage.prompt_tokens * INPUT_PRICE + usage.completion_tokens * OUTPUT_PRICE;
      const budget = costOf(probe.usage!) * 40;
      await post('/tag/new', { name: 'fan-out', max_budget: budget });
      const keys = await Promise.all(
        [1, 2, 3].map(async () => (await post('/key/generate', {})).key as string),
      );
      const outcomes = await Promise.allSettled(
        Array.from({ length: 100 }, (_, i) => ask(['fan-out'], { key: keys[i % 3] })),
      );
      let booked = 0;
      for (const outcome of outcomes) {
        if (outcome.status === 'fulfilled') booked += costOf(outcome.value.usage!);
        else assert.match(String(outcome.reason), /Tag=fan-out/);
      }
      await gateway.app.ledger?.flush();
      const info = await post('/tag/info', { names: ['fan-out'] });
      const spend = (info['fan-out'] as { spend: number }).spend;
      assert.ok(spend <= budget + 1e-9, `spend ${spend} over the budget ${budget}`);
      assert.ok(spend >= budget * 0.9, `spend ${spend} is under 90% of ${budget}`);
      assert.ok(Math.abs(spend - booked) < 1e-9, `tag spend ${spend}, calls served ${booked}`);
    });

    it("holds tagged calls to the tag's rate limit", async () => {
      await post('/tag/new', { name: 'chatbot-v2', rpm_limit: 1 });
      await ask(['chatbot-v2']);
      const limited = await refusalOf(ask(['chatbot-v2']));
      assert.equal(limited.status, 429);
      assert.match(
        limited.message,
        /Rate limit exceeded for tag: chatbot-v2\. Limit type: requests/,
      );
    });

    it('lists stored tags with their budgets, then the tags calls carried that nobody stored', async () => {
      await ask(['adhoc-label']);
      await gateway.app.ledger?.flush();
      const list = await api.get('/tag/list');
      assert.equal(list.status, 200);
      const byName = new Map(
        (list.body as { name: string; description: string; max_budget?: number }[]).map((t) => [
          t.name,
          t,
        ]),
      );
      assert.equal(byName.get('engineering')?.max_budget, 750);
      assert.equal(byName.get('project-alpha')?.max_budget, 10);
      const dynamic = byName.get('adhoc-label');
      assert.ok(dynamic, 'the tag of a call is listed');
      assert.match(dynamic.description, /passed dynamically in a request/);
      assert.ok(!byName.has('marketing'), 'a deleted tag is not listed as stored');

      const lopsided = await api.get('/tag/list?start_date=2026-01-01');
      assert.equal(lopsided.status, 400);
      assert.match(
        lopsided.body.error.message,
        /start_date and end_date must be provided together/,
      );
      const unreal = await api.get('/tag/list?start_date=2026-02-30&end_date=2026-03-01');
      assert.equal(unreal.status, 400);
      assert.match(unreal.body.error.message, /Invalid date format, expected YYYY-MM-DD/);
      const backwards = await api.get('/tag/list?start_date=2026-03-01&end_date=2026-02-01');
      assert.equal(backwards.status, 400);
      assert.match(backwards.body.error.message, /start_date must be on or before end_date/);
      // Days that hold none of this test's calls leave only the stored tags.
      const old = await api.get('/tag/list?start_date=2001-01-01&end_date=2001-01-31');
      assert.equal(old.status, 200);
      const names = (old.body as { name: string }[]).map((t) => t.name);
      assert.ok(!names.includes('adhoc-label') && names.includes('engineering'), String(names));
    });

    it('refuses bad input with the field named, and changes nothing', async () => {
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ name: '' }, /name/],
        [{ name: 'a,b' }, /comma/],
        [{ name: 'neg', max_budget: -1 }, /max_budget must be a non-negative/],
        [
          { name: 'nobudget', budget_id: 'no-such-budget' },
          /Budget not found: budget_id=no-such-budget/,
        ],
        [
          { name: 'bad-duration', max_budget: 1, budget_duration: 'fortnightly' },
          /Invalid duration format, passed duration: fortnightly/,
        ],
        [{ description: 'no name' }, /name/],
      ];
      for (const [body, message] of cases) {
        const r = await api.post('/tag/new', body);
        assert.ok(r.status === 400 || r.status === 422, `${JSON.stringify(body)}: ${r.status}`);
        assert.match(r.body.error.message, message, JSON.stringify(body));
      }
      const many = await api.post('/tag/info', {
        names: Array.from({ length: 1001 }, (_, i) => `t${i}`),
      });
      assert.ok(many.status === 400 || many.status === 422, `status ${many.status}`);
      assert.match(many.body.error.message, /names/);
      const listed = (await api.get('/tag/list')).body as { name: string }[];
      for (const name of ['neg', 'nobudget', 'bad-duration']) {
        assert.ok(!listed.some((t) => t.name === name), `${name} was not stored`);
      }
      await post('/budget/new', { budget_id: 'tag-tier', max_budget: 5 });
      const both = await api.post('/tag/update', {
        name: 'engineering',
        budget_id: 'tag-tier',
        max_budget: 3,
      });
      assert.equal(both.status, 400);
      assert.match(both.body.error.message, /either budget_id .* or the budget fields/);
    });

    it('shares a budget by budget_id, which cannot be deleted while a tag holds it', async () => {
      const created = await post('/tag/new', { name: 'support', budget_id: 'tag-tier' });
      assert.equal((created.tag as { max_budget: number }).max_budget, 5);
      const held = await api.post('/budget/delete', { id: 'tag-tier' });
      assert.equal(held.status, 400);
      assert.match(held.body.error.message, /holds the limits of 1 tag/);
      // A change of the shared budget reaches the tag at once.
      await post('/budget/update', { budget_id: 'tag-tier', max_budget: 0 });
      const refused = await refusalOf(ask(['support']));
      assert.match(refused.message, /Tag=support/);
    });

    it('starts a window for a tag once its budget gets a budget_duration', async () => {
      const created = await post('/tag/new', { name: 'windowless', max_budget: 5 });
      const tag = created.tag as { budget_id: string; budget_reset_at: string | null };
      assert.equal(tag.budget_reset_at, null);
      await post('/budget/update', { budget_id: tag.budget_id, budget_duration: '1d' });
      const info = await post('/tag/info', { names: ['windowless'] });
      const shown = info.windowless as { budget_duration: string; budget_reset_at: string };
      assert.equal(shown.budget_duration, '1d');
      const resetIn = Date.parse(shown.budget_reset_at) - Date.now();
      assert.ok(resetIn > 23 * 3_600_000 && resetIn <= 24 * 3_600_000, `resets in ${resetIn} ms`);
    });

    it('lets proxy admins change tags, admins and viewers read them, and nobody else', async () => {
      const viewer = (await post('/user/new', { user_role: 'proxy_admin_viewer' })).key as string;
      const user = (await post('/user/new', { user_role: 'internal_user' })).key as string;
      assert.equal((await api.get('/tag/list', viewer)).status, 200);
      assert.equal((await api.post('/tag/info', { names: ['engineering'] }, viewer)).status, 200);
      assert.equal((await api.post('/tag/new', { name: 'by-viewer' }, viewer)).status, 403);
      assert.equal((await api.get('/tag/list', user)).status, 401);
      assert.equal((await api.post('/tag/new', { name: 'by-user' }, user)).status, 401);
      assert.equal((await api.post('/tag/delete', { name: 'engineering' }, user)).status, 401);
      assert.equal((await api.post('/tag/info', { names: ['engineering'] })).status, 200);
    });
  });
}
