/**
 * LiteLLM's Presidio guardrail (`guardrail: presidio`) through a real gateway, with the official
 * OpenAI SDK as the client, an OpenAI simulator upstream that echoes what it was sent, and a
 * Presidio simulator speaking Presidio's analyzer and anonymizer wire format: entities masked or
 * blocked, thresholds, answers masked, Presidio down (refused, or let through with fail_open).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { ConfigError } from '../src/config/config-error.js';
import { buildConfig } from '../src/config/load-config.js';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { echoingModel, refusal } from './helpers/guardrail-calls.js';
import { freePort } from './helpers/free-port.js';
import type { Simulator } from './simulators/simulator-server.js';
import { startOpenAiSimulator } from './simulators/openai-simulator.js';
import { startPresidioSimulator } from './simulators/presidio-simulator.js';

describe('the Presidio guardrail', () => {
  let upstream: Simulator;
  let presidio: Simulator;
  let gateway: TestGateway;
  let api: AdminClient;
  let openai: OpenAI;
  let dir: string;

  before(async () => {
    upstream = await startOpenAiSimulator({ apiKey: 'sk-upstream' });
    presidio = await startPresidioSimulator();
    const nowhere = `127.0.0.1:${await freePort()}`;
    dir = mkdtempSync(join(tmpdir(), 'tollgate-presidio-'));
    const recognizers = join(dir, 'recognizers.json');
    writeFileSync(
      recognizers,
      JSON.stringify([
        {
          name: 'employee ids',
          supported_language: 'en',
          supported_entity: 'EMPLOYEE_ID',
          patterns: [{ name: 'id', regex: 'E-\\d{5}', score: 0.9 }],
        },
      ]),
    );
    const presidioAt = {
      presidio_analyzer_api_base: presidio.url,
      presidio_anonymizer_api_base: presidio.url,
    };
    gateway = await startGateway(
      {
        model_list: [echoingModel(upstream)],
        guardrails: [
          // Before the default_on one, whose placeholders it would otherwise find in its place.
          {
            guardrail_name: 'pii-reversible',
            litellm_params: {
              guardrail: 'presidio',
              ...presidioAt,
              pii_entities_config: { PERSON: 'MASK', PHONE_NUMBER: 'MASK' },
              output_parse_pii: true,
            },
          },
          {
            guardrail_name: 'pii',
            litellm_params: {
              guardrail: 'presidio',
              mode: 'pre_call',
              default_on: true,
              ...presidioAt,
              pii_entities_config: {
                PERSON: 'MASK',
                PHONE_NUMBER: 'MASK',
                US_SSN: 'BLOCK',
                LOCATION: 'MASK',
              },
              presidio_score_thresholds: { LOCATION: 0.5 },
            },
          },
          // Where Presidio is comes from PRESIDIO_ANALYZER_API_BASE and ..._ANONYMIZER_...
          {
            guardrail_name: 'pii-answers',
            litellm_params: { guardrail: 'presidio', mode: 'post_call' },
          },
          {
            guardrail_name: 'employees',
            litellm_params: {
              guardrail: 'presidio',
              ...presidioAt,
              pii_entities_config: { EMPLOYEE_ID: 'MASK' },
              presidio_ad_hoc_recognizers: recognizers,
            },
          },
          {
            guardrail_name: 'pii-closed',
            litellm_params: {
              guardrail: 'presidio',
              presidio_analyzer_api_base: nowhere,
              presidio_anonymizer_api_base: nowhere,
            },
          },
          {
            guardrail_name: 'pii-open',
            litellm_params: {
              guardrail: 'presidio',
              presidio_analyzer_api_base: nowhere,
              presidio_anonymizer_api_base: nowhere,
              unreachable_fallback: 'fail_open',
            },
          },
        ],
        general_settings: { master_key: MASTER_KEY },
      },
      {
        env: {
          PRESIDIO_ANALYZER_API_BASE: presidio.url,
          PRESIDIO_ANONYMIZER_API_BASE: presidio.url.replace('http://', ''),
        },
      },
    );
    api = adminClient(gateway.url, MASTER_KEY);
    openai = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  });
  after(async () => {
    await gateway?.close();
    await upstream?.close();
    await presidio?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const chat = (content: string, extra: Record<string, unknown> = {}) =>
    openai.chat.completions
      .create({
        model: 'gpt',
        messages: [{ role: 'user', content }],
        ...extra,
      } as OpenAI.ChatCompletionCreateParamsNonStreaming)
      .withResponse();
  const sent = () =>
    (upstream.requests.at(-1)!.body as { messages: { content: string }[] }).messages.at(-1)!
      .content;

  it('masks what Presidio finds with its placeholders, asking only for the configured entities', async () => {
    presidio.reset();
    const { response } = await chat('Call Jane Doe at 212-555-0199 in Paris');
    assert.equal(
      sent(),
      'Call <PERSON> at <PHONE_NUMBER> in Paris',
      'LOCATION is under its threshold',
    );
    assert.equal(response.headers.get('x-litellm-applied-guardrails'), 'pii');
    const [analyze, anonymize] = presidio.requests;
    assert.equal(analyze!.path, '/analyze');
    assert.deepEqual(analyze!.body, {
      text: 'Call Jane Doe at 212-555-0199 in Paris',
      language: 'en',
      entities: ['PERSON', 'PHONE_NUMBER', 'US_SSN', 'LOCATION'],
    });
    assert.equal(anonymize!.path, '/anonymize');
    assert.deepEqual(
      (anonymize!.body as { analyzer_results: { entity_type: string }[] }).analyzer_results.map(
        (r) => r.entity_type,
      ),
      ['PERSON', 'PHONE_NUMBER'],
    );
  });

  it('refuses an entity configured as BLOCK, before the provider is called', async () => {
    const before = upstream.requests.length;
    const error = await refusal(chat('my ssn is 123-45-6789'));
    assert.equal(error.status, 400);
    assert.deepEqual(error.error, {
      message:
        'Blocked entity detected: US_SSN by Guardrail: pii. This entity is not allowed to be used in this request.',
      type: 'invalid_request_error',
      param: null,
      code: '400',
      provider_specific_fields: {
        error:
          'Blocked entity detected: US_SSN by Guardrail: pii. This entity is not allowed to be used in this request.',
        entity_type: 'US_SSN',
        guardrail_name: 'pii',
        guardrail_mode: 'pre_call',
      },
    });
    assert.equal(upstream.requests.length, before);
  });

  it('masks answers (post_call); a streamed call that would need it is refused', async () => {
    presidio.reset();
    const { data } = await chat('write to ann@example.org', { guardrails: ['pii-answers'] });
    assert.equal(sent(), 'write to ann@example.org', 'pii does not ask for e-mail addresses');
    assert.equal(
      data.choices[0]!.message.content,
      'Hello from the simulator! You said: write to <EMAIL_ADDRESS>',
    );
    assert.ok(
      presidio.requests.every((r) => (r.body as { text?: string }).text !== ''),
      'empty texts are not sent to Presidio',
    );
    const before = upstream.requests.length;
    const error = await refusal(
      openai.chat.completions.create({
        model: 'gpt',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
        guardrails: ['pii-answers'],
      } as OpenAI.ChatCompletionCreateParamsStreaming),
    );
    assert.equal(error.status, 400);
    assert.match(
      error.message,
      /Guardrail 'pii-answers' checks answers \(post_call\), which Tollgate does not do on streamed answers/,
    );
    assert.equal(upstream.requests.length, before);
  });

  it('output_parse_pii: numbered placeholders go out, the answer gets the originals back, streamed too', async () => {
    const text = 'Call Jane Doe at 212-555-0199, then John Smith';
    const { data, response } = await openai.chat.completions
      .create({
        model: 'gpt',
        messages: [
          { role: 'system', content: 'You assist Jane Doe.' },
          { role: 'user', content: text },
        ],
        guardrails: ['pii-reversible'],
      } as OpenAI.ChatCompletionCreateParamsNonStreaming)
      .withResponse();
    const upstreamMessages = (upstream.requests.at(-1)!.body as { messages: { content: string }[] })
      .messages;
    assert.deepEqual(
      upstreamMessages.map((m) => m.content),
      ['You assist <PERSON_1>.', 'Call <PERSON_2> at <PHONE_NUMBER_3>, then <PERSON_4>'],
      'numbered across the call, in message order',
    );
    assert.equal(data.choices[0]!.message.content, `Hello from the simulator! You said: ${text}`);
    assert.equal(response.headers.get('x-litellm-applied-guardrails'), 'pii-reversible,pii');

    const long = `${'a few words '.repeat(6)}for Jane Doe at 212-555-0199`;
    const stream = await openai.chat.completions.create({
      model: 'gpt',
      messages: [{ role: 'user', content: long }],
      stream: true,
      guardrails: ['pii-reversible'],
    } as OpenAI.ChatCompletionCreateParamsStreaming);
    let streamed = '';
    for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? '';
    assert.equal(streamed, `Hello from the simulator! You said: ${long}`);
  });

  it('sends the ad-hoc recognizers of its file; /guardrails/apply_guardrail runs it on a text', async () => {
    const applied = await api.post('/guardrails/apply_guardrail', {
      guardrail_name: 'employees',
      text: 'badge E-12345 of Jane Doe',
    });
    assert.equal(applied.status, 200);
    assert.deepEqual(applied.body, { response_text: 'badge <EMPLOYEE_ID> of Jane Doe' });
    const analyze = presidio.requests.at(-2)!.body as Record<string, unknown>;
    assert.equal(
      (analyze.ad_hoc_recognizers as { supported_entity: string }[])[0]!.supported_entity,
      'EMPLOYEE_ID',
    );
  });

  it('Presidio down or failing refuses the call; fail_open lets it through as it is', async () => {
    const before = upstream.requests.length;
    const down = await refusal(chat('hello', { guardrails: ['pii-closed'] }));
    assert.equal(down.status, 500);
    assert.match(
      down.message,
      /Guardrail 'pii-closed' could not check the text, so the call was not sent: Presidio analyzer at http:\/\/127\.0\.0\.1:\d+\/analyze is not reachable/,
    );
    presidio.fail({ kind: 'status', status: 500, message: 'No matching recognizers' });
    const failing = await refusal(chat('hello'));
    assert.equal(failing.status, 500);
    assert.match(
      failing.message,
      /HTTP 500 from Presidio analyzer: \{"error": ?"No matching recognizers"\}/,
    );
    assert.equal(upstream.requests.length, before, 'nothing was sent unchecked');

    const { data } = await chat('hello Jane Doe', { guardrails: ['pii-open'] });
    assert.equal(sent(), 'hello <PERSON>', 'the default_on guardrail still ran');
    assert.ok(data.choices[0]!.message.content);
  });
});

describe('Presidio guardrail config', () => {
  it('needs where Presidio is, from the entry or the environment', () => {
    const entry = (params: Record<string, unknown> = {}) => ({
      model_list: [],
      guardrails: [{ guardrail_name: 'p', litellm_params: { guardrail: 'presidio', ...params } }],
    });
    assert.throws(
      () => buildConfig(entry(), {}),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(
          error.message,
          /guardrails\[0\]\.litellm_params\.presidio_analyzer_api_base: required \(or set PRESIDIO_ANALYZER_API_BASE\)/,
        );
        assert.match(
          error.message,
          /presidio_anonymizer_api_base: required \(or set PRESIDIO_ANONYMIZER_API_BASE\)/,
        );
        return true;
      },
    );
    assert.throws(
      () =>
        buildConfig(entry({ presidio_ad_hoc_recognizers: '/nonexistent/recognizers.json' }), {
          PRESIDIO_ANALYZER_API_BASE: 'a:1',
          PRESIDIO_ANONYMIZER_API_BASE: 'b:2',
        }),
      /presidio_ad_hoc_recognizers: cannot read \/nonexistent\/recognizers\.json as JSON/,
    );
    assert.throws(
      () => buildConfig(entry({ pii_entities_config: { PERSON: 'HIDE' } }), {}),
      /guardrails\[0\]\.litellm_params\.pii_entities_config\.PERSON: must be BLOCK or MASK/,
    );
    const config = buildConfig(entry(), {
      PRESIDIO_ANALYZER_API_BASE: 'a:1',
      PRESIDIO_ANONYMIZER_API_BASE: 'b:2',
    });
    assert.deepEqual(config.warnings, []);
  });
});
