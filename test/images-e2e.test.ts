/**
 * `POST /v1/images/generations` with the official openai SDK (`client.images.generate`): OpenAI
 * and Azure deployments draw, their answers come back unchanged, each call is priced as its
 * deployment is (by the image, by the pixel, or by the tokens gpt-image-1 reports), booked as
 * `aimage_generation`, and never lets a key spend past its budget. Store-backed parts run on
 * SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import OpenAI, { toFile } from 'openai';
import { testDatabases } from './helpers/databases.js';
import { MASTER_KEY } from './helpers/gateway.js';
import { assertRefused } from './helpers/refusals.js';
import { gatewayOn } from './helpers/sqlite-gateway.js';
import { startAzureSimulator } from './simulators/azure-simulator.js';
import { SIM_EDIT_IMAGE_TOKENS, startOpenAiSimulator } from './simulators/openai-simulator.js';

const openai = await startOpenAiSimulator({ apiKey: 'sk-openai-upstream' });
const azure = await startAzureSimulator({ apiKey: 'az-key', deployments: ['dalle3-eu'] });

/** gpt-image-1's prices in the price table: USD per text input and per image output token. */
const GPT_IMAGE_INPUT = 5 / 1e6;
const GPT_IMAGE_OUTPUT = 40 / 1e6;
/** ...and per input image token (an edit's images). */
const GPT_IMAGE_IMAGE_INPUT = 10 / 1e6;

const upstream = { api_base: `${openai.url}/v1`, api_key: 'sk-openai-upstream' };

const CONFIG = {
  model_list: [
    { model_name: 'chat-mock', litellm_params: { model: 'mock/chat-mock' } },
    {
      model_name: 'dalle',
      litellm_params: { model: 'openai/dall-e-3', ...upstream, output_cost_per_image: 0.04 },
      model_info: { mode: 'image_generation' },
    },
    {
      model_name: 'dalle-2',
      litellm_params: { model: 'openai/dall-e-2', ...upstream, input_cost_per_pixel: 2e-8 },
    },
    { model_name: 'gpt-image', litellm_params: { model: 'openai/gpt-image-1', ...upstream } },
    {
      model_name: 'azure-dalle',
      litellm_params: {
        model: 'azure/dalle3-eu',
        api_base: azure.url,
        api_key: 'az-key',
        api_version: '2024-10-21',
        output_cost_per_image: 0.08,
      },
    },
    { model_name: 'offline-image', litellm_params: { model: 'mock/any-image' } },
    {
      model_name: 'claude',
      litellm_params: { model: 'anthropic/claude-3-5-haiku-latest', api_key: 'sk-ant' },
    },
  ],
  general_settings: { master_key: MASTER_KEY },
};

interface SpendRow {
  call_type: string;
  spend: number;
  model_group: string;
  prompt_tokens: number;
  completion_tokens: number;
}

