import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Principal } from '../auth/principal.js';
import { GatewayError } from '../errors/gateway-error.js';
import { seededRandom } from '../../test/helpers/seeded-random.js';
import { buildGuardrails, type GuardrailDefinition } from './guardrail-config.js';
import {
  Guardrails,
  StreamFilter,
  filterStreamChunk,
  flushedChunks,
  splicedChunkText,
} from './guardrails.js';
import { PiiTokens, TokenRestorer, type FilterResult } from './content-filter.js';
import type { GuardrailEntry } from '../config/schema.js';

function guardrails(entries: GuardrailEntry[]): GuardrailDefinition[] {
  const problems: string[] = [];
  const built = buildGuardrails(entries, { baseDir: process.cwd(), env: {} }, problems, []);
  assert.deepEqual(problems, []);
  return built;
}

const EMAIL_MASK: GuardrailEntry['litellm_params'] = {
  guardrail: 'litellm_content_filter',
  patterns: [{ pattern_type: 'prebuilt', pattern_name: 'email', action: 'MASK' }],
};

const DEFINITIONS = guardrails([
  { guardrail_name: 'global', litellm_params: { ...EMAIL_MASK, default_on: true } },
  { guardrail_name: 'asked', litellm_params: { ...EMAIL_MASK, mode: ['pre_call', 'post_call'] } },
  { guardrail_name: 'other-kind', litellm_params: { guardrail: 'lakera_v2' } },
]);

function principal(keyMeta: Record<string, unknown> = {}, teamMeta?: Record<string, unknown>) {
  return {
    key: { metadata: keyMeta },
    team: teamMeta && { metadata: teamMeta },
  } as unknown as Principal;
}

function running(body: object, who = principal()): string[] | undefined {
  return new Guardrails(DEFINITIONS).forRequest(body, who)?.names;
}

describe('which guardrails a call runs', () => {
  test('default_on ones always, others when the request, its key or its team names them', () => {
    assert.deepEqual(running({}), ['global']);
    assert.deepEqual(running({ guardrails: ['asked'] }), ['global', 'asked']);
    assert.deepEqual(running({ guardrails: { asked: {} } }), ['global', 'asked']);
    assert.deepEqual(running({ metadata: { guardrails: ['asked'] } }), ['global', 'asked']);
    assert.deepEqual(running({ litellm_metadata: '{"guardrails":["asked"]}' }), [
      'global',
      'asked',
    ]);
    assert.deepEqual(running({}, principal({ guardrails: ['asked'] })), ['global', 'asked']);
    assert.deepEqual(running({}, principal({}, { guardrails: ['asked'] })), ['global', 'asked']);
  });

  test("only the key's or team's metadata turns a default_on guardrail off", () => {
    assert.equal(running({}, principal({ disable_global_guardrails: true })), undefined);
    assert.equal(running({}, principal({}, { disable_global_guardrails: true })), undefined);
    assert.equal(running({}, principal({ opted_out_global_guardrails: ['global'] })), undefined);
    // A request cannot: its own switches are not read.
    assert.deepEqual(running({ disable_global_guardrails: true }), ['global']);
    assert.deepEqual(running({ metadata: { disable_global_guardrails: true } }), ['global']);
    // Named by the request or the key, it runs even where the global ones are off.
    assert.deepEqual(
      running({ guardrails: ['global'] }, principal({ disable_global_guardrails: true })),
      ['global'],
    );
  });

  test('a name the gateway does not have or does not run refuses the call', () => {
    assert.throws(
      () => running({ guardrails: ['typo'] }),
      (e: GatewayError) =>
        e.status === 400 &&
        e.message ===
          "Guardrail 'typo' is not configured on this gateway (configured: global, asked, other-kind); the call was not sent",
    );
    assert.throws(
      () => running({ guardrails: ['other-kind'] }),
      /Guardrail 'other-kind' \(lakera_v2\) is not one Tollgate runs/,
    );
  });

  test('a guardrails field that is not a list of names refuses the call, naming it', () => {
    for (const [body, field] of [
      [{ guardrails: 'asked' }, 'guardrails'],
      [{ guardrails: [1] }, 'guardrails'],
      [{ metadata: { guardrails: true } }, 'metadata.guardrails'],
    ] as const) {
      assert.throws(
        () => running(body),
        (e: GatewayError) =>
          e.status === 400 &&
          e.param === field &&
          e.message.startsWith(`${field} must be a list of guardrail names, e.g. ["pii"]; got `),
      );
    }
    assert.deepEqual(running({ guardrails: null }), ['global']);
  });

  test('a locked team refuses any guardrail field, even an empty one', () => {
    const locked = principal({}, { guardrails: { modify_guardrails: false } });
    assert.deepEqual(running({}, locked), ['global']);
    for (const body of [
      { guardrails: [] },
      { metadata: { disable_global_guardrails: false } },
      { litellm_metadata: { opted_out_global_guardrails: [] } },
    ]) {
      assert.throws(
        () => running(body, locked),
        (e: GatewayError) =>
          e.status === 403 &&
          e.message === 'Your team does not have permission to modify guardrails.',
      );
    }
  });
});

