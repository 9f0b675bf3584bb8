/**
 * `POST /v1/audio/transcriptions` with the official openai SDK
 * (`client.audio.transcriptions.create`): the client's multipart form reaches OpenAI and Azure
 * deployments as a form with the same file and fields, the answer comes back as the provider wrote
 * it (JSON or text), each call is priced by the seconds of audio (whisper) or the tokens
 * (gpt-4o-transcribe, audio tokens at the audio price), booked as `atranscription`, and a file
 * whose length its budget cannot pay is refused before it is sent. Store-backed parts run on
 * SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import OpenAI, { toFile } from 'openai';
import { testDatabases } from './helpers/databases.js';
import { MASTER_KEY } from './helpers/gateway.js';
import { gatewayOn } from './helpers/sqlite-gateway.js';
import { startAzureSimulator } from './simulators/azure-simulator.js';
import { simulatedTranscript, startOpenAiSimulator } from './simulators/openai-simulator.js';

const openai = await startOpenAiSimulator({ apiKey: 'sk-openai-upstream' });
const azure = await startAzureSimulator({ apiKey: 'az-key', deployments: ['whisper-eu'] });

/** whisper-1: USD 0.006 a minute, LiteLLM's `input_cost_per_second` and the table's hourly price. */
const PER_SECOND = 0.0001;
/** gpt-4o-transcribe in the price table, per token: text in, audio in, text out. */
const GPT_TEXT_IN = 2.5 / 1e6;
const GPT_AUDIO_IN = 6 / 1e6;
const GPT_OUT = 10 / 1e6;

const upstream = { api_base: `${openai.url}/v1`, api_key: 'sk-openai-upstream' };

const CONFIG = {
  model_list: [
    { model_name: 'chat-mock', litellm_params: { model: 'mock/chat-mock' } },
    {
      model_name: 'whisper',
      litellm_params: { model: 'openai/whisper-1', ...upstream, input_cost_per_second: PER_SECOND },
      model_info: { mode: 'audio_transcription' },
    },
    { model_name: 'whisper-table', litellm_params: { model: 'openai/whisper-1', ...upstream } },
    {
      model_name: 'gpt-transcribe',
      litellm_params: { model: 'openai/gpt-4o-transcribe', ...upstream },
    },
    {
      model_name: 'azure-whisper',
      litellm_params: {
        model: 'azure/whisper-eu',
        api_base: azure.url,
        api_key: 'az-key',
        input_cost_per_second: PER_SECOND,
      },
    },
    { model_name: 'offline-whisper', litellm_params: { model: 'mock/any-whisper' } },
    {
      model_name: 'claude',
      litellm_params: { model: 'anthropic/claude-3-5-haiku-latest', api_key: 'sk-ant' },
    },
  ],
  general_settings: { master_key: MASTER_KEY, max_request_size_mb: 6 },
};

/** A PCM WAV file of `seconds` of a quiet tone: 8 kHz, 16-bit, mono (16,000 bytes a second). */
function wav(seconds: number): Buffer {
  const rate = 8000;
  const samples = Math.round(seconds * rate);
  const out = Buffer.alloc(44 + samples * 2);
  out.write('RIFF', 0, 'latin1');
  out.writeUInt32LE(36 + samples * 2, 4);
  out.write('WAVEfmt ', 8, 'latin1');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20);
  out.writeUInt16LE(1, 22);
  out.writeUInt32LE(rate, 24);
  out.writeUInt32LE(rate * 2, 28);
  out.writeUInt16LE(2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'latin1');
  out.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) out.writeInt16LE(Math.round(800 * Math.sin(i / 5)), 44 + i * 2);
  return out;
}

const near = (actual: number, expected: number, what = '') =>
  assert.ok(Math.abs(actual - expected) < 1e-12, `${what} ${actual} against ${expected}`);