for (const database of await testDatabases()) {
  describe(`image generation on ${database.name}`, { skip: database.skip }, () => {
    const fixture = gatewayOn(database, CONFIG);

    const client = (key = MASTER_KEY) =>
      new OpenAI({ apiKey: key, baseURL: `${fixture.gateway.url}/v1`, maxRetries: 0 });

    const spendRow = async (callId: string | null): Promise<SpendRow> => {
      await fixture.gateway.app.ledger?.flush();
      const logs = await fixture.api.get(`/spend/logs?request_id=${callId}`);
      const rows = (Array.isArray(logs.body) ? logs.body : logs.body.data) as SpendRow[];
      assert.equal(rows.length, 1);
      return rows[0]!;
    };

    it("draws through an OpenAI deployment, answers with OpenAI's result and books it per image", async () => {
      openai.reset();
      const { data, response } = await client()
        .images.generate({ model: 'dalle', prompt: 'a lighthouse at dusk', size: '1024x1024' })
        .withResponse();
      assert.equal(data.data?.length, 1);
      assert.match(data.data?.[0]?.url ?? '', /^https:\/\/images\.example\//);
      assert.equal(data.data?.[0]?.revised_prompt, 'A detailed picture of a lighthouse at dusk');
      assert.equal(response.headers.get('x-litellm-model-group'), 'dalle');
      assert.equal(Number(response.headers.get('x-litellm-response-cost')), 0.04);
      const sent = openai.requests.at(-1);
      assert.equal(sent?.path, '/v1/images/generations');
      assert.equal(sent?.headers.authorization, 'Bearer sk-openai-upstream');
      assert.deepEqual(sent?.body, {
        model: 'dall-e-3',
        prompt: 'a lighthouse at dusk',
        size: '1024x1024',
      });
      const row = await spendRow(response.headers.get('x-litellm-call-id'));
      assert.equal(row.call_type, 'aimage_generation');
      assert.equal(row.model_group, 'dalle');
      assert.ok(Math.abs(row.spend - 0.04) < 1e-12);
    });

    it('passes base64 images through and prices dall-e-2 by the pixels of the size asked for', async () => {
      const { data, response } = await client()
        .images.generate({
          model: 'dalle-2',
          prompt: 'a red square',
          n: 3,
          size: '512x512',
          response_format: 'b64_json',
        })
        .withResponse();
      assert.equal(data.data?.length, 3);
      const png = Buffer.from(data.data?.[0]?.b64_json ?? '', 'base64');
      assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from('PNG')]);
      const expected = 3 * 512 * 512 * 2e-8;
      assert.ok(
        Math.abs(Number(response.headers.get('x-litellm-response-cost')) - expected) < 1e-12,
      );
    });

    it('prices gpt-image-1 by the tokens it reports, from the price table', async () => {
      const { data, response } = await client()
        .images.generate({ model: 'gpt-image', prompt: 'a blue circle', quality: 'low', n: 2 })
        .withResponse();
      const usage = data.usage;
      assert.ok(usage);
      assert.equal(usage.output_tokens, 2 * 272);
      const expected =
        usage.input_tokens * GPT_IMAGE_INPUT + usage.output_tokens * GPT_IMAGE_OUTPUT;
      const cost = Number(response.headers.get('x-litellm-response-cost'));
      assert.ok(Math.abs(cost - expected) < 1e-12, `${cost} against ${expected}`);
      const row = await spendRow(response.headers.get('x-litellm-call-id'));
      assert.equal(row.prompt_tokens, usage.input_tokens);
      assert.equal(row.completion_tokens, usage.output_tokens);
      assert.ok(Math.abs(row.spend - expected) < 1e-12);
    });

    it("draws through an Azure deployment's images URL with its api-key", async () => {
      azure.reset();
      const { data, response } = await client()
        .images.generate({ model: 'azure-dalle', prompt: 'a quiet harbour' })
        .withResponse();
      assert.equal(data.data?.length, 1);
      assert.equal(Number(response.headers.get('x-litellm-response-cost')), 0.08);
      const sent = azure.requests.at(-1);
      assert.equal(sent?.path, '/openai/deployments/dalle3-eu/images/generations');
      assert.equal(sent?.query.get('api-version'), '2024-10-21');
      assert.equal(sent?.headers['api-key'], 'az-key');
      // The Azure-style route of the gateway reaches the same deployment.
      const direct = await fetch(
        `${fixture.gateway.url}/openai/deployments/azure-dalle/images/generations`,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({ prompt: 'a quiet harbour' }),
        },
      );
      assert.equal(direct.status, 200);
      assert.equal(direct.headers.get('x-litellm-model-group'), 'azure-dalle');
    });

    it('uses the image model of model_list when the request names none', async () => {
      openai.reset();
      const data = await client().images.generate({ prompt: 'a paper boat' });
      assert.equal(data.data?.length, 1);
      assert.equal((openai.requests.at(-1)?.body as { model: string }).model, 'dall-e-3');
    });

    it('answers offline from the built-in mock with a real PNG', async () => {
      const data = await client().images.generate({
        model: 'offline-image',
        prompt: 'anything',
        response_format: 'b64_json',
      });
      const png = Buffer.from(data.data?.[0]?.b64_json ?? '', 'base64');
      assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      const url = await client().images.generate({ model: 'offline-image', prompt: 'anything' });
      assert.match(url.data?.[0]?.url ?? '', /^data:image\/png;base64,/);
    });

    it("never lets a key's images cost more than its budget, and books exactly what was drawn", async () => {
      const made = await fixture.api.post('/key/generate', {
        models: ['dalle-2'],
        max_budget: 0.1,
      });
      const key = made.body.key as string;
      // 1024 × 1024 at 2e-8 a pixel: ~0.021 an image.
      const perImage = 1024 * 1024 * 2e-8;
      openai.reset();
      await assert.rejects(
        client(key).images.generate({ model: 'dalle-2', prompt: 'too many', n: 5 }),
        (e: unknown) =>
          e instanceof OpenAI.APIError &&
          e.status === 429 &&
          /Budget has been exceeded/.test(e.message),
      );
      assert.equal(
        openai.requests.length,
        0,
        'a call its budget cannot pay never reaches the provider',
      );
      let drawn = 0;
      for (let i = 0; i < 6; i++) {
        const served = await client(key)
          .images.generate({ model: 'dalle-2', prompt: 'one more', n: 2, size: '1024x1024' })
          .then(
            (r) => r.data?.length ?? 0,
            () => 0,
          );
        if (served === 0) break;
        drawn += served;
      }
      assert.equal(drawn, 4, 'two calls of two images fit in the budget, a third does not');
      await fixture.gateway.app.ledger?.flush();
      const info = await fixture.api.get(`/key/info?key=${key}`);
      const spend = info.body.info.spend as number;
      assert.ok(Math.abs(spend - drawn * perImage) < 1e-9, `${spend}`);
      assert.ok(spend <= 0.1);
    });

    it("holds a key to its models, and a model's price shows in /model/info", async () => {
      const made = await fixture.api.post('/key/generate', { models: ['chat-mock'] });
      await assert.rejects(
        client(made.body.key as string).images.generate({ model: 'dalle', prompt: 'x' }),
        (e: unknown) => e instanceof OpenAI.APIError && e.status === 401,
      );
      const info = await fixture.api.get('/model/info');
      const dalle = (
        info.body.data as { model_name: string; model_info: Record<string, unknown> }[]
      ).find((m) => m.model_name === 'dalle');
      assert.equal(dalle?.model_info.output_cost_per_image, 0.04);
      assert.equal(dalle?.model_info.price_known, true);
    });

    it('checks image deployments in /health with one drawing, and counts image calls in /metrics', async () => {
      openai.reset();
      const health = await fixture.api.get('/health?model=dalle');
      assert.equal(health.body.healthy_count, 1, JSON.stringify(health.body));
      assert.equal(openai.requests.at(-1)?.path, '/v1/images/generations');
      assert.equal((openai.requests.at(-1)?.body as { prompt: string }).prompt, 'ping');
      const metrics = await (await fetch(`${fixture.gateway.url}/metrics`)).text();
      assert.match(
        metrics,
        /litellm_proxy_total_requests_metric\{model="dalle",route="\/v1\/images\/generations",status_code="200"\} [1-9]/,
      );
    });

    it('edits images from a multipart form, pricing the images it was given apart', async () => {
      openai.reset();
      const png = Buffer.from(
        'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
        'base64',
      );
      const { data, response } = await client()
        .images.edit({
          model: 'gpt-image',
          image: await toFile(png, 'room.png', { type: 'image/png' }),
          prompt: 'paint the walls blue',
        })
        .withResponse();
      assert.equal(data.data?.length, 1);
      const usage = data.usage as unknown as {
        output_tokens: number;
        input_tokens_details: { text_tokens: number; image_tokens: number };
      };
      assert.equal(usage.input_tokens_details.image_tokens, SIM_EDIT_IMAGE_TOKENS);
      const expected =
        usage.input_tokens_details.text_tokens * GPT_IMAGE_INPUT +
        usage.input_tokens_details.image_tokens * GPT_IMAGE_IMAGE_INPUT +
        usage.output_tokens * GPT_IMAGE_OUTPUT;
      const cost = Number(response.headers.get('x-litellm-response-cost'));
      assert.ok(Math.abs(cost - expected) < 1e-12, `${cost} against ${expected}`);
      const sent = openai.requests.at(-1);
      assert.equal(sent?.path, '/v1/images/edits');
      const form = await new Request('http://x/', {
        method: 'POST',
        headers: { 'content-type': String(sent?.headers['content-type']) },
        body: sent?.rawBytes,
      }).formData();
      assert.equal(form.get('model'), 'gpt-image-1');
      assert.equal(form.get('prompt'), 'paint the walls blue');
      const image = form.get('image') as File;
      assert.equal(image.name, 'room.png');
      assert.ok(Buffer.from(await image.arrayBuffer()).equals(png));
      await fixture.gateway.app.ledger?.flush();
      const logs = await fixture.api.get(
        `/spend/logs?request_id=${response.headers.get('x-litellm-call-id')}`,
      );
      const rows = (Array.isArray(logs.body) ? logs.body : logs.body.data) as {
        call_type: string;
      }[];
      assert.equal(rows[0]?.call_type, 'aimage_edit');
      // dall-e-2 with a mask, two images, priced by the pixel; Azure at its deployment's URL.
      const masked = await client()
        .images.edit({
          model: 'dalle-2',
          image: await toFile(png, 'a.png', { type: 'image/png' }),
          mask: await toFile(png, 'mask.png', { type: 'image/png' }),
          prompt: 'add a window',
          n: 2,
          size: '512x512',
        })
        .withResponse();
      assert.equal(masked.data.data?.length, 2);
      const pixels = 2 * 512 * 512 * 2e-8;
      assert.ok(
        Math.abs(Number(masked.response.headers.get('x-litellm-response-cost')) - pixels) < 1e-12,
      );
      const maskForm = await new Request('http://x/', {
        method: 'POST',
        headers: { 'content-type': String(openai.requests.at(-1)?.headers['content-type']) },
        body: openai.requests.at(-1)?.rawBytes,
      }).formData();
      assert.equal((maskForm.get('mask') as File).name, 'mask.png');
      azure.reset();
      await client().images.edit({
        model: 'azure-dalle',
        image: await toFile(png, 'a.png', { type: 'image/png' }),
        prompt: 'x',
      });
      assert.equal(azure.requests.at(-1)?.path, '/openai/deployments/dalle3-eu/images/edits');
      const offline = await client().images.edit({
        model: 'offline-image',
        image: await toFile(png, 'a.png', { type: 'image/png' }),
        prompt: 'x',
        response_format: 'b64_json',
      });
      assert.ok(offline.data?.[0]?.b64_json);
      await assert.rejects(
        client().images.edit({
          model: 'claude',
          image: await toFile(png, 'a.png', { type: 'image/png' }),
          prompt: 'x',
        }),
        (e: unknown) =>
          e instanceof OpenAI.APIError &&
          e.status === 400 &&
          /no image edit endpoint/.test(e.message),
      );
      const noImage = new FormData();
      noImage.append('model', 'gpt-image');
      noImage.append('prompt', 'x');
      const refused = await fetch(`${fixture.gateway.url}/v1/images/edits`, {
        method: 'POST',
        headers: { authorization: `Bearer ${MASTER_KEY}` },
        body: noImage,
      });
      assert.equal(refused.status, 400);
      assert.match(
        ((await refused.json()) as { error: { message: string } }).error.message,
        /image/,
      );
    });

    it('draws variations of an image (dall-e-2), priced by the pixel', async () => {
      openai.reset();
      const png = Buffer.from(
        'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
        'base64',
      );
      const { data, response } = await client()
        .images.createVariation({
          model: 'dalle-2',
          image: await toFile(png, 'logo.png', { type: 'image/png' }),
          n: 3,
          size: '256x256',
        })
        .withResponse();
      assert.equal(data.data?.length, 3);
      assert.equal(openai.requests.at(-1)?.path, '/v1/images/variations');
      const expected = 3 * 256 * 256 * 2e-8;
      assert.ok(
        Math.abs(Number(response.headers.get('x-litellm-response-cost')) - expected) < 1e-12,
      );
      const offline = await client().images.createVariation({
        model: 'offline-image',
        image: await toFile(png, 'logo.png', { type: 'image/png' }),
        response_format: 'b64_json',
      });
      assert.ok(offline.data?.[0]?.b64_json);
      await assert.rejects(
        client().images.createVariation({
          model: 'azure-dalle',
          image: await toFile(png, 'logo.png', { type: 'image/png' }),
        }),
        (e: unknown) =>
          e instanceof OpenAI.APIError &&
          e.status === 400 &&
          /no image variation endpoint/.test(e.message),
      );
    });

    it("passes the provider's refusals on, and refuses bad input and providers without images", async () => {
      await assert.rejects(
        client().images.generate({ model: 'dalle', prompt: 'two please', n: 2 }),
        (e: unknown) => e instanceof OpenAI.APIError && e.status === 400 && /n=1/.test(e.message),
      );
      await assert.rejects(
        client().images.generate({ model: 'dalle', prompt: 'something forbidden' }),
        (e: unknown) =>
          e instanceof OpenAI.APIError && e.status === 400 && /safety system/.test(e.message),
      );
      await assert.rejects(
        client().images.generate({ model: 'claude', prompt: 'a cat' }),
        (e: unknown) =>
          e instanceof OpenAI.APIError &&
          e.status === 400 &&
          /no image generation endpoint/.test(e.message),
      );
      await assertRefused(`${fixture.gateway.url}/v1/images/generations`, MASTER_KEY, [
        [{ model: 'dalle' }, /prompt/],
        [{ model: 'dalle', prompt: 'x', n: 11 }, /n/],
        [{ model: 'dalle', prompt: 'x', response_format: 'gif' }, /response_format/],
      ]);
    });
  });
}

after(async () => {
  await openai.close();
  await azure.close();
});
