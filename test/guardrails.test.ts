/**
 * Guardrails from a LiteLLM config (`guardrails:` with `litellm_content_filter`) through a real
 * gateway on SQLite, with the official OpenAI and Anthropic SDKs as clients and an OpenAI
 * simulator upstream that echoes what it was sent: what the provider receives is masked, what is
 * blocked never reaches it, answers are masked or refused (and still booked), streams included;
 * keys and teams carry guardrails only admins can turn off; the guardrail routes; config errors.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { ConfigError } from '../src/config/config-error.js';
import { buildConfig, loadConfigFile } from '../src/config/load-config.js';
import type { FilterResult } from '../src/guardrails/content-filter.js';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { eventually } from './helpers/cluster.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { INPUT_PRICE, OUTPUT_PRICE } from './helpers/priced-models.js';
import type { Simulator } from './simulators/simulator-server.js';
import { startOpenAiSimulator } from './simulators/openai-simulator.js';

const CONTENT_FILTER = 'litellm_content_filter';

function config(upstream: string) {
  const params = { api_base: upstream, api_key: 'sk-upstream' };
  return {
    model_list: [
      {
        model_name: 'gpt',
        litellm_params: {
          model: 'openai/gpt-4o-mini',
          ...params,
          input_cost_per_token: INPUT_PRICE,
          output_cost_per_token: OUTPUT_PRICE,
        },
      },
      {
        model_name: 'embed',
        litellm_params: { model: 'openai/text-embedding-3-small', ...params },
      },
    ],
    guardrails: [
      {
        guardrail_name: 'pii',
        litellm_params: {
          guardrail: CONTENT_FILTER,
          mode: 'pre_call',
          default_on: true,
          patterns: [
            { pattern_type: 'prebuilt', pattern_name: 'email', action: 'MASK' },
            { pattern_type: 'prebuilt', pattern_name: 'us_ssn', action: 'BLOCK' },
          ],
        },
      },
      {
        guardrail_name: 'answers',
        litellm_params: {
          guardrail: CONTENT_FILTER,
          mode: 'post_call',
          patterns: [
            {
              pattern_type: 'regex',
              name: 'ticket',
              pattern: 'TICKET-(?P<n>\\d+)',
              action: 'MASK',
            },
          ],
          blocked_words: [{ keyword: 'launch code', action: 'BLOCK', description: 'classified' }],
        },
      },
      {
        guardrail_name: 'vendor',
        litellm_params: { guardrail: 'lakera_v2', api_key: 'lakera-secret-key-123' },
      },
    ],
    general_settings: { master_key: MASTER_KEY },
  };
}

/** The text of the user message the upstream received last. */
function lastSent(upstream: Simulator): string {
  const body = upstream.requests.at(-1)?.body as { messages: { content: string }[] };
  return body.messages.at(-1)!.content;
}

const [sqlite] = await testDatabases();

