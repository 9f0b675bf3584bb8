import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ChatCompletionChunk } from '../../contracts/openai.js';
import type { StreamDecoder, StreamEvent } from '../types.js';
import { createOpenAiStreamDecoder } from './openai-stream.js';

const encoder = new TextEncoder();
const bytes = (text: string) => encoder.encode(text);
const text = (data: Uint8Array) => Buffer.from(data).toString('utf8');

const content = (delta: string) =>
  `{"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":${JSON.stringify(delta)}},"finish_reason":null}],"usage":null}`;
const finish = `{"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}`;
const usage = `{"id":"c1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}`;
const sse = (...data: string[]) => data.map((d) => `data: ${d}\n\n`).join('');

function decoder(): Required<StreamDecoder<ChatCompletionChunk>> {
  const d = createOpenAiStreamDecoder<ChatCompletionChunk>('OpenAI');
  assert.ok(d.pushWire, 'the OpenAI decoder forwards bytes');
  return d as Required<StreamDecoder<ChatCompletionChunk>>;
}

/** What a client would read: each event's data, whole events forwarded as bytes split up. */
function dataOf(events: StreamEvent<ChatCompletionChunk>[]): string[] {
  return events.flatMap((e) =>
    e.wire !== undefined
      ? text(e.wire)
          .split('\n\n')
          .filter((block) => block !== '')
          .map((block) => block.slice('data: '.length))
      : [e.raw ?? JSON.stringify(e.chunk)],
  );
}