describe('a streamed answer through a masking guardrail', () => {
  const [, asked] = DEFINITIONS;
  const text =
    'Write to jane.doe@example.com or to ops@corp.example.org; ' +
    'a long tail of ordinary words follows so that text is let go before the end, and ' +
    'one more address, last@x.io, right before the end.';
  const masked = (asked!.filter!.scan(text) as FilterResult).text;

  test('sends what masking the whole answer gives, however the text is cut into chunks', () => {
    const random = seededRandom(11);
    for (let round = 0; round < 200; round++) {
      const filter = new StreamFilter([asked!]);
      let sent = '';
      let at = 0;
      while (at < text.length) {
        const size = 1 + Math.floor(random() * 12);
        const piece = text.slice(at, at + size);
        at += size;
        sent += filter.push(0, piece, at >= text.length && round % 2 === 0);
      }
      for (const rest of filter.flush().values()) sent += rest;
      assert.equal(sent, masked, `round ${round}`);
    }
  });

  test('holds text back only while it could still complete a match', () => {
    const filter = new StreamFilter([asked!]);
    const first = filter.push(0, 'x'.repeat(80), false);
    assert.equal(first, 'x'.repeat(30), 'all but the last 50 characters go');
    // The last 50 characters would start inside the address: it is held whole.
    assert.equal(
      filter.push(0, ` mail someone@example.com ${'z'.repeat(40)}`, false),
      `${'x'.repeat(50)} mail `,
    );
    assert.equal(filter.push(0, '', true), `[EMAIL_REDACTED] ${'z'.repeat(40)}`);
  });

  test('chunks are rewritten, the end of the stream takes what was held', () => {
    const filter = new StreamFilter([asked!]);
    const chunk = (content: string, finish: string | null = null) => ({
      id: 'c1',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'm',
      choices: [{ index: 0, delta: { content }, finish_reason: finish }],
    });
    const first = filterStreamChunk(filter, chunk('mail a@b.io'));
    assert.equal(first.choices[0]!.delta.content, '');
    const rest = flushedChunks(filter, first);
    assert.deepEqual(rest, [
      {
        id: 'c1',
        object: 'chat.completion.chunk',
        created: 1,
        model: 'm',
        choices: [{ index: 0, delta: { content: 'mail [EMAIL_REDACTED]' }, finish_reason: null }],
      },
    ]);
    const last = filterStreamChunk(new StreamFilter([asked!]), chunk('to a@b.io', 'stop'));
    assert.equal(last.choices[0]!.delta.content, 'to [EMAIL_REDACTED]');
  });
});

describe('a rewritten chunk keeps the upstream text of everything but its content', () => {
  const chunk = (content: string | undefined) => ({
    id: 'c',
    choices: [{ index: 0, delta: content === undefined ? {} : { content }, finish_reason: null }],
  });
  test('only the content string is replaced, when it is found once as JSON.stringify writes it', () => {
    const content = String.raw`mail a@b.io \ "q"`;
    const masked = String.raw`mail [EMAIL_REDACTED] \ "q"`;
    const raw = `{"id":"c","x_vendor":{"n":12345678901234567890},"choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}},"finish_reason":null}]}`;
    const spliced = splicedChunkText(raw, JSON.parse(raw) as object, chunk(masked));
    assert.equal(spliced, raw.replace(JSON.stringify(content), JSON.stringify(masked)));
    assert.ok(
      spliced!.includes('12345678901234567890'),
      'a vendor integer past 2^53 stays as sent',
    );
    assert.deepEqual((JSON.parse(spliced!) as { choices: unknown }).choices, chunk(masked).choices);
  });
  test('anything else is left to a full serialisation', () => {
    const escaped = '{"choices":[{"index":0,"delta":{"content":"caf\\u00e9"}}]}';
    assert.equal(splicedChunkText(escaped, JSON.parse(escaped), chunk('x')), undefined);
    const twice = '{"choices":[{"index":0,"delta":{"content":"a"}}],"echo":{"content":"a"}}';
    assert.equal(splicedChunkText(twice, JSON.parse(twice), chunk('b')), undefined);
    assert.equal(splicedChunkText(undefined, chunk('a'), chunk('b')), undefined);
    assert.equal(splicedChunkText('{}', chunk(undefined), chunk('b')), undefined);
  });
});

describe('a streamed answer that gets its placeholders back (output_parse_pii)', () => {
  test('puts the originals back however the placeholders are cut into chunks', () => {
    const tokens = new PiiTokens();
    const person = tokens.tokenFor('PERSON', 'Jane Doe');
    const phone = tokens.tokenFor('PHONE_NUMBER', '212-555-0199');
    const restorer: GuardrailDefinition = {
      name: 'pii',
      kind: 'presidio',
      modes: new Set(['post_call']),
      defaultOn: false,
      filter: new TokenRestorer(tokens),
      params: {},
      info: null,
    };
    const text = `Dear ${person}, we will call ${phone} soon; <b>bold</b> stays, as does a < b.`;
    const expected = text.replace(person, 'Jane Doe').replace(phone, '212-555-0199');
    const random = seededRandom(5);
    for (let round = 0; round < 200; round++) {
      const filter = new StreamFilter([restorer]);
      let sent = '';
      for (let at = 0; at < text.length;) {
        const size = 1 + Math.floor(random() * 8);
        sent += filter.push(0, text.slice(at, at + size), false);
        at += size;
      }
      for (const rest of filter.flush().values()) sent += rest;
      assert.equal(sent, expected, `round ${round}`);
    }
  });
});
