/**
 * `POST /v1/audio/speech` with the official openai SDK (`client.audio.speech.create`): OpenAI and
 * Azure deployments speak, the audio reaches the client byte for byte in the format asked for,
 * each call is priced by the characters it reads out (and its text tokens), booked as `aspeech`,
 * and never lets a key spend past its budget. Store-backed parts run on SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import OpenAI from 'openai';
import { testDatabases } from './helpers/databases.js';
import { MASTER_KEY } from './helpers/gateway.js';
import { assertRefused } from './helpers/refusals.js';
import { gatewayOn } from './helpers/sqlite-gateway.js';
import { startAzureSimulator } from './simulators/azure-simulator.js';
import { simulatedSpeech, startOpenAiSimulator } from './simulators/openai-simulator.js';

const openai = await startOpenAiSimulator({ apiKey: 'sk-openai-upstream' });
const azure = await startAzureSimulator({ apiKey: 'az-key', deployments: ['tts-eu'] });

/** tts-1's price: USD 15 per million characters. */
const PER_CHARACTER = 15 / 1e6;

const CONFIG = {
  model_list: [
    { model_name: 'chat-mock', litellm_params: { model: 'mock/chat-mock' } },
    {
      model_name: 'tts',
      litellm_params: {
        model: 'openai/tts-1',
        api_base: `${openai.url}/v1`,
        api_key: 'sk-openai-upstream',
        input_cost_per_character: PER_CHARACTER,
      },
      model_info: { mode: 'audio_speech' },
    },
    {
      model_name: 'mini-tts',
      litellm_params: {
        model: 'openai/gpt-4o-mini-tts',
        api_base: `${openai.url}/v1`,
        api_key: 'sk-openai-upstream',
      },
    },
    {
      model_name: 'azure-tts',
      litellm_params: {
        model: 'azure/tts-eu',
        api_base: azure.url,
        api_key: 'az-key',
        input_cost_per_character: PER_CHARACTER,
      },
    },
    { model_name: 'offline-tts', litellm_params: { model: 'mock/any-tts' } },
    {
      model_name: 'groq-chat',
      litellm_params: { model: 'groq/llama-3.1-8b-instant', api_key: 'gsk-x' },
    },
  ],
  general_settings: { master_key: MASTER_KEY },
};