describe('OpenAI stream decoder, whole events forwarded as bytes (pushWire)', () => {
  test('ordinary events come back as the very bytes of the network read', () => {
    const d = decoder();
    const read = bytes(sse(content('Hel'), content('lo')));
    const events = d.pushWire(read);
    assert.equal(events.length, 1);
    const wire = events[0]?.wire;
    assert.ok(wire);
    assert.equal(wire.buffer, read.buffer, 'not copied');
    assert.deepEqual([...wire], [...read]);
    assert.equal(events[0]?.reportsNoUsage, true);
    assert.throws(() => events[0]?.chunk, /not one chunk/);
  });

  test('the usage event comes back on its own to be priced, the [DONE] is left out', () => {
    const d = decoder();
    const events = d.pushWire(bytes(sse(content('Hi'), finish, usage, '[DONE]')));
    assert.equal(events.length, 2);
    assert.equal(text(events[0]?.wire ?? new Uint8Array()), sse(content('Hi'), finish));
    assert.equal(events[1]?.wire, undefined);
    assert.equal(events[1]?.raw, usage);
    assert.equal(events[1]?.reportsNoUsage, false);
    assert.equal(events[1]?.chunk.usage?.total_tokens, 7);
    assert.deepEqual(d.end(), []);
  });

  test('events after a usage event form a run of their own', () => {
    const d = decoder();
    const events = d.pushWire(bytes(sse(content('a'), usage, content('b'))));
    assert.deepEqual(
      events.map((e) => (e.wire ? `wire:${text(e.wire)}` : `event:${e.raw}`)),
      [`wire:${sse(content('a'))}`, `event:${usage}`, `wire:${sse(content('b'))}`],
    );
  });

  test('text in any script travels as the upstream encoded it', () => {
    const d = decoder();
    const read = bytes(sse(content('héllo 汉字 🎉'), finish, '[DONE]'));
    const events = d.pushWire(read);
    assert.deepEqual(dataOf(events), [content('héllo 汉字 🎉'), finish]);
    assert.deepEqual(d.end(), []);
  });

  test('a finish_reason in a read without [DONE] still completes the stream', () => {
    const d = decoder();
    d.pushWire(bytes(sse(content('a'), finish)));
    assert.deepEqual(d.end(), []);
    const cut = decoder();
    cut.pushWire(bytes(sse(content('a'))));
    assert.throws(() => cut.end(), /ended before it was complete/);
  });

  test('an error event still fails the stream', () => {
    const d = decoder();
    assert.throws(
      () => d.pushWire(bytes(sse(content('a'), '{"error":{"message":"overloaded","type":"x"}}'))),
      /overloaded/,
    );
  });

  test('what is not plain whole events is decoded event by event, as push does', () => {
    for (const read of [
      sse(content('a')).slice(0, -1), // the last event not ended yet
      sse(content('a')).replaceAll('\n', '\r\n'),
      `: keep-alive\n\n${sse(content('a'))}`,
      `event: message\n${sse(content('a'))}`,
      `data:${content('a')}\n\n`,
      sse(content('\u00e9').replace('é', '\\u00e9')),
    ]) {
      const d = decoder();
      const events = [...d.pushWire(bytes(read)), ...d.pushWire(bytes('\n'))];
      assert.ok(
        events.every((e) => e.wire === undefined),
        `no bytes forwarded as they are for ${JSON.stringify(read)}`,
      );
      assert.equal(dataOf(events).length, 1, JSON.stringify(read));
    }
  });

  test('agrees with push on random streams split at random places', () => {
    let seed = 0x2545f491;
    const random = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 2 ** 32;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const words = ['Hi', ' there', 'é', '汉字', '🎉', 'say "usage"', 'finish_reason', '\\', 'rror'];
    const oddEvents = [
      '{"error":{"message":"boom","type":"server_error"}}',
      '{"choices":[{"index":0,"delta":{},"finish_reason" : "length"}],"usage":null}',
      '{"choices":[{"index":0,"delta":{},"finish_reason":7}]}',
      '{"choices":[{"index":0,"delta":{"content":"\\u0041"},"finish_reason":null}]}',
      '{"choices":[],"usage" : {"total_tokens":3}}',
      '{"choices":[{"index":0,"delta":{"content":"x"},"finish_reason":null}],"usage":{"total_tokens":1}}',
      '{"x_groq":{"usage":{"total_tokens":2}},"choices":[]}',
    ];
    let asBytes = 0;
    for (let run = 0; run < 3000; run++) {
      const events: string[] = [];
      const count = 1 + Math.floor(random() * 8);
      for (let i = 0; i < count; i++) {
        const roll = random();
        if (roll < 0.7) events.push(`data: ${content(pick(words) + pick(words))}\n\n`);
        else if (roll < 0.8) events.push(`data: ${pick([finish, usage])}\n\n`);
        else if (roll < 0.9) events.push(`data: ${pick(oddEvents)}\n\n`);
        else events.push(pick([': ping\n\n', `data: ${finish}\r\n\r\n`, 'data: [DONE]\n\n']));
      }
      if (random() < 0.7) events.push('data: [DONE]\n\n');
      const all = bytes(events.join(''));
      const cuts = [0, all.length];
      for (let i = Math.floor(random() * 4); i > 0; i--)
        cuts.push(Math.floor(random() * all.length));
      // Most reads end where an event does, as an upstream's writes do.
      if (random() < 0.5) cuts.splice(2);
      cuts.sort((a, b) => a - b);
      const reads = cuts.slice(1).map((end, i) => all.subarray(cuts[i], end));
      const outcome = (d: StreamDecoder<ChatCompletionChunk>, wire: boolean) => {
        const got: StreamEvent<ChatCompletionChunk>[] = [];
        try {
          for (const read of reads) {
            const events = wire && d.pushWire ? d.pushWire(read) : d.push(read);
            if (wire) asBytes += events.filter((e) => e.wire !== undefined).length;
            got.push(...events);
          }
          got.push(...d.end());
        } catch (error: unknown) {
          return { data: dataOf(got), error: (error as Error).message };
        }
        return { data: dataOf(got), error: undefined };
      };
      const viaWire = outcome(decoder(), true);
      const viaPush = outcome(decoder(), false);
      assert.deepEqual(viaWire, viaPush, JSON.stringify(events));
    }
    assert.ok(asBytes > 500, `runs of events forwarded as bytes: ${asBytes}`);
  });
});
