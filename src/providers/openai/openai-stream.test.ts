import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ChatCompletionChunk } from '../../contracts/openai.js';
import { ProviderError } from '../types.js';
import { createOpenAiStreamDecoder } from './openai-stream.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const chunk = (content: string, finish: string | null = null) =>
  JSON.stringify({
    id: 'c1',
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta: { content }, finish_reason: finish }],
  });

function decoder() {
  return createOpenAiStreamDecoder<ChatCompletionChunk>('OpenAI');
}

describe('OpenAI stream decoder', () => {
  test('passes chunks through with their exact raw JSON, and stops at [DONE]', () => {
    const d = decoder();
    const first = chunk('Hel');
    const events = [
      ...d.push(bytes(`data: ${first}\n\ndata: ${chunk('lo', 'stop')}\n\n`)),
      ...d.push(bytes('data: [DONE]\n\n')),
      ...d.end(),
    ];
    assert.equal(events.length, 2);
    assert.equal(events[0]?.raw, first);
    assert.equal(events[0]?.chunk.choices[0]?.delta.content, 'Hel');
    assert.equal(events[1]?.chunk.choices[0]?.finish_reason, 'stop');
  });

  test('a stream cut off before [DONE] or a finish_reason is a connection error', () => {
    const d = decoder();
    d.push(bytes(`data: ${chunk('Hel')}\n\n`));
    assert.throws(
      () => d.end(),
      (e: unknown) =>
        e instanceof ProviderError &&
        e.kind === 'connection' &&
        e.message === 'OpenAI stream ended before it was complete',
    );
  });

  test('an empty stream is a connection error', () => {
    assert.throws(() => decoder().end(), { kind: 'connection' });
  });

  test('a stream that finished but never sent [DONE] is accepted', () => {
    const d = decoder();
    d.push(bytes(`data: ${chunk('Hi', 'stop')}\n\n`));
    assert.deepEqual(d.end(), []);
  });

  test('a last chunk without its blank line is still delivered at the end', () => {
    const d = decoder();
    assert.deepEqual(d.push(bytes(`data: ${chunk('Hi', 'length')}`)), []);
    const rest = d.end();
    assert.equal(rest.length, 1);
    assert.equal(rest[0]?.chunk.choices[0]?.finish_reason, 'length');
  });

  test('an error chunk mid-stream throws the upstream message and type', () => {
    const d = decoder();
    d.push(bytes(`data: ${chunk('a')}\n\n`));
    assert.throws(
      () => d.push(bytes('data: {"error":{"message":"overloaded","type":"server_error"}}\n\n')),
      (e: unknown) =>
        e instanceof ProviderError &&
        e.kind === 'server' &&
        e.message === 'overloaded' &&
        e.details.type === 'server_error',
    );
  });

  test('an error or an escaped key among ordinary events of one network read is still found', () => {
    // The decoder searches the whole read once for what is rare; each event must still be judged.
    const error = decoder();
    assert.throws(
      () =>
        error.push(
          bytes(
            `data: ${chunk('a')}\n\ndata: ${chunk('b')}\n\n` +
              'data: {"error":{"message":"overloaded"}}\n\n' +
              `data: ${chunk('c')}\n\n`,
          ),
        ),
      { kind: 'server', message: 'overloaded' },
    );
    const escaped = decoder();
    const events = escaped.push(
      bytes(
        `data: ${chunk('a')}\n\n` +
          'data: {"id":"c1","choices":[{"index":0,"delta":{},"finish_\\u0072eason":"stop"}]}\n\n',
      ),
    );
    assert.equal(events.length, 2);
    // The escaped key was parsed: the stream counts as finished, so it may end without [DONE].
    assert.deepEqual(escaped.end(), []);
  });

  test('a chunk that is not JSON is a bad_response', () => {
    assert.throws(() => decoder().push(bytes('data: {not json\n\n')), { kind: 'bad_response' });
  });

  test('keep-alive comments and empty data are skipped', () => {
    const d = decoder();
    assert.deepEqual(d.push(bytes(': ping\n\ndata:\n\n')), []);
  });
});

test('a chunk that is JSON but not an object is a clean bad_response, not a crash', () => {
  const decoder = createOpenAiStreamDecoder('OpenAI');
  assert.throws(
    () => decoder.push(new TextEncoder().encode('data: null\n\n')),
    (error: unknown) => error instanceof ProviderError && error.kind === 'bad_response',
  );
});