describe('guardrails', () => {
  let opened: OpenedTestStore;
  let upstream: Simulator;
  let gateway: TestGateway;
  let api: AdminClient;
  let openai: OpenAI;

  before(async () => {
    opened = await sqlite!.open();
    upstream = await startOpenAiSimulator({ apiKey: 'sk-upstream' });
    gateway = await startGateway(config(`${upstream.url}/v1`), { store: opened.store });
    api = adminClient(gateway.url, MASTER_KEY);
    openai = client(MASTER_KEY);
  });
  after(async () => {
    await gateway?.close();
    await upstream?.close();
    await opened?.close();
  });

  const client = (key: string, on = gateway) =>
    new OpenAI({ apiKey: key, baseURL: `${on.url}/v1`, maxRetries: 0 });

  /** A chat call with extra body fields (`guardrails`), as LiteLLM users send them. */
  const chat = (text: string, extra: Record<string, unknown> = {}, through = openai) =>
    through.chat.completions
      .create({
        model: 'gpt',
        messages: [{ role: 'user', content: text }],
        ...extra,
      } as OpenAI.ChatCompletionCreateParamsNonStreaming)
      .withResponse();

  it('a default_on guardrail masks what the call sends and names itself in the answer', async () => {
    const { data, response } = await chat('write to jane.doe@example.com today');
    assert.equal(lastSent(upstream), 'write to [EMAIL_REDACTED] today');
    assert.equal(
      data.choices[0]!.message.content,
      'Hello from the simulator! You said: write to [EMAIL_REDACTED] today',
    );
    assert.equal(response.headers.get('x-litellm-applied-guardrails'), 'pii');
  });

  it("refuses what a BLOCK entry finds with LiteLLM's 400, before the provider is called", async () => {
    const before = upstream.requests.length;
    const error = await chat('my ssn is 123-45-6789').then(
      () => assert.fail('not refused'),
      (e: unknown) => e as InstanceType<typeof OpenAI.BadRequestError>,
    );
    assert.ok(error instanceof OpenAI.BadRequestError);
    assert.equal(error.status, 400);
    assert.deepEqual(error.error, {
      message: 'Content blocked: us_ssn pattern detected',
      type: 'invalid_request_error',
      param: null,
      code: '400',
      provider_specific_fields: {
        error: 'Content blocked: us_ssn pattern detected',
        pattern: 'us_ssn',
        guardrail_name: 'pii',
        guardrail_mode: 'pre_call',
      },
    });
    assert.equal(upstream.requests.length, before, 'the provider never saw it');
  });

  it('a guardrail the request names masks the answer, JSON and streamed', async () => {
    const { data, response } = await chat('your ticket is TICKET-4242', {
      guardrails: ['answers'],
    });
    assert.equal(lastSent(upstream), 'your ticket is TICKET-4242', 'post_call leaves the request');
    assert.equal(
      (upstream.requests.at(-1)!.body as Record<string, unknown>).guardrails,
      undefined,
      'the guardrails field is the gateway’s, not sent upstream',
    );
    assert.equal(
      data.choices[0]!.message.content,
      'Hello from the simulator! You said: your ticket is [TICKET_REDACTED]',
    );
    assert.equal(response.headers.get('x-litellm-applied-guardrails'), 'pii,answers');

    const long = `tickets TICKET-1 and TICKET-22 then ${'many more words '.repeat(8)}and TICKET-333`;
    const stream = await openai.chat.completions.create({
      model: 'gpt',
      messages: [{ role: 'user', content: long }],
      stream: true,
      stream_options: { include_usage: true },
      guardrails: ['answers'],
    } as OpenAI.ChatCompletionCreateParamsStreaming);
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage ??= chunk.usage;
    }
    assert.equal(
      text,
      `Hello from the simulator! You said: ${long.replace(/TICKET-\d+/g, '[TICKET_REDACTED]')}`,
    );
    assert.ok(usage && usage.total_tokens > 0, 'the usage chunk still comes');
  });

  it('a streamed tool call goes through a guardrail that reads answers untouched', async () => {
    const stream = await openai.chat.completions.create({
      model: 'gpt',
      messages: [{ role: 'user', content: 'use a tool for the weather' }],
      tools: [
        {
          type: 'function',
          function: { name: 'get_weather', parameters: { type: 'object', properties: {} } },
        },
      ],
      stream: true,
      guardrails: ['answers'],
    } as OpenAI.ChatCompletionCreateParamsStreaming);
    let args = '';
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      args += chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? '';
      finish ??= chunk.choices[0]?.finish_reason;
    }
    assert.equal(args, '{"city":"Paris"}');
    assert.equal(finish, 'tool_calls');
  });

  it('an answer a guardrail blocks is refused, and the call is still booked', async () => {
    const made = await api.post('/key/generate', { key_alias: 'guarded-spender' });
    assert.equal(made.status, 200);
    const error = await chat(
      'say: launch code',
      { guardrails: ['answers'] },
      client(made.body.key),
    ).then(
      () => assert.fail('not refused'),
      (e: unknown) => e as InstanceType<typeof OpenAI.APIError>,
    );
    assert.equal(error.status, 400);
    assert.equal(error.message, "400 Content blocked: keyword 'launch code' detected (classified)");
    assert.equal(
      (error.error as { provider_specific_fields: Record<string, unknown> })
        .provider_specific_fields.guardrail_mode,
      'post_call',
    );
    assert.ok(
      await eventually(async () => {
        const info = await api.get(`/key/info?key=${made.body.key}`);
        return info.body.info.spend > 0;
      }),
      'the provider was paid: the call is booked',
    );
    const callId = error.headers?.get('x-litellm-call-id');
    assert.ok(callId);
    const logged = await api.get(`/spend/logs?request_id=${callId}`);
    assert.equal(logged.body.length, 1);
    assert.deepEqual(logged.body[0].metadata.applied_guardrails, ['pii', 'answers']);
  });

  it('a streamed answer a guardrail blocks ends with the error event', async () => {
    const stream = await openai.chat.completions.create({
      model: 'gpt',
      messages: [{ role: 'user', content: `${'fine words '.repeat(10)}then the launch code` }],
      stream: true,
      guardrails: ['answers'],
    } as OpenAI.ChatCompletionCreateParamsStreaming);
    let text = '';
    const error = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().then(
      () => assert.fail('the stream was not cut'),
      (e: unknown) => e as Error,
    );
    assert.match(error.message, /Content blocked: keyword 'launch code' detected \(classified\)/);
    assert.ok(!text.includes('launch code'), `what was sent before: ${text}`);
  });

  it('embeddings and Anthropic messages are masked too', async () => {
    await openai.embeddings.create({ model: 'embed', input: ['ping ann@example.org', 'plain'] });
    assert.deepEqual((upstream.requests.at(-1)!.body as { input: string[] }).input, [
      'ping [EMAIL_REDACTED]',
      'plain',
    ]);
    const anthropic = new Anthropic({ apiKey: MASTER_KEY, baseURL: gateway.url, maxRetries: 0 });
    const message = await anthropic.messages.create({
      model: 'gpt',
      max_tokens: 50,
      system: 'The operator is ops@example.net',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'mail bob@example.com' }] }],
    });
    const sent = upstream.requests.at(-1)!.body as {
      messages: { role: string; content: unknown }[];
    };
    assert.ok(!JSON.stringify(sent).includes('@example'), JSON.stringify(sent));
    assert.match(JSON.stringify(message.content), /mail \[EMAIL_REDACTED\]/);
  });

  it('answers of /v1/messages and /v1/responses are checked; their streams are refused, not sent unchecked', async () => {
    const anthropic = new Anthropic({ apiKey: MASTER_KEY, baseURL: gateway.url, maxRetries: 0 });
    const asked = { litellm_metadata: { guardrails: ['answers'] } };
    const message = await anthropic.messages.create({
      model: 'gpt',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'ticket TICKET-9' }],
      ...asked,
    } as Anthropic.MessageCreateParamsNonStreaming);
    assert.deepEqual(
      message.content.map((block) => (block.type === 'text' ? block.text : block.type)),
      ['Hello from the simulator! You said: ticket [TICKET_REDACTED]'],
    );
    const response = await openai.responses.create({
      model: 'gpt',
      input: 'ticket TICKET-5',
      guardrails: ['answers'],
    } as OpenAI.Responses.ResponseCreateParamsNonStreaming);
    assert.match(response.output_text, /ticket \[TICKET_REDACTED\]/);

    const before = upstream.requests.length;
    const refused = await anthropic.messages
      .create({
        model: 'gpt',
        max_tokens: 50,
        stream: true,
        messages: [{ role: 'user', content: 'ticket TICKET-9' }],
        ...asked,
      } as Anthropic.MessageCreateParamsStreaming)
      .then(
        () => assert.fail('not refused'),
        (e: unknown) => e as InstanceType<typeof Anthropic.APIError>,
      );
    assert.equal(refused.status, 400);
    assert.match(
      refused.message,
      /Guardrail 'answers' checks answers \(post_call\), which Tollgate does not do on streamed answers of this route yet/,
    );
    assert.equal(upstream.requests.length, before, 'nothing was sent');

    // A token count sends nothing to a model: no guardrail runs, a blocked pattern is counted.
    const counted = await anthropic.messages.countTokens({
      model: 'gpt',
      messages: [{ role: 'user', content: 'ssn 123-45-6789' }],
    });
    assert.ok(counted.input_tokens > 0);
  });

  it('a guardrail the gateway does not have or does not run refuses the call', async () => {
    const before = upstream.requests.length;
    for (const [name, message] of [
      [
        'typo',
        "Guardrail 'typo' is not configured on this gateway (configured: pii, answers, vendor)",
      ],
      ['vendor', "Guardrail 'vendor' (lakera_v2) is not one Tollgate runs"],
    ]) {
      const error = await chat('hi', { guardrails: [name] }).then(
        () => assert.fail('not refused'),
        (e: unknown) => e as InstanceType<typeof OpenAI.APIError>,
      );
      assert.equal(error.status, 400);
      assert.ok(error.message.includes(message!), error.message);
    }
    assert.equal(upstream.requests.length, before);

    // A gateway without any guardrail refuses a call that asks for one too.
    const bare = await startGateway({
      model_list: [{ model_name: 'gpt', litellm_params: { model: 'mock/gpt' } }],
      general_settings: { master_key: MASTER_KEY },
    });
    try {
      const error = await chat('hi', { guardrails: ['pii'] }, client(MASTER_KEY, bare)).then(
        () => assert.fail('not refused'),
        (e: unknown) => e as InstanceType<typeof OpenAI.APIError>,
      );
      assert.equal(error.status, 400);
      assert.match(
        error.message,
        /Guardrail 'pii' is not configured on this gateway \(it has none\)/,
      );
    } finally {
      await bare.close();
    }
  });

  it('keys and teams carry guardrails; only a proxy admin turns them off', async () => {
    const withAnswers = await api.post('/key/generate', { guardrails: ['answers'] });
    assert.deepEqual(withAnswers.body.metadata.guardrails, ['answers']);
    const { data } = await chat('ticket TICKET-7', {}, client(withAnswers.body.key));
    assert.match(data.choices[0]!.message.content!, /ticket \[TICKET_REDACTED\]$/);

    const unguarded = await api.post('/key/generate', { disable_global_guardrails: true });
    await chat('mail x@example.com', {}, client(unguarded.body.key));
    assert.equal(lastSent(upstream), 'mail x@example.com', 'the admin turned pii off for it');

    const user = await api.post('/user/new', { user_role: 'internal_user' });
    const own = user.body.key as string;
    for (const body of [
      { disable_global_guardrails: true },
      { metadata: { opted_out_global_guardrails: ['pii'] } },
    ]) {
      const refused = await api.post('/key/generate', body, own);
      assert.equal(refused.status, 403, JSON.stringify(refused.body));
      assert.match(refused.body.error.message, /Only proxy admins can turn guardrails off/);
    }
    // Adding a guardrail to its own key only checks more: allowed.
    const stricter = await api.post('/key/generate', { guardrails: ['answers'] }, own);
    assert.equal(stricter.status, 200);
    const dropped = await api.post('/key/update', { key: stricter.body.key, metadata: {} }, own);
    assert.equal(dropped.status, 403, 'nor may it take one away');

    const team = await api.post('/team/new', {
      metadata: { guardrails: { modify_guardrails: false } },
    });
    const teamKey = await api.post('/key/generate', { team_id: team.body.team_id });
    const locked = await chat('hi', { guardrails: ['answers'] }, client(teamKey.body.key)).then(
      () => assert.fail('not refused'),
      (e: unknown) => e as InstanceType<typeof OpenAI.APIError>,
    );
    assert.equal(locked.status, 403);
    assert.match(locked.message, /Your team does not have permission to modify guardrails\./);
    await chat('still mail y@example.com', {}, client(teamKey.body.key));
    assert.equal(lastSent(upstream), 'still mail [EMAIL_REDACTED]', 'its default_on ones run');
  });

  it('lists the guardrails (secrets masked) and applies one to a text', async () => {
    const user = await api.post('/user/new', { user_role: 'internal_user_viewer' });
    for (const path of ['/guardrails/list', '/v2/guardrails/list']) {
      const listed = await api.get(path, user.body.key);
      assert.equal(listed.status, 200);
      assert.deepEqual(
        listed.body.guardrails.map((g: { guardrail_name: string }) => g.guardrail_name),
        ['pii', 'answers', 'vendor'],
      );
      assert.deepEqual(listed.body.guardrails[2], {
        guardrail_id: null,
        guardrail_name: 'vendor',
        litellm_params: { guardrail: 'lakera_v2', api_key: 'lake****-123' },
        guardrail_info: null,
        created_at: null,
        updated_at: null,
        guardrail_definition_location: 'config',
      });
    }
    const applied = await api.post('/guardrails/apply_guardrail', {
      guardrail_name: 'pii',
      text: 'a@b.io and c@d.io',
    });
    assert.deepEqual(applied.body, { response_text: '[EMAIL_REDACTED] and [EMAIL_REDACTED]' });
    const blocked = await api.post('/apply_guardrail', {
      guardrail_name: 'pii',
      text: '123-45-6789',
    });
    assert.equal(blocked.status, 400);
    assert.equal(blocked.body.error.message, 'Content blocked: us_ssn pattern detected');
    const unknown = await api.post('/guardrails/apply_guardrail', {
      guardrail_name: 'x',
      text: '',
    });
    assert.equal(unknown.status, 404);
    assert.equal(
      unknown.body.error.message,
      "Guardrail 'x' not found. Please ensure the guardrail is configured in your LiteLLM proxy.",
    );
  });
});