for (const database of await testDatabases()) {
  describe(`transcriptions on ${database.name}`, { skip: database.skip }, () => {
    const fixture = gatewayOn(database, CONFIG);

    const client = (key = MASTER_KEY) =>
      new OpenAI({ apiKey: key, baseURL: `${fixture.gateway.url}/v1`, maxRetries: 0 });
    const audio = (seconds: number, name = 'meeting.wav') =>
      toFile(wav(seconds), name, { type: 'audio/wav' });

    it('sends the form on to OpenAI with the same file and fields, and bills the seconds heard', async () => {
      openai.reset();
      const file = wav(12);
      const { data, response } = await client()
        .audio.transcriptions.create({
          model: 'whisper',
          file: await toFile(file, 'standup.wav', { type: 'audio/wav' }),
          language: 'en',
          prompt: 'Tollgate, LiteLLM',
        })
        .withResponse();
      assert.equal(data.text, simulatedTranscript('standup.wav', file.length));
      assert.equal(response.headers.get('x-litellm-model-group'), 'whisper');
      near(Number(response.headers.get('x-litellm-response-cost')), 12 * PER_SECOND, 'cost');
      const sent = openai.requests.at(-1);
      assert.equal(sent?.path, '/v1/audio/transcriptions');
      assert.equal(sent?.headers.authorization, 'Bearer sk-openai-upstream');
      const form = await new Request('http://x/', {
        method: 'POST',
        headers: { 'content-type': String(sent?.headers['content-type']) },
        body: sent?.rawBytes,
      }).formData();
      assert.equal(form.get('model'), 'whisper-1');
      assert.equal(form.get('language'), 'en');
      assert.equal(form.get('prompt'), 'Tollgate, LiteLLM');
      const forwarded = form.get('file') as File;
      assert.equal(forwarded.name, 'standup.wav');
      assert.ok(
        Buffer.from(await forwarded.arrayBuffer()).equals(file),
        'the audio arrives unchanged',
      );
      await fixture.gateway.app.ledger?.flush();
      const logs = await fixture.api.get(
        `/spend/logs?request_id=${response.headers.get('x-litellm-call-id')}`,
      );
      const rows = (Array.isArray(logs.body) ? logs.body : logs.body.data) as {
        call_type: string;
        spend: number;
      }[];
      assert.equal(rows.length, 1);
      assert.equal(rows[0]?.call_type, 'atranscription');
      near(rows[0]?.spend ?? -1, 12 * PER_SECOND, 'booked');
    });

    it("prices whisper-1 from the table's hourly price, and answers text formats as text", async () => {
      const { data, response } = await client()
        .audio.transcriptions.create({
          model: 'whisper-table',
          file: await audio(30),
          response_format: 'text',
        })
        .withResponse();
      assert.equal(typeof data, 'string');
      assert.match(String(data), /^Transcript of meeting\.wav/);
      assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
      // A text answer reports no seconds: the file's own length is billed.
      near(Number(response.headers.get('x-litellm-response-cost')), 30 * (0.36 / 3600), 'cost');
      const srt = await client().audio.transcriptions.create({
        model: 'whisper',
        file: await audio(2),
        response_format: 'srt',
      });
      assert.match(String(srt), /^1\n00:00:00,000 --> /);
      const verbose = await client().audio.transcriptions.create({
        model: 'whisper',
        file: await audio(7.5),
        response_format: 'verbose_json',
      });
      assert.equal(verbose.duration, 7.5);
    });

    it('prices gpt-4o-transcribe by its tokens, audio tokens at the audio price', async () => {
      const { data, response } = await client()
        .audio.transcriptions.create({
          model: 'gpt-transcribe',
          file: await audio(60),
          prompt: 'hi',
        })
        .withResponse();
      const usage = (
        data as unknown as {
          usage: {
            output_tokens: number;
            input_token_details: { text_tokens: number; audio_tokens: number };
          };
        }
      ).usage;
      assert.equal(usage.input_token_details.audio_tokens, 1000);
      const expected =
        usage.input_token_details.text_tokens * GPT_TEXT_IN +
        usage.input_token_details.audio_tokens * GPT_AUDIO_IN +
        usage.output_tokens * GPT_OUT;
      near(Number(response.headers.get('x-litellm-response-cost')), expected, 'cost');
      await assert.rejects(
        client().audio.transcriptions.create({
          model: 'gpt-transcribe',
          file: await audio(1),
          response_format: 'srt',
        }),
        (e: unknown) =>
          e instanceof OpenAI.APIError && e.status === 400 && /not compatible/.test(e.message),
      );
    });

    it('checks what it sends: a field given twice keeps its first value, stream never goes out, and a text answer of a token-priced model is billed', async () => {
      openai.reset();
      const form = new FormData();
      form.append('model', 'gpt-transcribe');
      form.append('stream', 'false');
      form.append('response_format', 'text');
      form.append('response_format', 'srt');
      form.append('file', new Blob([wav(6)], { type: 'audio/wav' }), 'a.wav');
      const response = await fetch(`${fixture.gateway.url}/v1/audio/transcriptions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${MASTER_KEY}` },
        body: form,
      });
      assert.equal(response.status, 200, await response.clone().text());
      const sent = await new Request('http://x/', {
        method: 'POST',
        headers: { 'content-type': String(openai.requests.at(-1)?.headers['content-type']) },
        body: openai.requests.at(-1)?.rawBytes,
      }).formData();
      assert.deepEqual(sent.getAll('response_format'), ['text']);
      assert.equal(sent.get('stream'), null);
      // No usage in a text answer: ~1,000 audio tokens a minute and the transcript, estimated.
      const cost = Number(response.headers.get('x-litellm-response-cost'));
      assert.ok(cost >= 100 * GPT_AUDIO_IN, `${cost}`);
      const sneaky = new FormData();
      sneaky.append('model', 'gpt-transcribe');
      sneaky.append('stream', 'false');
      sneaky.append('stream', 'true');
      sneaky.append('file', new Blob([wav(1)], { type: 'audio/wav' }), 'a.wav');
      // The second value is never read nor sent: the provider answers whole, and is billed.
      const served = await fetch(`${fixture.gateway.url}/v1/audio/transcriptions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${MASTER_KEY}` },
        body: sneaky,
      });
      assert.equal(served.status, 200);
      assert.equal(String(openai.requests.at(-1)?.rawBytes).includes('name="stream"'), false);
      assert.ok(Number(served.headers.get('x-litellm-response-cost')) > 0);
    });

    it("transcribes through an Azure deployment's URL with its api-key", async () => {
      azure.reset();
      const { data, response } = await client()
        .audio.transcriptions.create({ model: 'azure-whisper', file: await audio(5, 'call.wav') })
        .withResponse();
      assert.match(data.text, /^Transcript of call\.wav/);
      near(Number(response.headers.get('x-litellm-response-cost')), 5 * PER_SECOND, 'cost');
      const sent = azure.requests.at(-1);
      assert.equal(sent?.path, '/openai/deployments/whisper-eu/audio/transcriptions');
      assert.equal(sent?.headers['api-key'], 'az-key');
      assert.match(String(sent?.headers['content-type']), /^multipart\/form-data; boundary=/);
    });

    it('checks transcription deployments in /health by sending a second of silence', async () => {
      openai.reset();
      const health = await fixture.api.get('/health?model=whisper');
      assert.equal(health.body.healthy_count, 1, JSON.stringify(health.body));
      assert.equal(openai.requests.at(-1)?.path, '/v1/audio/transcriptions');
    });

    it('translates into English through OpenAI and Azure, booked as atranslation', async () => {
      openai.reset();
      const { data, response } = await client()
        .audio.translations.create({ model: 'whisper', file: await audio(20, 'interview.wav') })
        .withResponse();
      assert.match(data.text, /^In English: Transcript of interview\.wav/);
      assert.equal(openai.requests.at(-1)?.path, '/v1/audio/translations');
      // A translation reports no seconds: the file's own length is billed.
      near(Number(response.headers.get('x-litellm-response-cost')), 20 * PER_SECOND, 'cost');
      await fixture.gateway.app.ledger?.flush();
      const logs = await fixture.api.get(
        `/spend/logs?request_id=${response.headers.get('x-litellm-call-id')}`,
      );
      const rows = (Array.isArray(logs.body) ? logs.body : logs.body.data) as {
        call_type: string;
      }[];
      assert.equal(rows[0]?.call_type, 'atranslation');
      azure.reset();
      const viaAzure = await client().audio.translations.create({
        model: 'azure-whisper',
        file: await audio(1),
        response_format: 'text',
      });
      assert.match(String(viaAzure), /^In English:/);
      assert.equal(
        azure.requests.at(-1)?.path,
        '/openai/deployments/whisper-eu/audio/translations',
      );
      await assert.rejects(
        client().audio.translations.create({ model: 'gpt-transcribe', file: await audio(1) }),
        (e: unknown) =>
          e instanceof OpenAI.APIError && e.status === 400 && /whisper-1/.test(e.message),
      );
      await assert.rejects(
        client().audio.translations.create({ model: 'claude', file: await audio(1) }),
        (e: unknown) =>
          e instanceof OpenAI.APIError &&
          e.status === 400 &&
          /no translation endpoint/.test(e.message),
      );
    });

    it("passes the provider's rate limit on in the error shape, and books nothing for it", async () => {
      await fixture.gateway.app.ledger?.flush();
      const before = await fixture.api.get('/global/spend');
      openai.fail({ kind: 'status', status: 429, headers: { 'retry-after': '7' } });
      await assert.rejects(
        client().audio.transcriptions.create({ model: 'whisper', file: await audio(3) }),
        (e: unknown) => e instanceof OpenAI.APIError && e.status === 429,
      );
      await fixture.gateway.app.ledger?.flush();
      const after = await fixture.api.get('/global/spend');
      // The total is a sum of doubles, which PostgreSQL may add in another order once the log
      // holds one more (zero-cost) row: equal to the last bits that order can change.
      assert.equal(after.body.max_budget, before.body.max_budget);
      assert.ok(
        Math.abs(after.body.spend - before.body.spend) < 1e-12,
        `${before.body.spend} → ${after.body.spend}`,
      );
    });

    it('answers offline from the built-in mock', async () => {
      const data = await client().audio.transcriptions.create({
        model: 'offline-whisper',
        file: await audio(1),
      });
      assert.equal(data.text, 'This is a mock transcription.');
    });

    it("refuses a recording its key's budget cannot pay before sending it, and books what was heard", async () => {
      const made = await fixture.api.post('/key/generate', {
        models: ['whisper'],
        max_budget: 0.02,
      });
      const key = made.body.key as string;
      openai.reset();
      await assert.rejects(
        client(key).audio.transcriptions.create({ model: 'whisper', file: await audio(300) }),
        (e: unknown) =>
          e instanceof OpenAI.APIError &&
          e.status === 429 &&
          /Budget has been exceeded/.test(e.message),
      );
      assert.equal(openai.requests.length, 0, 'the five minutes were never sent');
      let served = 0;
      for (let i = 0; i < 5; i++) {
        const ok = await client(key)
          .audio.transcriptions.create({ model: 'whisper', file: await audio(60) })
          .then(
            () => true,
            () => false,
          );
        if (!ok) break;
        served++;
      }
      assert.equal(served, 3, 'three minutes fit in 0.02, a fourth does not');
      await fixture.gateway.app.ledger?.flush();
      const info = await fixture.api.get(`/key/info?key=${key}`);
      near(info.body.info.spend, 3 * 60 * PER_SECOND, 'spend');
    });

    it('refuses forms it cannot send, files over the size limit, and providers without transcriptions', async () => {
      const post = (body: FormData | string, headers: Record<string, string> = {}) =>
        fetch(`${fixture.gateway.url}/v1/audio/transcriptions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${MASTER_KEY}`, ...headers },
          body,
        });
      const message = async (response: Response) =>
        ((await response.json()) as { error: { message: string } }).error.message;
      const json = await post(JSON.stringify({ model: 'whisper' }), {
        'content-type': 'application/json',
      });
      assert.equal(json.status, 400);
      assert.match(await message(json), /multipart\/form-data/);
      /** A form of `fields`, with a second of audio unless `file` is null. */
      const form = (fields: Record<string, string>, file: Buffer | null = wav(1)) => {
        const out = new FormData();
        for (const [name, value] of Object.entries(fields)) out.append(name, value);
        if (file) out.append('file', new Blob([file], { type: 'audio/wav' }), 'a.wav');
        return out;
      };
      for (const [sent, status, said] of [
        [form({ model: 'whisper' }, null), 400, /file/],
        [form({}), 400, /model/],
        [form({ model: 'whisper', response_format: 'mp4' }), 400, /response_format/],
        [form({ model: 'gpt-transcribe', stream: 'true' }), 400, /stream=true is not supported/],
        [form({ model: 'whisper' }, Buffer.alloc(7 * 1024 * 1024)), 413, /max_request_size_mb/],
      ] as const) {
        const refused = await post(sent);
        assert.equal(refused.status, status, String(said));
        assert.match(await message(refused), said);
      }
      await assert.rejects(
        client().audio.transcriptions.create({ model: 'claude', file: await audio(1) }),
        (e: unknown) =>
          e instanceof OpenAI.APIError &&
          e.status === 400 &&
          /no transcription endpoint/.test(e.message),
      );
      const made = await fixture.api.post('/key/generate', { models: ['chat-mock'] });
      await assert.rejects(
        client(made.body.key as string).audio.transcriptions.create({
          model: 'whisper',
          file: await audio(1),
        }),
        (e: unknown) => e instanceof OpenAI.APIError && e.status === 401,
      );
    });
  });
}

after(async () => {
  await openai.close();
  await azure.close();
});
