/**
 * Malformed and hostile requests, each answered with a clean 4xx and no change: oversized bodies
 * and headers, deeply nested JSON, invalid UTF-8, duplicate keys, numbers out of range, `Host`
 * and `X-Forwarded-*` tricks, path traversal in ids, and a client naming its own upstream
 * (`api_base`, `base_url`, `extra_headers`, CVE-2024-6587).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  leakedSecrets,
  startHostileFixture,
  type HostileFixture,
} from './helpers/hostile-fixture.js';
import { rawRequest } from './helpers/raw-http.js';
import { snapshot } from './helpers/route-fuzzer.js';
import { startOpenAiSimulator } from './simulators/openai-simulator.js';
import type { Simulator } from './simulators/simulator-server.js';

const CHAT = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };

describe('hostile input', () => {
  let fixture: HostileFixture;
  let attacker: Simulator;

  before(async () => {
    fixture = await startHostileFixture();
    attacker = await startOpenAiSimulator();
  });
  after(async () => {
    await fixture?.close();
    await attacker?.close();
  });

  const post = (path: string, body: string | Buffer, headers: Record<string, string> = {}) =>
    fetch(`${fixture.gateway.url}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${fixture.keys.master}`,
        'content-type': 'application/json',
        ...headers,
      },
      body,
    });

  /** Sends a request that must be refused without any change; returns the refusal. */
  async function refusedUnchanged(send: () => Promise<Response>, label: string) {
    const before = await snapshot(fixture);
    const response = await send();
    const text = await response.text();
    assert.ok(
      response.status >= 400 && response.status < 500,
      `${label}: ${response.status} ${text.slice(0, 300)}`,
    );
    assert.equal(await snapshot(fixture), before, `${label} changed the database`);
    return { status: response.status, text };
  }

  it('refuses an empty body with a 400 that says what to send, whatever its content type', async () => {
    const asJson = await refusedUnchanged(
      () => post('/v1/chat/completions', ''),
      'empty application/json',
    );
    assert.equal(asJson.status, 400);
    assert.match(asJson.text, /Request body is empty; send a JSON object/);
    const asText = await refusedUnchanged(
      () => post('/v1/chat/completions', '', { 'content-type': 'text/plain' }),
      'empty text/plain',
    );
    assert.equal(asText.status, 400);
    assert.match(asText.text, /Request body must be a JSON object/);
  });

  it('refuses prototype poisoning in a body whatever its content type, escaped or not', async () => {
    const poisoned = [
      '{"model":"gpt-4o-mini","messages":[],"__proto__":{"admin":true}}',
      '{"key_alias":"p","metadata":{"\\u005f_proto__":{"admin":true}}}',
      '{"key_alias":"c","metadata":{"constructor":{"prototype":{"admin":true}}}}',
    ];
    for (const body of poisoned) {
      for (const type of ['application/json', 'text/plain', 'application/x-www-form-urlencoded']) {
        for (const path of ['/v1/chat/completions', '/key/generate']) {
          const label = `${path} as ${type}: ${body}`;
          const refused = await refusedUnchanged(
            () => post(path, body, { 'content-type': type }),
            label,
          );
          assert.equal(refused.status, 400, label);
          assert.match(refused.text, /not valid JSON: .*forbidden prototype property/, label);
        }
      }
    }
    // The same words as plain text are no threat and go through.
    const harmless = await post(
      '/v1/chat/completions',
      JSON.stringify({ ...CHAT, messages: [{ role: 'user', content: 'a constructor __proto__' }] }),
      { 'content-type': 'text/plain' },
    );
    assert.equal(harmless.status, 200, await harmless.text());
  });

  it('refuses a body over max_request_size_mb with 413, with or without a key', async () => {
    const huge = JSON.stringify({ ...CHAT, pad: 'x'.repeat(1.5 * 1024 * 1024) });
    for (const path of ['/v1/chat/completions', '/key/generate', '/user/new']) {
      const refused = await refusedUnchanged(() => post(path, huge), path);
      assert.equal(refused.status, 413, path);
      const anonymous = await fetch(`${fixture.gateway.url}${path}`, {
        method: 'POST',
        body: huge,
      });
      await anonymous.text();
      assert.ok(
        [401, 413].includes(anonymous.status),
        `${path} without a key: ${anonymous.status}`,
      );
    }
  });

  it('refuses bad calls alike on the fast lane and through Fastify', async () => {
    // `/v1/chat/completions` is served by the fast lane in front of Fastify; the Azure-style path
    // with the model in it is served by Fastify. Both run the same checks and handler.
    const lane = '/v1/chat/completions';
    const framework = `/openai/deployments/${CHAT.model}/chat/completions`;
    const nested = `${'{"a":'.repeat(500)}1${'}'.repeat(500)}`;
    const cases: [string, string | Buffer, Record<string, string>][] = [
      ['empty JSON body', '', {}],
      ['invalid JSON', '{"model":', {}],
      ['prototype poisoning', '{"__proto__":{"x":1}}', { 'content-type': 'text/plain' }],
      ['a body over the limit', JSON.stringify({ ...CHAT, pad: 'x'.repeat(1.5 * 2 ** 20) }), {}],
      ['a body nested too deep', `{"model":"${CHAT.model}","metadata":${nested}}`, {}],
      ['an array body', '[1,2]', {}],
      ['no messages', JSON.stringify({ model: CHAT.model }), {}],
      ['no key', JSON.stringify(CHAT), { authorization: '' }],
      ['a bogus key', JSON.stringify(CHAT), { authorization: `Bearer ${fixture.keys.bogus}` }],
      [
        "a viewer's key",
        JSON.stringify(CHAT),
        { authorization: `Bearer ${fixture.keys.proxy_admin_viewer}` },
      ],
    ];
    for (const [label, body, headers] of cases) {
      const viaLane = await refusedUnchanged(() => post(lane, body, headers), `${label} (lane)`);
      const viaFastify = await refusedUnchanged(
        () => post(framework, body, headers),
        `${label} (Fastify)`,
      );
      assert.deepEqual(
        { status: viaLane.status, body: JSON.parse(viaLane.text) as unknown },
        { status: viaFastify.status, body: JSON.parse(viaFastify.text) as unknown },
        label,
      );
    }
  });

  it('refuses malformed multipart uploads with a 4xx, never a 5xx, and keeps serving', async () => {
    const boundary = 'XyZ';
    const part = (name: string, value: string, file?: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${file ? `; filename="${file}"\r\nContent-Type: audio/wav` : ''}\r\n\r\n${value}\r\n`;
    const form = (...parts: string[]) => `${parts.join('')}--${boundary}--\r\n`;
    const multipart = { 'content-type': `multipart/form-data; boundary=${boundary}` };
    const cases: [string, string, Record<string, string>, RegExp][] = [
      ['no boundary', 'whatever', { 'content-type': 'multipart/form-data' }, /multipart|form/i],
      ['garbage', 'not a form at all', multipart, /file|form/i],
      [
        'cut short',
        part('model', 'upstream-gpt') + `--${boundary}\r\nContent-Disp`,
        multipart,
        /form|file/i,
      ],
      [
        'file as a text field',
        form(part('model', 'upstream-gpt'), part('file', 'RIFF....')),
        multipart,
        /file/,
      ],
      [
        'two files',
        form(part('model', 'upstream-gpt'), part('file', 'a', 'a.wav'), part('file', 'b', 'b.wav')),
        multipart,
        /at most 1/,
      ],
      [
        'a file in another field',
        form(part('model', 'upstream-gpt'), part('audio', 'a', 'a.wav')),
        multipart,
        /Unexpected file part/,
      ],
      [
        'too many fields',
        form(...Array.from({ length: 40 }, (_, i) => part(`f${i}`, 'x'))),
        multipart,
        /fields/,
      ],
      [
        'prototype names',
        form(
          part('__proto__', '{"polluted":true}'),
          part('constructor', 'x'),
          part('file', 'a', 'a.wav'),
        ),
        multipart,
        /prototype property is not allowed/,
      ],
      [
        'a file over the size limit',
        form(part('model', 'upstream-gpt'), part('file', 'x'.repeat(1.2 * 1024 * 1024), 'big.wav')),
        multipart,
        /max_request_size_mb/,
      ],
    ];
    // Image edits read the same way; their uploads are images, up to 17 of them.
    const forEdits = new Set([
      'no boundary',
      'garbage',
      'cut short',
      'a file in another field',
      'too many fields',
      'a file over the size limit',
    ]);
    for (const path of ['/v1/audio/transcriptions', '/v1/images/edits']) {
      for (const [label, body, headers, said] of cases) {
        if (path === '/v1/images/edits' && !forEdits.has(label)) continue;
        const refused = await refusedUnchanged(() => post(path, body, headers), `${path} ${label}`);
        assert.match(refused.text, said, `${path} ${label}`);
      }
    }
    // Several files within the limit each, over it together; a field given twice is read once.
    const halfLimit = 'x'.repeat(0.6 * 1024 * 1024);
    const together = await refusedUnchanged(
      () =>
        post(
          '/v1/images/edits',
          form(
            part('prompt', 'x'),
            part('image', halfLimit, 'a.png'),
            part('image[]', halfLimit, 'b.png'),
          ),
          multipart,
        ),
      'files over the limit together',
    );
    assert.equal(together.status, 413);
    const twice = await refusedUnchanged(
      () =>
        post(
          '/v1/images/edits',
          form(part('prompt', 'x'), part('n', '0'), part('n', '1'), part('image', 'a', 'a.png')),
          multipart,
        ),
      'n given twice',
    );
    assert.match(twice.text, /n/);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    const alive = await fetch(`${fixture.gateway.url}/health/liveliness`);
    assert.equal(alive.status, 200);
  });

  it('refuses oversized headers with 431 and keeps serving', async () => {
    const answer = await rawRequest(fixture.gateway.url, [
      'GET /v1/models HTTP/1.1',
      `host: 127.0.0.1`,
      `authorization: Bearer ${fixture.keys.master}`,
      `x-pad: ${'a'.repeat(64 * 1024)}`,
    ]);
    assert.equal(answer.status, 431);
    const after = await fixture.api.get('/v1/models');
    assert.equal(after.status, 200);
  });

  it('answers deeply nested JSON with a clean 4xx or stores it whole, never a 5xx', async () => {
    for (const depth of [200, 5_000, 100_000]) {
      const nested = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
      const arrays = `${'['.repeat(depth)}${']'.repeat(depth)}`;
      const bodies: [string, string][] = [
        ['/key/generate', `{"metadata":${nested}}`],
        ['/team/new', `{"metadata":${nested}}`],
        ['/user/new', `{"metadata":${nested}}`],
        [
          '/v1/chat/completions',
          `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"metadata":${nested}}`,
        ],
        ['/v1/chat/completions', `{"model":"gpt-4o-mini","messages":${arrays}}`],
        [
          '/v1/messages',
          `{"model":"gpt-4o-mini","max_tokens":5,"messages":[{"role":"user","content":${arrays}}]}`,
        ],
      ];
      for (const [path, body] of bodies) {
        const response = await post(path, body);
        const text = await response.text();
        assert.ok(
          response.status < 500,
          `${path} at depth ${depth}: ${response.status} ${text.slice(0, 200)}`,
        );
      }
    }
  });

  it('reads invalid UTF-8 in a body as replacement characters, in a key as an unknown key', async () => {
    const body = Buffer.concat([
      Buffer.from('{"model":"gpt-4o-mini","messages":[{"role":"user","content":"'),
      Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]),
      Buffer.from('"}]}'),
    ]);
    const chat = await post('/v1/chat/completions', body);
    assert.equal(chat.status, 200, await chat.text());
    const alias = Buffer.concat([
      Buffer.from('{"key_alias":"'),
      Buffer.from([0xc0, 0xaf]),
      Buffer.from('"}'),
    ]);
    const key = await post('/key/generate', alias);
    assert.ok(key.status < 500, await key.text());
    const answer = await rawRequest(
      fixture.gateway.url,
      [
        'POST /v1/chat/completions HTTP/1.1',
        'host: 127.0.0.1',
        'content-type: application/json',
        `authorization: Bearer sk-\xff\xfe${"' OR 1=1 --"}`,
      ],
      JSON.stringify(CHAT),
    );
    assert.equal(answer.status, 401, answer.head);
  });

  it('reads duplicate keys as the last one, and the check sees what the service uses', async () => {
    const teamA = fixture.keys.team_a_admin;
    // The team admin of team A names team A first and team B last: refused, team B unchanged.
    await refusedUnchanged(
      () =>
        post('/team/update', '{"team_id":"team-a","team_id":"team-b","max_budget":0.01}', {
          authorization: `Bearer ${teamA}`,
        }),
      'duplicate team_id',
    );
    await refusedUnchanged(
      () =>
        post(
          '/user/update',
          '{"user_id":"admin-a","user_role":"internal_user","user_role":"proxy_admin"}',
          {
            authorization: `Bearer ${teamA}`,
          },
        ),
      'duplicate user_role',
    );
    const info = await fixture.api.get('/user/info?user_id=admin-a');
    assert.equal(info.body.user_info.user_role, 'internal_user');
  });

  it('refuses numbers out of range with a 4xx and stores nothing', async () => {
    const bodies = [
      '{"max_budget":1e400}',
      '{"max_budget":-1e400}',
      '{"rpm_limit":1e400}',
      '{"tpm_limit":18446744073709551616}',
      '{"rpm_limit":1.5}',
      '{"max_parallel_requests":-1}',
      '{"max_parallel_requests":9007199254740993}',
      '{"max_budget":"NaN"}',
    ];
    for (const body of bodies) {
      for (const path of ['/key/generate', '/team/new', '/user/new']) {
        await refusedUnchanged(() => post(path, body), `${path} ${body}`);
      }
    }
    for (const body of [
      '{"max_tokens":1e400}',
      '{"max_tokens":-1}',
      '{"n":0}',
      '{"temperature":"hot"}',
    ]) {
      const merged = `${JSON.stringify(CHAT).slice(0, -1)},${body.slice(1)}`;
      await refusedUnchanged(() => post('/v1/chat/completions', merged), merged);
    }
  });

  it('never lets Host or X-Forwarded-* change who may call a route (CVE-2026-49468)', async () => {
    const hosts = [
      'localhost:4000/#@attacker',
      'localhost:4000/key/generate#',
      'attacker.example@127.0.0.1',
      '127.0.0.1:1',
      'localhost',
      '[::1]',
    ];
    const body = JSON.stringify({ key_alias: 'host-trick' });
    for (const host of hosts) {
      for (const target of ['/key/generate', `http://${host}/key/generate`, '//key/generate']) {
        const answer = await rawRequest(
          fixture.gateway.url,
          [
            `POST ${target} HTTP/1.1`,
            `host: ${host}`,
            'content-type: application/json',
            'x-forwarded-for: 127.0.0.1',
            'x-forwarded-host: localhost',
            'x-forwarded-proto: https',
            'x-real-ip: 127.0.0.1',
          ],
          body,
        );
        assert.ok(
          answer.status === 401 || answer.status === 400 || answer.status === 404,
          `Host ${host}, target ${target}: ${answer.head}`,
        );
      }
    }
    const stored = fixture.reader
      .prepare("select count(*) as n from keys where key_alias = 'host-trick'")
      .get() as { n: number };
    assert.equal(stored.n, 0);
    // With a real key, Host does not matter either.
    const answer = await rawRequest(fixture.gateway.url, [
      'GET /v1/models HTTP/1.1',
      'host: localhost:4000/#@attacker',
      `authorization: Bearer ${fixture.keys.master}`,
    ]);
    assert.ok([200, 400].includes(answer.status), answer.head);
  });

  it('treats path traversal in ids as an id that does not exist', async () => {
    const traversals = [
      '..%2F..%2Fetc%2Fpasswd',
      '%2e%2e%2f%2e%2e%2fpackage.json',
      '..',
      '%00',
      '..%5C..%5Cwin.ini',
    ];
    for (const id of traversals) {
      await refusedUnchanged(() => post(`/key/${id}/regenerate`, '{}'), `/key/${id}/regenerate`);
      await refusedUnchanged(
        () =>
          fetch(`${fixture.gateway.url}/model/${id}/update`, {
            method: 'PATCH',
            headers: {
              authorization: `Bearer ${fixture.keys.master}`,
              'content-type': 'application/json',
            },
            body: '{"model_name":"x"}',
          }),
        `/model/${id}/update`,
      );
      for (const [path, body] of [
        ['/key/update', { key: decodeURIComponent(id), max_budget: 1 }],
        ['/user/update', { user_id: decodeURIComponent(id), max_budget: 1 }],
        ['/team/update', { team_id: decodeURIComponent(id), max_budget: 1 }],
        ['/model/delete', { id: decodeURIComponent(id) }],
      ] as const) {
        await refusedUnchanged(() => post(path, JSON.stringify(body)), `${path} ${id}`);
      }
    }
    // Nothing outside the web UI's folder is served from it, however the path is written.
    for (const path of [
      '/ui/../package.json',
      '/ui/..%2F..%2Fpackage.json',
      '/ui/%2e%2e/%2e%2e/package.json',
      '/ui/..%2fconfig.example.yaml',
    ]) {
      const answer = await rawRequest(fixture.gateway.url, [
        `GET ${path} HTTP/1.1`,
        'host: 127.0.0.1',
      ]);
      assert.ok(
        !answer.body.includes('"devDependencies"') && !answer.body.includes('model_list'),
        `${path}: ${answer.head}`,
      );
      assert.ok(answer.status < 500, `${path}: ${answer.head}`);
    }
  });

  it('refuses a body that names a host or credential for the upstream (CVE-2024-6587)', async () => {
    const redirects: [string, Record<string, unknown>][] = [
      ['api_base', { api_base: `${attacker.url}/v1` }],
      ['base_url', { base_url: `${attacker.url}/v1` }],
      ['azure_endpoint', { azure_endpoint: attacker.url }],
      ['aws_bedrock_runtime_endpoint', { aws_bedrock_runtime_endpoint: attacker.url }],
      ['vertex_api_base', { vertex_api_base: attacker.url }],
      ['api_key', { api_key: 'sk-client-supplied' }],
      ['metadata.nested.base_url', { metadata: { nested: { base_url: attacker.url } } }],
      ['litellm_params.api_base', { litellm_params: { api_base: attacker.url } }],
      ['metadata.callbacks', { metadata: { callbacks: ['langfuse'] } }],
      [
        'metadata.routes[1][0].s3_bucket',
        { metadata: { routes: [{ name: 'a' }, [{ s3_bucket: 'b' }]] } },
      ],
    ];
    fixture.upstream.reset();
    for (const model of ['upstream-gpt', 'db-gpt', 'gpt-4o-mini']) {
      for (const path of ['/v1/chat/completions', '/v1/messages']) {
        for (const [field, extra] of redirects) {
          const body = {
            model,
            max_tokens: 5,
            messages: [{ role: 'user', content: 'hi' }],
            ...extra,
          };
          const response = await post(path, JSON.stringify(body));
          const text = await response.text();
          assert.equal(response.status, 400, `${model} ${path} ${field}: ${text.slice(0, 200)}`);
          assert.ok(text.includes(field), `${field} is named: ${text.slice(0, 200)}`);
        }
      }
    }
    assert.equal(attacker.requests.length, 0, 'the client-named host got a request');
    assert.equal(fixture.upstream.requests.length, 0, 'a refused body reaches no upstream');
  });

  it('leaves what the model reads alone: image URLs and tool schemas with *_url fields pass', async () => {
    fixture.upstream.reset();
    const body = {
      model: 'upstream-gpt',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
          ],
        },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'notify',
            parameters: { type: 'object', properties: { callback_url: { type: 'string' } } },
          },
        },
      ],
    };
    const response = await post('/v1/chat/completions', JSON.stringify(body));
    assert.equal(response.status, 200, await response.text());
  });

  it('never forwards headers a client adds in the body', async () => {
    fixture.upstream.reset();
    const body = {
      model: 'upstream-gpt',
      messages: [{ role: 'user', content: 'hi' }],
      extra_headers: {
        'x-evil': '1',
        authorization: 'Bearer sk-client-supplied',
        host: 'attacker',
      },
      headers: { 'x-evil': '1' },
    };
    const response = await post('/v1/chat/completions', JSON.stringify(body));
    assert.ok(response.status < 500, await response.text());
    assert.equal(attacker.requests.length, 0);
    for (const request of fixture.upstream.requests) {
      assert.match(String(request.headers.authorization), /^Bearer sk-provider-(config|db)-/);
      assert.equal(request.headers['x-evil'], undefined);
      assert.equal(request.headers.host, `127.0.0.1:${fixture.upstream.port}`);
    }
  });

  it('reads names of Object.prototype in a request as text, never as a table entry', async () => {
    // A duration word or a mock trigger looked up by the client's text used to find
    // Object.prototype for "__proto__" and answer 500.
    for (const duration of ['__proto__', 'constructor']) {
      const { status, text } = await refusedUnchanged(
        () => post('/key/generate', JSON.stringify({ duration }), { 'content-type': 'text/plain' }),
        `duration ${duration}`,
      );
      assert.ok(status === 400 || status === 422, `${status} ${text}`);
      assert.match(text, /duration/);
    }
    for (const mock_response of ['__proto__', 'constructor']) {
      const answer = await post('/v1/chat/completions', JSON.stringify({ ...CHAT, mock_response }));
      assert.equal(answer.status, 200, mock_response);
      const body = (await answer.json()) as { choices: { message: { content: string } }[] };
      assert.equal(body.choices[0]?.message.content, mock_response);
    }
  });

  it('matches a key’s many-star model wildcard against a long model name at once', async () => {
    // As a regular expression, `^.*a.*a…b$` took 12 s against 35 letters, and minutes beyond.
    const generated = await post(
      '/key/generate',
      JSON.stringify({ models: [`${'*a'.repeat(12)}*b`] }),
    );
    assert.equal(generated.status, 200);
    const { key } = (await generated.json()) as { key: string };
    const started = performance.now();
    const refused = await post(
      '/v1/chat/completions',
      JSON.stringify({ ...CHAT, model: 'a'.repeat(2_000) }),
      { authorization: `Bearer ${key}` },
    );
    assert.ok(refused.status >= 400 && refused.status < 500, String(refused.status));
    await refused.text();
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 1_000, `${elapsed.toFixed(0)} ms`);
  });

  it('keeps every answer and log line free of keys, passwords, hashes and provider credentials', () => {
    const leaks = fixture.logs.flatMap((line) => leakedSecrets(line, fixture.secrets));
    assert.deepEqual(leaks, []);
  });
});
