import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SseDecoder, type SseEvent } from './sse-decoder.js';

const bytes = (text: string) => new TextEncoder().encode(text);

/** Feeds the stream in the given pieces and returns every event, flush included. */
function decode(pieces: Uint8Array[]): SseEvent[] {
  const decoder = new SseDecoder();
  const events = pieces.flatMap((piece) => decoder.push(piece));
  return [...events, ...decoder.flush()];
}

/** Every way to cut `data` in two, plus one byte at a time. */
function everySplit(data: Uint8Array): Uint8Array[][] {
  const splits: Uint8Array[][] = [];
  for (let i = 0; i <= data.length; i++) splits.push([data.slice(0, i), data.slice(i)]);
  splits.push(Array.from(data, (b) => Uint8Array.of(b)));
  return splits;
}

const STREAM =
  ': keep-alive comment\n\n' +
  'data: {"n":1,"text":"héllo ✓ 🎉"}\n\n' +
  'event: message_delta\r\ndata: first line\r\ndata: second line\r\n\r\n' +
  'id: 7\nretry: 100\ndata:no-space\n\n' +
  'data: [DONE]\n\n';

const EXPECTED: SseEvent[] = [
  { event: undefined, data: '{"n":1,"text":"héllo ✓ 🎉"}' },
  { event: 'message_delta', data: 'first line\nsecond line' },
  { event: undefined, data: 'no-space' },
  { event: undefined, data: '[DONE]' },
];

describe('SseDecoder', () => {
  test('decodes LF and CRLF events, multi-line data, comments and unknown fields', () => {
    assert.deepEqual(decode([bytes(STREAM)]), EXPECTED);
  });

  test('gives the same events however the bytes are split, even inside a UTF-8 character', () => {
    const data = bytes(STREAM);
    for (const pieces of everySplit(data)) {
      assert.deepEqual(
        decode(pieces),
        EXPECTED,
        `split into ${pieces.map((p) => p.length).join('+')}`,
      );
    }
  });

  test('gives the same events for an LF-only stream however it is split', () => {
    const stream =
      '\n\n: comment\n\ndata: {"a":1}\n\nevent: e\ndata: one\ndata: two\n\n' +
      'data:x\n\n\n\ndata: é 🎉\n\ndata: [DONE]\n\n';
    const expected: SseEvent[] = [
      { event: undefined, data: '{"a":1}' },
      { event: 'e', data: 'one\ntwo' },
      { event: undefined, data: 'x' },
      { event: undefined, data: 'é 🎉' },
      { event: undefined, data: '[DONE]' },
    ];
    for (const pieces of everySplit(bytes(stream))) {
      assert.deepEqual(
        decode(pieces),
        expected,
        `split into ${pieces.map((p) => p.length).join('+')}`,
      );
    }
  });

  test('an event is only emitted once its blank line has arrived', () => {
    const decoder = new SseDecoder();
    assert.deepEqual(decoder.push(bytes('data: a\n')), []);
    assert.deepEqual(decoder.push(bytes('\n')), [{ event: undefined, data: 'a' }]);
    assert.deepEqual(decoder.push(bytes('data: b\r\n\r')), []);
    assert.deepEqual(decoder.push(bytes('\n')), [{ event: undefined, data: 'b' }]);
  });

  test('several events in one chunk all come out, in order', () => {
    const decoder = new SseDecoder();
    assert.deepEqual(
      decoder.push(bytes('data: 1\n\ndata: 2\r\n\r\ndata: 3\n\n')).map((e) => e.data),
      ['1', '2', '3'],
    );
  });

  test('a block of only comments is no event', () => {
    assert.deepEqual(decode([bytes(': ping\n: pong\n\n')]), []);
  });

  test('only one leading space is removed from a value', () => {
    assert.deepEqual(decode([bytes('data:   indented\n\n')]), [
      { event: undefined, data: '  indented' },
    ]);
  });

  test('an empty data field is an event with empty data', () => {
    assert.deepEqual(decode([bytes('data\n\n')]), [{ event: undefined, data: '' }]);
  });

  test('flush returns an event cut off before its blank line', () => {
    const decoder = new SseDecoder();
    assert.deepEqual(decoder.push(bytes('data: {"partial":')), []);
    assert.deepEqual(decoder.flush(), [{ event: undefined, data: '{"partial":' }]);
    assert.deepEqual(decoder.flush(), []);
  });

  test('a byte-order mark opens the stream unseen, even split, but later it is text', () => {
    const bom = Uint8Array.of(0xef, 0xbb, 0xbf);
    assert.deepEqual(decode([bom, bytes('data: a\n\n')]), [{ event: undefined, data: 'a' }]);
    assert.deepEqual(decode([bom.slice(0, 1), bom.slice(1), bytes('data: a\n\n')]), [
      { event: undefined, data: 'a' },
    ]);
    assert.deepEqual(decode([bytes('data: a\n\ndata: '), bom, bytes('b\n\n')]), [
      { event: undefined, data: 'a' },
      { event: undefined, data: '\ufeffb' },
    ]);
  });

  test('ASCII and non-ASCII chunks alternate without losing a character', () => {
    const e = bytes('é');
    const pieces = [
      bytes('data: a\n\n'),
      bytes('data: x'),
      e.slice(0, 1),
      e.slice(1),
      bytes('\n\ndata: b\n\ndata: '),
      Uint8Array.of(0xff),
      bytes('\n\n'),
    ];
    assert.deepEqual(
      decode(pieces).map((event) => event.data),
      ['a', 'xé', 'b', '\ufffd'],
    );
  });

  test('a character cut at the end of a stream comes out as a replacement character', () => {
    assert.deepEqual(decode([bytes('data: ok'), bytes('✓').slice(0, 2)]), [
      { event: undefined, data: 'ok\ufffd' },
    ]);
  });

  test('LF and CRLF separators interleaved many times in one chunk', () => {
    let text = '';
    const expected: string[] = [];
    for (let i = 0; i < 20; i++) {
      text += i % 3 === 0 ? `data: ${i}\r\n\r\n` : `data: ${i}\n\n`;
      expected.push(String(i));
    }
    text += 'data: tail\r\n\n';
    expected.push('tail');
    assert.deepEqual(
      decode([bytes(text)]).map((event) => event.data),
      expected,
    );
  });
});
