/**
 * `POST /v1/rerank`, Cohere's rerank API as LiteLLM serves it: to Cohere itself and to a
 * Cohere-compatible server (hosted vLLM), the provider's ordering passed back, priced by the
 * search unit or by the tokens the server reports, booked as `arerank`, and never past a key's
 * budget. Store-backed parts run on SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { testDatabases } from './helpers/databases.js';
import { MASTER_KEY } from './helpers/gateway.js';
import { assertRefused } from './helpers/refusals.js';
import { gatewayOn } from './helpers/sqlite-gateway.js';
import OpenAI from 'openai';
import { startCohereSimulator, startVoyageSimulator } from './simulators/cohere-simulator.js';
import { startOpenAiSimulator } from './simulators/openai-simulator.js';

const cohere = await startCohereSimulator({ apiKey: 'co-key' });
const vllm = await startOpenAiSimulator();
const voyage = await startVoyageSimulator({ apiKey: 'pa-key' });

/** Cohere's rerank-v3.5: USD 2 per 1,000 searches. */
const PER_SEARCH = 0.002;
const PER_TOKEN = 1e-8;

const CONFIG = {
  model_list: [
    { model_name: 'chat-mock', litellm_params: { model: 'mock/chat-mock' } },
    {
      model_name: 'rerank',
      litellm_params: {
        model: 'cohere/rerank-v3.5',
        api_base: cohere.url,
        api_key: 'co-key',
        input_cost_per_query: PER_SEARCH,
      },
    },
    {
      model_name: 'bge-reranker',
      litellm_params: {
        model: 'hosted_vllm/BAAI/bge-reranker-v2-m3',
        api_base: `${vllm.url}/v1`,
        input_cost_per_token: PER_TOKEN,
      },
    },
    {
      model_name: 'voyage-rerank',
      litellm_params: {
        model: 'voyage/rerank-2',
        api_base: `${voyage.url}/v1`,
        api_key: 'pa-key',
        input_cost_per_token: 5e-8,
      },
    },
    {
      model_name: 'voyage-embed',
      litellm_params: {
        model: 'voyage/voyage-3',
        api_base: `${voyage.url}/v1`,
        api_key: 'pa-key',
        input_cost_per_token: 6e-8,
      },
    },
    {
      model_name: 'infinity-rerank',
      litellm_params: { model: 'infinity/BAAI/bge-reranker-base', api_base: `${vllm.url}/v1` },
    },
  ],
  general_settings: { master_key: MASTER_KEY },
};

const DOCUMENTS = [
  'The toll gate opens at dawn.',
  'Budgets reset every month at midnight.',
  'A gateway checks every key and its budget before the call.',
];

