import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ContentFilter, regexFromPython, type FilterAction } from './content-filter.js';
import { PREBUILT_PATTERNS } from './prebuilt-patterns.js';

function masking(name: string, action: FilterAction = 'MASK'): ContentFilter {
  const source = PREBUILT_PATTERNS[name];
  assert.ok(source, name);
  return new ContentFilter({ patterns: [{ name, source, action }], words: [] });
}

/** Values each prebuilt pattern must find, and look-alikes it must leave alone. */
const EXAMPLES: Record<string, { found: string[]; left: string[] }> = {
  us_ssn: { found: ['123-45-6789'], left: ['123-456-789', '12-345-6789'] },
  us_ssn_no_dash: { found: ['123456789'], left: ['000123456', '666123456', '123004567'] },
  email: {
    found: ['jane.doe+x@mail.example.com', 'A@B.IO'],
    left: ['jane@localhost', '@example.com'],
  },
  us_phone: { found: ['(555) 123-4567', '555.123.4567', '+1 555 123 4567'], left: ['555-1234'] },
  street_address: { found: ['1600 Pennsylvania Avenue', '221 Baker St'], left: ['Baker Street'] },
  visa: { found: ['4111 1111 1111 1111', '4111-1111-1111-1111'], left: ['4111 1111 1111'] },
  mastercard: { found: ['5500 0000 0000 0004'], left: ['5600 0000 0000 0004'] },
  amex: { found: ['3782 822463 10005'], left: ['3682 822463 10005'] },
  discover: { found: ['6011 1111 1111 1117'], left: ['6012 1111 1111 1117'] },
  credit_card: { found: ['4111111111111111', '378282246310005'], left: ['1234 5678 9012 3456'] },
  iban: { found: ['DE89370400440532013000'], left: ['DE89 3704'] },
  aws_access_key: { found: ['AKIAIOSFODNN7EXAMPLE'], left: ['AKIA123'] },
  aws_secret_key: { found: ['wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'], left: ['shorttoken'] },
  github_token: { found: [`ghp_${'a'.repeat(36)}`], left: [`ghx_${'a'.repeat(36)}`] },
  slack_token: { found: [`xoxb-123-456-${'a'.repeat(24)}`], left: ['xoxz-1-2-abc'] },
  generic_api_key: { found: ['api_key: abcdefghij0123456789xyz'], left: ['api_key: short'] },
  ipv4: { found: ['192.168.0.1', '8.8.8.8'], left: ['256.1.1.1', '1.2.3'] },
  url: { found: ['https://example.com/a?b=c', 'www.example.org'], left: ['example dot com'] },
  br_cpf: { found: ['123.456.789-09'], left: ['123.456.789'] },
  br_cnpj: { found: ['12.345.678/0001-95'], left: ['12.345.678-0001'] },
  fr_phone: { found: ['+33 6 12 34 56 78', '06 12 34 56 78'], left: ['+33 6 12'] },
  au_abn: { found: ['51 824 753 556'], left: ['51 824 753'] },
};

