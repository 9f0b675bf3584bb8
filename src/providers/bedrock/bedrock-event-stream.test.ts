import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { ProviderError } from '../types.js';
import {
  bodyText,
  EventStreamDecoder,
  headerString,
  loadEventStreamCodec,
} from './bedrock-event-stream.js';

await loadEventStreamCodec();

const codec = new EventStreamCodec(toUtf8, fromUtf8);

const frame = (eventType: string, payload: unknown) =>
  codec.encode({
    headers: {
      ':event-type': { type: 'string', value: eventType },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'event' },
    },
    body: fromUtf8(JSON.stringify(payload)),
  });

const joined = (frames: Uint8Array[]) => {
  const out = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  let offset = 0;
  for (const f of frames) {
    out.set(f, offset);
    offset += f.length;
  }
  return out;
};

const stream = joined([
  frame('messageStart', { role: 'assistant' }),
  frame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'héllo ✓' } }),
  frame('messageStop', { stopReason: 'end_turn' }),
]);

const summary = (decoder: EventStreamDecoder, bytes: Uint8Array[]) =>
  bytes.flatMap((b) => decoder.push(b)).map((m) => [headerString(m, ':event-type'), bodyText(m)]);

test('frames split at every byte boundary decode to the same messages', () => {
  const expected = summary(new EventStreamDecoder(), [stream]);
  assert.equal(expected.length, 3);
  assert.deepEqual(expected[1], [
    'contentBlockDelta',
    '{"contentBlockIndex":0,"delta":{"text":"héllo ✓"}}',
  ]);
  for (let cut = 1; cut < stream.length; cut++) {
    const decoder = new EventStreamDecoder();
    const got = summary(decoder, [stream.subarray(0, cut), stream.subarray(cut)]);
    assert.deepEqual(got, expected, `split at byte ${cut}`);
    assert.equal(decoder.pendingBytes, 0);
  }
  const decoder = new EventStreamDecoder();
  const bytes = Array.from(stream, (b) => Uint8Array.of(b));
  assert.deepEqual(summary(decoder, bytes), expected, 'one byte at a time');
});

test('an unfinished frame stays pending', () => {
  const decoder = new EventStreamDecoder();
  assert.deepEqual(decoder.push(stream.subarray(0, stream.length - 1)).length, 2);
  assert.ok(decoder.pendingBytes > 0);
});

test('the decoder does not keep a reference to the caller buffer', () => {
  const decoder = new EventStreamDecoder();
  const chunk = stream.slice(0, 10);
  decoder.push(chunk);
  chunk.fill(0);
  assert.equal(decoder.push(stream.subarray(10)).length, 3);
});

test('corrupt frames and impossible lengths are bad responses', () => {
  const broken = stream.slice();
  broken[20] = (broken[20] ?? 0) ^ 0xff;
  const isBadResponse = (e: unknown) => e instanceof ProviderError && e.kind === 'bad_response';
  assert.throws(() => new EventStreamDecoder().push(broken), isBadResponse);
  assert.throws(
    () => new EventStreamDecoder().push(new TextEncoder().encode('<html>nope</html>')),
    isBadResponse,
  );
});