describe('guardrail config', () => {
  const start = (guardrails: unknown[]) => () =>
    buildConfig({ model_list: [], guardrails }, {}, tmpdir());
  const filter = (params: Record<string, unknown>) => ({
    guardrail_name: 'g',
    litellm_params: { guardrail: CONTENT_FILTER, ...params },
  });

  it('refuses the start for what would leave a guardrail doing less, naming the path', () => {
    const cases: [unknown[], RegExp][] = [
      [
        [filter({ patterns: [{ pattern_type: 'prebuilt', pattern_name: 'ssn', action: 'MASK' }] })],
        /guardrails\[0\]\.litellm_params\.patterns\[0\]\.pattern_name: unknown prebuilt pattern "ssn" \(known: us_ssn,/,
      ],
      [
        [filter({ patterns: [{ pattern_type: 'regex', pattern: '(open', action: 'BLOCK' }] })],
        /guardrails\[0\]\.litellm_params\.patterns\[0\]\.pattern: not a valid regular expression/,
      ],
      [
        [
          filter({
            patterns: [{ pattern_type: 'prebuilt', pattern_name: 'email', action: 'REDACT' }],
          }),
        ],
        /guardrails\[0\]\.litellm_params\.patterns\[0\]\.action: must be BLOCK or MASK/,
      ],
      [
        [filter({ mode: 'before_call' })],
        /guardrails\[0\]\.litellm_params\.mode: unknown mode "before_call"/,
      ],
      [
        [filter({}), filter({})],
        /guardrails\[1\]\.guardrail_name: "g" is already used by guardrails\[0\]/,
      ],
      [
        [filter({ blocked_words_file: 'missing-words.yaml' })],
        /guardrails\[0\]\.litellm_params\.blocked_words_file: cannot read .*missing-words\.yaml/,
      ],
    ];
    for (const [guardrails, message] of cases) {
      assert.throws(start(guardrails), (error: unknown) => {
        assert.ok(error instanceof ConfigError, String(error));
        assert.match(error.message, message);
        return true;
      });
    }
  });

  it('reads blocked_words_file next to the config and warns about what it does not run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-guardrails-'));
    try {
      writeFileSync(
        join(dir, 'words.yaml'),
        'blocked_words:\n  - keyword: falcon\n    action: MASK\n  - keyword: no-action\n',
      );
      writeFileSync(
        join(dir, 'config.yaml'),
        [
          'model_list: []',
          'guardrails:',
          '  - guardrail_name: words',
          '    litellm_params:',
          `      guardrail: ${CONTENT_FILTER}`,
          '      blocked_words_file: words.yaml',
          '      mode: [pre_call, logging_only]',
          '  - guardrail_name: lakera',
          '    litellm_params:',
          '      guardrail: lakera_v2',
          '      default_on: true',
        ].join('\n'),
      );
      const loaded = loadConfigFile(join(dir, 'config.yaml'), { env: {} });
      const [words] = loaded.guardrails!;
      assert.equal(
        (words!.filter!.scan('Project FALCON') as FilterResult).text,
        'Project [KEYWORD_REDACTED]',
      );
      assert.deepEqual(
        loaded.warnings.filter((w) => w.startsWith('guardrails')),
        [
          'guardrails[0].litellm_params.mode: logging_only is not supported by Tollgate yet; ignored',
          `guardrails[0].litellm_params.blocked_words_file: ${join(dir, 'words.yaml')}: blocked_words[1] skipped (action: must be BLOCK or MASK)`,
          'guardrails[1].litellm_params.guardrail: "lakera_v2" is not a guardrail Tollgate runs (it runs litellm_content_filter, presidio, bedrock); requests that ask for "lakera" are refused, and as default_on it does NOT check any request',
        ],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