for (const database of await testDatabases()) {
  describe(`speech on ${database.name}`, { skip: database.skip }, () => {
    const fixture = gatewayOn(database, CONFIG);

    const client = (key = MASTER_KEY) =>
      new OpenAI({ apiKey: key, baseURL: `${fixture.gateway.url}/v1`, maxRetries: 0 });

    it('speaks through an OpenAI deployment: the audio byte for byte, priced by its characters', async () => {
      openai.reset();
      const input = 'The build is green. Ship it.';
      const response = await client().audio.speech.create({ model: 'tts', voice: 'alloy', input });
      assert.equal(response.headers.get('content-type'), 'audio/mpeg');
      assert.equal(response.headers.get('x-litellm-model-group'), 'tts');
      const audio = Buffer.from(await response.arrayBuffer());
      assert.ok(audio.equals(simulatedSpeech(input)), 'the audio arrives unchanged');
      const cost = Number(response.headers.get('x-litellm-response-cost'));
      assert.ok(Math.abs(cost - input.length * PER_CHARACTER) < 1e-12, `${cost}`);
      const sent = openai.requests.at(-1);
      assert.equal(sent?.path, '/v1/audio/speech');
      assert.equal(sent?.headers.authorization, 'Bearer sk-openai-upstream');
      assert.deepEqual(sent?.body, { model: 'tts-1', voice: 'alloy', input });
      await fixture.gateway.app.ledger?.flush();
      const logs = await fixture.api.get(
        `/spend/logs?request_id=${response.headers.get('x-litellm-call-id')}`,
      );
      const rows = (Array.isArray(logs.body) ? logs.body : logs.body.data) as {
        call_type: string;
        spend: number;
        prompt_tokens: number;
      }[];
      assert.equal(rows.length, 1);
      assert.equal(rows[0]?.call_type, 'aspeech');
      assert.ok(Math.abs((rows[0]?.spend ?? 0) - cost) < 1e-12);
      assert.ok((rows[0]?.prompt_tokens ?? 0) > 0, 'the text is counted in tokens too');
    });

    it('counts characters, not UTF-16 units, and answers in the format asked for', async () => {
      const input = 'Grüße 👋🏽';
      const response = await client().audio.speech.create({
        model: 'tts',
        voice: 'nova',
        input,
        response_format: 'wav',
      });
      assert.equal(response.headers.get('content-type'), 'audio/wav');
      const cost = Number(response.headers.get('x-litellm-response-cost'));
      assert.ok(Math.abs(cost - [...input].length * PER_CHARACTER) < 1e-12, `${cost}`);
      assert.ok(Buffer.from(await response.arrayBuffer()).equals(simulatedSpeech(input)));
    });

    it("speaks through an Azure deployment's speech URL with its api-key", async () => {
      azure.reset();
      const response = await client().audio.speech.create({
        model: 'azure-tts',
        voice: 'alloy',
        input: 'hello from Azure',
      });
      assert.ok(
        Buffer.from(await response.arrayBuffer()).equals(simulatedSpeech('hello from Azure')),
      );
      const sent = azure.requests.at(-1);
      assert.equal(sent?.path, '/openai/deployments/tts-eu/audio/speech');
      assert.equal(sent?.headers['api-key'], 'az-key');
      const direct = await fetch(
        `${fixture.gateway.url}/openai/deployments/azure-tts/audio/speech`,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({ input: 'hi', voice: 'alloy' }),
        },
      );
      assert.equal(direct.status, 200);
      assert.ok(Buffer.from(await direct.arrayBuffer()).equals(simulatedSpeech('hi')));
    });

    it('bills a token-priced speech model for its audio too, estimated from the characters', async () => {
      const input = 'y'.repeat(400);
      const response =
        (await fixture.gateway.app) &&
        (await client().audio.speech.create({ model: 'mini-tts', voice: 'alloy', input }));
      const cost = Number(response.headers.get('x-litellm-response-cost'));
      // gpt-4o-mini-tts: 12 per million audio tokens, ~1.5 a character, besides the text tokens.
      const audio = Math.ceil(400 * 1.5) * (12 / 1e6);
      assert.ok(cost >= audio && cost < audio * 1.2, `${cost} against ${audio}`);
    });

    it("answers a provider's failure before the audio in the error shape, and cuts the audio when the provider drops it", async () => {
      openai.fail({ kind: 'status', status: 500 });
      await assert.rejects(
        client().audio.speech.create({ model: 'tts', voice: 'alloy', input: 'fails' }),
        (e: unknown) =>
          e instanceof OpenAI.APIError && e.status === 500 && typeof e.message === 'string',
      );
      openai.fail({ kind: 'reset' });
      const cut = await client().audio.speech.create({
        model: 'tts',
        voice: 'alloy',
        input: 'cut',
      });
      await assert.rejects(cut.arrayBuffer(), 'a truncated body, never a whole file');
      // The gateway keeps serving, and books the cut call once: the provider billed its input.
      await fixture.gateway.app.ledger?.flush();
      const logs = await fixture.api.get(
        `/spend/logs?request_id=${cut.headers.get('x-litellm-call-id')}`,
      );
      const rows = (Array.isArray(logs.body) ? logs.body : logs.body.data) as unknown[];
      assert.equal(rows.length, 1);
      const again = await client().audio.speech.create({
        model: 'tts',
        voice: 'alloy',
        input: 'ok',
      });
      assert.ok((await again.arrayBuffer()).byteLength > 0);
    });

    it('answers offline from the built-in mock with a WAV file', async () => {
      const response = await client().audio.speech.create({
        model: 'offline-tts',
        voice: 'alloy',
        input: 'offline',
        response_format: 'wav',
      });
      const wav = Buffer.from(await response.arrayBuffer());
      assert.equal(wav.subarray(0, 4).toString('latin1'), 'RIFF');
      assert.equal(wav.subarray(8, 12).toString('latin1'), 'WAVE');
      assert.equal(wav.readUInt32LE(4), wav.length - 8);
    });

    it("never lets a key's speech cost more than its budget", async () => {
      const text = 'x'.repeat(1000); // 0.015 a call
      const made = await fixture.api.post('/key/generate', { models: ['tts'], max_budget: 0.04 });
      const key = made.body.key as string;
      let served = 0;
      for (let i = 0; i < 5; i++) {
        const ok = await client(key)
          .audio.speech.create({ model: 'tts', voice: 'alloy', input: text })
          .then(
            async (r) => (await r.arrayBuffer()).byteLength > 0,
            (e: unknown) => {
              assert.ok(e instanceof OpenAI.APIError && e.status === 429, String(e));
              assert.match(e.message, /Budget has been exceeded/);
              return false;
            },
          );
        if (!ok) break;
        served++;
      }
      assert.equal(served, 2);
      await fixture.gateway.app.ledger?.flush();
      const info = await fixture.api.get(`/key/info?key=${key}`);
      assert.ok(Math.abs(info.body.info.spend - 2 * 1000 * PER_CHARACTER) < 1e-9);
    });

    it('checks speech deployments in /health by speaking, and shows the price in /model/info', async () => {
      openai.reset();
      const health = await fixture.api.get('/health?model=tts');
      assert.equal(health.body.healthy_count, 1, JSON.stringify(health.body));
      assert.equal(openai.requests.at(-1)?.path, '/v1/audio/speech');
      const info = await fixture.api.get('/model/info');
      const tts = (
        info.body.data as { model_name: string; model_info: Record<string, unknown> }[]
      ).find((m) => m.model_name === 'tts');
      assert.equal(tts?.model_info.input_cost_per_character, PER_CHARACTER);
    });

    it('refuses bad input, models the key may not use, and providers without speech', async () => {
      const made = await fixture.api.post('/key/generate', { models: ['chat-mock'] });
      await assert.rejects(
        client(made.body.key as string).audio.speech.create({
          model: 'tts',
          voice: 'alloy',
          input: 'x',
        }),
        (e: unknown) => e instanceof OpenAI.APIError && e.status === 401,
      );
      await assert.rejects(
        client().audio.speech.create({ model: 'groq-chat', voice: 'alloy', input: 'x' }),
        (e: unknown) =>
          e instanceof OpenAI.APIError && e.status === 400 && /no speech endpoint/.test(e.message),
      );
      await assertRefused(`${fixture.gateway.url}/v1/audio/speech`, MASTER_KEY, [
        [{ model: 'tts', voice: 'alloy' }, /input/],
        [{ model: 'tts', input: 'x' }, /voice/],
        [{ model: 'tts', input: 'x', voice: 'alloy', response_format: 'ogg' }, /response_format/],
        [{ model: 'tts', input: 'x', voice: 'alloy', speed: 9 }, /speed/],
      ]);
    });
  });
}

after(async () => {
  await openai.close();
  await azure.close();
});