for (const database of await testDatabases()) {
  describe(`rerank on ${database.name}`, { skip: database.skip }, () => {
    const fixture = gatewayOn(database, CONFIG);
    const rerank = (body: Record<string, unknown>, key = MASTER_KEY, path = '/v1/rerank') =>
      fetch(`${fixture.gateway.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    it("orders documents through Cohere and answers with Cohere's result, priced by the search", async () => {
      cohere.reset();
      const response = await rerank({
        model: 'rerank',
        query: 'which key budget does the gateway check',
        documents: DOCUMENTS,
        top_n: 2,
      });
      assert.equal(response.status, 200);
      const answer = (await response.json()) as {
        results: { index: number; relevance_score: number }[];
        meta: { billed_units: { search_units: number } };
      };
      assert.deepEqual(
        answer.results.map((r) => r.index),
        [2, 0],
      );
      assert.equal(answer.meta.billed_units.search_units, 1);
      assert.equal(Number(response.headers.get('x-litellm-response-cost')), PER_SEARCH);
      const sent = cohere.requests.at(-1);
      assert.equal(sent?.path, '/v2/rerank');
      assert.equal(sent?.headers.authorization, 'Bearer co-key');
      assert.deepEqual(sent?.body, {
        model: 'rerank-v3.5',
        query: 'which key budget does the gateway check',
        documents: DOCUMENTS,
        top_n: 2,
      });
      await fixture.gateway.app.ledger?.flush();
      const logs = await fixture.api.get(
        `/spend/logs?request_id=${response.headers.get('x-litellm-call-id')}`,
      );
      const rows = (Array.isArray(logs.body) ? logs.body : logs.body.data) as {
        call_type: string;
        spend: number;
      }[];
      assert.equal(rows[0]?.call_type, 'arerank');
      assert.ok(Math.abs((rows[0]?.spend ?? 0) - PER_SEARCH) < 1e-12);
      // 150 documents are two search units; /rerank and /v2/rerank are the same route.
      const many = Array.from({ length: 150 }, (_, i) => `document ${i}`);
      const twice = await rerank(
        { model: 'rerank', query: 'document', documents: many },
        MASTER_KEY,
        '/v2/rerank',
      );
      assert.equal(Number(twice.headers.get('x-litellm-response-cost')), 2 * PER_SEARCH);
    });

    it('reranks through a hosted vLLM server, priced by the tokens it reports', async () => {
      vllm.reset();
      const response = await rerank(
        { model: 'bge-reranker', query: 'toll gate', documents: DOCUMENTS },
        MASTER_KEY,
        '/rerank',
      );
      assert.equal(response.status, 200);
      const answer = (await response.json()) as {
        usage: { total_tokens: number };
        results: { index: number }[];
      };
      assert.equal(answer.results[0]?.index, 0);
      assert.equal(vllm.requests.at(-1)?.path, '/v1/rerank');
      const cost = Number(response.headers.get('x-litellm-response-cost'));
      assert.ok(Math.abs(cost - answer.usage.total_tokens * PER_TOKEN) < 1e-15, String(cost));
    });

    it("translates Voyage's rerank names both ways, and prices Voyage's embeddings by their tokens", async () => {
      voyage.reset();
      const response = await rerank({
        model: 'voyage-rerank',
        query: 'toll gate',
        documents: DOCUMENTS,
        top_n: 1,
      });
      assert.equal(response.status, 200);
      const answer = (await response.json()) as {
        results: { index: number }[];
        usage: { total_tokens: number };
      };
      assert.deepEqual(
        answer.results.map((r) => r.index),
        [0],
      );
      const sent = voyage.requests.at(-1)?.body as Record<string, unknown>;
      assert.equal(sent.top_k, 1);
      assert.equal('top_n' in sent, false);
      const cost = Number(response.headers.get('x-litellm-response-cost'));
      assert.ok(Math.abs(cost - answer.usage.total_tokens * 5e-8) < 1e-15, String(cost));
      const client = new OpenAI({
        apiKey: MASTER_KEY,
        baseURL: `${fixture.gateway.url}/v1`,
        maxRetries: 0,
      });
      const { data, response: embedded } = await client.embeddings
        .create({ model: 'voyage-embed', input: ['one two', 'three'], encoding_format: 'float' })
        .withResponse();
      assert.equal(data.data.length, 2);
      assert.ok(
        Math.abs(Number(embedded.headers.get('x-litellm-response-cost')) - 3 * 6e-8) < 1e-15,
      );
      // Infinity: a self-hosted server, Cohere's rerank API, no bill.
      const infinity = await rerank({
        model: 'infinity-rerank',
        query: 'budget',
        documents: DOCUMENTS,
      });
      assert.equal(infinity.status, 200);
      assert.equal(infinity.headers.get('x-litellm-response-cost'), '0');
    });

    it("never lets a key's searches cost more than its budget", async () => {
      const made = await fixture.api.post('/key/generate', {
        models: ['rerank'],
        max_budget: 0.005,
      });
      const key = made.body.key as string;
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        statuses.push(
          (await rerank({ model: 'rerank', query: 'q', documents: DOCUMENTS }, key)).status,
        );
      }
      assert.deepEqual(statuses, [200, 200, 429, 429]);
      await fixture.gateway.app.ledger?.flush();
      const info = await fixture.api.get(`/key/info?key=${key}`);
      assert.ok(Math.abs(info.body.info.spend - 2 * PER_SEARCH) < 1e-12);
    });

    it('refuses bad input, models the key may not use, and providers without rerank', async () => {
      await assertRefused(`${fixture.gateway.url}/v1/rerank`, MASTER_KEY, [
        [{ model: 'rerank', query: 'q' }, /documents/],
        [{ model: 'rerank', query: 'q', documents: [] }, /documents/],
        [{ model: 'rerank', documents: ['a'] }, /query/],
        [{ model: 'rerank', query: 'q', documents: ['a'], top_n: 0 }, /top_n/],
        [{ model: 'chat-mock', query: 'q', documents: ['a'] }, /no rerank endpoint/],
      ]);
      const made = await fixture.api.post('/key/generate', { models: ['chat-mock'] });
      const denied = await rerank({ model: 'rerank', query: 'q', documents: ['a'] }, made.body.key);
      assert.equal(denied.status, 401);
    });
  });
}

after(async () => {
  await cohere.close();
  await vllm.close();
  await voyage.close();
});