describe('content filter', () => {
  test('every prebuilt pattern finds its values and leaves look-alikes alone', () => {
    for (const name of Object.keys(PREBUILT_PATTERNS)) {
      const example = EXAMPLES[name];
      if (!example) continue;
      const filter = masking(name);
      const tag = `[${name.toUpperCase()}_REDACTED]`;
      for (const value of example.found) {
        assert.equal(filter.scan(`see ${value} here`).text, `see ${tag} here`, `${name}: ${value}`);
      }
      for (const value of example.left) {
        assert.equal(
          filter.scan(`see ${value} here`).text,
          `see ${value} here`,
          `${name}: ${value}`,
        );
      }
    }
  });

  test('masks every match and counts them; block stops at the first BLOCK entry with its detail', () => {
    const filter = new ContentFilter({
      patterns: [
        { name: 'email', source: PREBUILT_PATTERNS.email!, action: 'MASK' },
        { name: 'us_ssn', source: PREBUILT_PATTERNS.us_ssn!, action: 'BLOCK' },
      ],
      words: [{ keyword: 'Project Falcon', action: 'MASK' }],
    });
    const masked = filter.scan('a@b.io wrote to c@d.io about project falcon and PROJECT FALCON');
    assert.equal(
      masked.text,
      '[EMAIL_REDACTED] wrote to [EMAIL_REDACTED] about [KEYWORD_REDACTED] and [KEYWORD_REDACTED]',
    );
    assert.deepEqual(masked.masked, { email: 2, blocked_word: 2 });
    assert.equal(masked.blocked, undefined);
    const blocked = filter.scan('a@b.io: 123-45-6789');
    assert.deepEqual(blocked.blocked, {
      error: 'Content blocked: us_ssn pattern detected',
      pattern: 'us_ssn',
    });
  });

  test('blocked words: any case, inside longer words, `*` for one character or none', () => {
    const filter = new ContentFilter({
      patterns: [],
      words: [
        { keyword: 'blue', action: 'MASK' },
        { keyword: 'sec*ret', action: 'BLOCK', description: 'internal word' },
        { keyword: 'a.b', action: 'MASK' },
      ],
    });
    assert.equal(filter.scan('BLUEberry').text, '[KEYWORD_REDACTED]berry');
    assert.equal(filter.scan('axb stays, a.b goes').text, 'axb stays, [KEYWORD_REDACTED] goes');
    for (const text of ['secret', 'sec-ret', 'SECRET']) {
      assert.deepEqual(filter.scan(text).blocked, {
        error: "Content blocked: keyword 'sec*ret' detected (internal word)",
        keyword: 'sec*ret',
        description: 'internal word',
      });
    }
    assert.equal(filter.scan('sec--ret').blocked, undefined);
  });

  test('the redaction texts can be set; a custom regex in Python syntax keeps its name', () => {
    const filter = new ContentFilter({
      patterns: [
        {
          name: 'employee_id',
          source: regexFromPython(String.raw`EMP-(?P<num>\d{4})`),
          action: 'MASK',
        },
      ],
      words: [{ keyword: 'falcon', action: 'MASK' }],
      patternRedactionFormat: '<{pattern_name}>',
      keywordRedactionTag: '***',
    });
    assert.equal(filter.scan('emp-1234 on falcon').text, '<EMPLOYEE_ID> on ***');
    assert.throws(() => regexFromPython('(unclosed'), /Invalid regular expression/);
  });

  test('no prebuilt pattern backtracks on a crafted prompt: 100 kB scan in well under a second', () => {
    // A pattern quadratic on such texts held the event loop for seconds (e-mail on `a.a.a.…`).
    const crafted = [
      'a.'.repeat(50_000),
      `${'a'.repeat(50_000)}@${'a.'.repeat(25_000)}`,
      'a@'.repeat(50_000),
      `1 ${'a'.repeat(100_000)}`,
      '1'.repeat(100_000),
      '12 word '.repeat(12_500),
      'https://'.repeat(12_500),
    ];
    for (const name of Object.keys(PREBUILT_PATTERNS)) {
      const filter = masking(name);
      for (const text of crafted) {
        const started = performance.now();
        filter.scan(text);
        const ms = performance.now() - started;
        assert.ok(
          ms < 1000,
          `${name} on ${JSON.stringify(text.slice(0, 12))}…: ${Math.round(ms)} ms`,
        );
      }
    }
  });

  test('a safe cut never falls inside a match', () => {
    const filter = masking('email');
    const text = 'write to someone@example.com today';
    const start = text.indexOf('someone');
    for (let cut = 0; cut <= text.length; cut++) {
      const safe = filter.safeCut(text, cut);
      const inside = cut > start && cut < start + 'someone@example.com'.length;
      assert.equal(safe, inside ? start : cut, `cut ${cut}`);
    }
  });
});