describe('OpenAI stream decoder, what it parses and what it only checks', () => {
  const push = (text: string) => {
    const d = decoder();
    return { d, events: d.push(bytes(text)) };
  };

  test('a finish_reason written with spaces still finishes the stream', () => {
    const { d } = push('data: {"choices":[{"index":0,"delta":{},"finish_reason": "stop"}]}\n\n');
    assert.deepEqual(d.end(), []);
  });

  test('a null finish_reason written with spaces does not', () => {
    const { d } = push('data: {"choices":[{"index":0,"delta":{},"finish_reason" : null}]}\n\n');
    assert.throws(() => d.end(), { kind: 'connection' });
  });

  test('the second choice finishing finishes the stream', () => {
    const { d } = push(
      'data: {"choices":[{"index":0,"finish_reason":null},{"index":1,"finish_reason":"length"}]}\n\n',
    );
    assert.deepEqual(d.end(), []);
  });

  test('finish_reason inside the content is text, not the end of the stream', () => {
    const { d, events } = push(`data: ${chunk('say "finish_reason":"stop"')}\n\n`);
    assert.equal(events[0]?.chunk.choices[0]?.delta.content, 'say "finish_reason":"stop"');
    assert.throws(() => d.end(), { kind: 'connection' });
  });

  test('an error key spelled with a unicode escape is still an error', () => {
    assert.throws(() => push('data: {"\\u0065rror":{"message":"overloaded"}}\n\n'), {
      kind: 'server',
      message: 'overloaded',
    });
  });

  test('a null error, or an error key nested below the top level, is no error', () => {
    const { events } = push(
      'data: {"error":null,"choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]}\n\n' +
        'data: {"choices":[{"index":0,"delta":{"content":"b"},"finish_reason":null}],"x":{"error":"no"}}\n\n',
    );
    assert.deepEqual(
      events.map((e) => e.chunk.choices[0]?.delta.content),
      ['a', 'b'],
    );
  });

  test('a content chunk keeps its raw JSON and parses to the same object', () => {
    const raw = chunk('Hi ✓');
    const { events } = push(`data: ${raw}\n\n`);
    assert.equal(events[0]?.raw, raw);
    assert.deepEqual(events[0]?.chunk, JSON.parse(raw));
  });

  test('a braced chunk that is not JSON inside fails when it is read, not while it is forwarded', () => {
    const { events } = push('data: {not json}\n\n');
    assert.equal(events[0]?.raw, '{not json}');
    assert.throws(() => events[0]?.chunk, { kind: 'bad_response' });
  });

  test('a finishing chunk is forwarded by its raw JSON, unparsed, and still ends the content', () => {
    const raw = '{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}';
    const { d, events } = push(`data: ${raw}\n\n`);
    assert.equal(events[0]?.raw, raw);
    assert.equal(events[0]?.chunk.choices[0]?.finish_reason, 'stop');
    assert.deepEqual(d.end(), [], 'no [DONE] needed once a choice finished');
    // Not a string: unusual enough to be parsed, and still the end of the content.
    const numeric = push('data: {"choices":[{"index":0,"finish_reason":1}]}\n\n');
    assert.deepEqual(numeric.d.end(), []);
  });

  test('says which forwarded chunks report no usage, so the route need not look again', () => {
    const { events } = push(
      `data: ${chunk('a')}\n\n` +
        'data: {"choices":[{"index":0,"delta":{"content":"b"},"finish_reason":null}],"usage":null}\n\n' +
        'data: {"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}\n\n',
    );
    assert.deepEqual(
      events.map((e) => e.reportsNoUsage),
      [true, true, false],
    );
  });

  test('chunks that are not braced like an object fail at once', () => {
    for (const data of ['[1]', '"text"', '42', '<html>', '{"a":1']) {
      assert.throws(() => push(`data: ${data}\n\n`), { kind: 'bad_response' }, data);
    }
  });
});

describe('OpenAI stream decoder, which forwarded chunks report no usage', () => {
  const withUsage = (usage: unknown) =>
    JSON.stringify({ id: 'c1', choices: [{ index: 0, delta: { content: 'x' } }], usage });
  /** What the decoder says of one chunk: true when the route may forward it without a look. */
  const reportsNoUsage = (raw: string): boolean | undefined =>
    decoder().push(bytes(`data: ${raw}\n\n`))[0]?.reportsNoUsage;

  test('no usage key, or only null ones as OpenAI sends them: forwarded without a look', () => {
    assert.equal(reportsNoUsage(chunk('Hello')), true);
    assert.equal(reportsNoUsage(withUsage(null)), true);
    assert.equal(reportsNoUsage('{"choices":[],"usage" :  null}'), true);
    assert.equal(reportsNoUsage('{"choices":[{"delta":{},"usage":null}],"usage":\tnull}'), true);
  });

  test('whenever parsing could find a usage block, the route looks', () => {
    const cases = [
      withUsage({ prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 }),
      withUsage({}),
      withUsage(0),
      // a null usage further in does not hide a real one before or after it
      '{"choices":[{"usage":null}],"usage":{"total_tokens":1}}',
      '{"usage":{"total_tokens":1},"choices":[{"usage":null}]}',
      // the same key spelled with an escape
      '{"choices":[],"usage":null,"\\u0075sage":{"total_tokens":1}}',
      // `usage"` that is a string's end rather than a key: looked at to be sure
      '{"choices":[{"delta":{"content":"no usage"}}]}',
    ];
    for (const raw of cases) {
      assert.equal(reportsNoUsage(raw), false, raw);
    }
  });

  test('agrees with JSON.parse on every chunk of a simulated OpenAI stream', () => {
    const chunks = [
      withUsage(null),
      chunk('a "usage": 1 in the text'),
      withUsage({ prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 }),
    ];
    for (const raw of chunks) {
      const usage = (JSON.parse(raw) as { usage?: unknown }).usage;
      if (usage) assert.equal(reportsNoUsage(raw), false, raw);
      if (reportsNoUsage(raw)) assert.ok(!usage, raw);
    }
  });
});
