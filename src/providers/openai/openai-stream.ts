/**
 * Decoder for OpenAI-format SSE streams (chat and text completions). Chunks pass through with
 * their raw JSON so the proxy can forward them byte for byte.
 *
 * Only the chunks that can change the outcome are parsed while decoding: an error, a
 * finish_reason that is not null, anything unusual. An ordinary content chunk is recognised by
 * string checks and parsed only if someone reads its `chunk` (a route that forwards the raw JSON
 * never does). The one difference from parsing everything: a chunk that starts with `{` and ends
 * with `}` but is not valid JSON inside is forwarded instead of failing the stream (the client's
 * own parser reports it); anything else that is not a JSON object still fails it.
 */
import { SseDecoder, type SseEvent } from '../shared/sse-decoder.js';
import { ProviderError, type StreamDecoder, type StreamEvent } from '../types.js';

interface ChunkLike {
  choices?: { finish_reason?: string | null }[];
  usage?: unknown;
  error?: { message?: string; type?: string; code?: string };
}

export function createOpenAiStreamDecoder<T>(displayName: string): StreamDecoder<T> {
  const sse = new SseDecoder();
  let done = false;
  let finished = false;
  const translate = (events: SseEvent[]): StreamEvent<T>[] => {
    const out: StreamEvent<T>[] = [];
    if (events.length === 0) return out;
    // Searched once in the whole text the events came from rather than in each event: an
    // error and a `\u` escape are rare, and each search costs its setup whatever its length.
    const text = sse.lastText;
    const plain = !text.includes('rror"') && !text.includes('\\u');
    for (const event of events) {
      const data = event.data;
      if (data === '[DONE]') {
        done = true;
        continue;
      }
      if (data === '') continue;
      const kind = classifyChunk(data, finished, plain);
      if (kind !== PARSE) {
        // A chunk whose only news is its finish_reason ends the stream's content: nothing in it
        // needs parsing to know that.
        if (kind === FINISHES) finished = true;
        out.push(new UnparsedChunk<T>(data, displayName));
        continue;
      }
      const chunk = parseChunk<ChunkLike>(data, displayName);
      if (chunk.error) {
        throw new ProviderError('server', chunk.error.message ?? 'stream error', {
          type: chunk.error.type,
        });
      }
      if (chunk.choices?.some((c) => c.finish_reason)) finished = true;
      out.push({ chunk: chunk as T, raw: data, reportsNoUsage: !chunk.usage });
    }
    return out;
  };
  /**
   * What `pushWire` returns when `bytes` are whole events in the plain form (each one `data: `
   * line of a JSON object, LF line ends), with no error, no `\u` escape and no finish_reason that
   * is neither null nor a string: the runs of events between those that may report usage as
   * `wire` events, those as chunks, and no `[DONE]`. Undefined for anything else, before any
   * state changes: `push` then decodes the same bytes.
   */
  const wireEvents = (bytes: Uint8Array): StreamEvent<T>[] | undefined => {
    const n = bytes.length;
    if (n < 8 || bytes[n - 1] !== LF || bytes[n - 2] !== LF || !sse.idle) return undefined;
    // Latin-1 gives one character per byte, so positions in it are positions in `bytes`, and
    // the ASCII searched for is never part of a multi-byte UTF-8 character.
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, n).toString('latin1');
    if (text.includes('\r') || text.includes('rror"') || text.includes('\\u')) return undefined;
    // A `[DONE]` at the end says the stream is complete, which is all a finish_reason is read for
    // here: a chunk whose finish_reason is odd is forwarded as it is, as it would be once parsed.
    const finish = finished || text.endsWith(DONE_EVENT) ? ORDINARY : finishKind(text);
    if (finish === PARSE) return undefined;
    const out: StreamEvent<T>[] = [];
    let usageAt = usageKeyAt(text, 0);
    let run = 0;
    let start = 0;
    let sawDone = false;
    while (start < n) {
      if (!text.startsWith('data: ', start)) return undefined;
      const from = start + 6;
      const newline = text.indexOf('\n', from);
      if (text.charCodeAt(newline + 1) !== LF) return undefined;
      if (newline - from === 6 && text.startsWith('[DONE]', from)) {
        if (newline + 2 !== n) return undefined;
        sawDone = true;
        break;
      }
      if (text.charCodeAt(from) !== OPEN_BRACE || text.charCodeAt(newline - 1) !== CLOSE_BRACE) {
        return undefined;
      }
      if (usageAt !== -1 && usageAt < newline) {
        if (start > run) out.push(new WireEvents<T>(bytes.subarray(run, start)));
        const data = Buffer.from(bytes.buffer, bytes.byteOffset + from, newline - from);
        out.push(new UnparsedChunk<T>(data.toString('utf8'), displayName));
        run = newline + 2;
        usageAt = usageKeyAt(text, run);
      }
      start = newline + 2;
    }
    if (start > run) out.push(new WireEvents<T>(bytes.subarray(run, start)));
    if (sawDone) done = true;
    if (finish === FINISHES) finished = true;
    sse.passedOver();
    return out;
  };
  return {
    push: (bytes) => translate(sse.push(bytes)),
    pushWire: (bytes) => wireEvents(bytes) ?? translate(sse.push(bytes)),
    end: () => {
      const rest = translate(sse.flush());
      if (!done && !finished) {
        throw new ProviderError('connection', `${displayName} stream ended before it was complete`);
      }
      return rest;
    },
  };
}

/** Whole events forwarded as the upstream sent them (see `StreamEvent.wire`). */
class WireEvents<T> implements StreamEvent<T> {
  readonly reportsNoUsage = true;

  constructor(readonly wire: Uint8Array) {}

  get chunk(): T {
    throw new Error('events forwarded as bytes are not one chunk');
  }
}

/**
 * A chunk forwarded by its raw JSON; parsed the first time its `chunk` is read. Its raw JSON has
 * no `\u` escape (`classifyChunk` checked), so its usage keys are found by a plain search.
 */
class UnparsedChunk<T> implements StreamEvent<T> {
  private parsed: T | undefined;

  constructor(
    readonly raw: string,
    private readonly displayName: string,
  ) {}

  get chunk(): T {
    this.parsed ??= parseChunk<T>(this.raw, this.displayName);
    return this.parsed;
  }

  get reportsNoUsage(): boolean {
    return !usageKeyNotNull(this.raw);
  }
}

const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const COLON = 58;
const QUOTE = 34;
const LF = 10;
const DONE_EVENT = 'data: [DONE]\n\n';
/** The tail of `"finish_reason"`: searching from its rare `_` is several times faster. */
const FINISH_TAIL = '_reason"';
const FINISH_HEAD = '"finish';

/** `classifyChunk`: forwarded as it is, forwarded and ending the content, or parsed. */
const ORDINARY = 0;
const FINISHES = 1;
const PARSE = 2;

/**
 * ORDINARY when parsing `data` could not fail the stream or end it: it is braced like an object,
 * has no `"error"` (as a key or a value; inside a string its quotes would be escaped), no `\u`
 * escape (which could spell either key another way), and, until the stream has finished, every
 * `"finish_reason"` is null. FINISHES when all of that holds but a finish_reason is not null: the
 * chunk ends the content and needs no parsing to say so. PARSE for anything else. Each test is one
 * native string search; together they cost about a seventh of a `JSON.parse` of the chunk.
 */
function classifyChunk(data: string, finished: boolean, plain: boolean): number {
  if (data.charCodeAt(0) !== OPEN_BRACE || data.charCodeAt(data.length - 1) !== CLOSE_BRACE) {
    return PARSE;
  }
  // `rror"` is in every `"error"`, and is found faster than it. `plain`: neither is anywhere in
  // the text this chunk came from.
  if (!plain && (data.includes('rror"') || data.includes('\\u'))) return PARSE;
  return finished ? ORDINARY : finishKind(data);
}

/**
 * FINISHES when `text` has a `"finish_reason"` key whose value is a string, PARSE when one has a
 * value that is neither a string nor null, else ORDINARY. Inside a JSON string the key's quotes
 * would be escaped, so every match is a key.
 */
function finishKind(text: string): number {
  let kind = ORDINARY;
  for (let at = text.indexOf(FINISH_TAIL); at !== -1; at = text.indexOf(FINISH_TAIL, at + 1)) {
    if (!text.startsWith(FINISH_HEAD, at - FINISH_HEAD.length)) continue;
    let i = skipSpace(text, at + FINISH_TAIL.length);
    if (text.charCodeAt(i) !== COLON) return PARSE;
    i = skipSpace(text, i + 1);
    if (text.startsWith('null', i)) continue;
    // A finish reason is a string; anything else is unusual enough to parse.
    if (text.charCodeAt(i) !== QUOTE) return PARSE;
    kind = FINISHES;
  }
  return kind;
}

/** The tail of `"usage"`, searched for without its leading quote (faster), which is then checked. */
const USAGE_TAIL = 'usage"';

/**
 * Whether an unparsed chunk may report usage: true unless every `"usage"` key in it has the value
 * null. Asked for usage (which the gateway always asks an upstream for), OpenAI puts
 * `"usage":null` in every chunk and the counts in the last one only, so this one string search
 * spares the route parsing all the others. True, to be parsed, for a usage block and for any
 * `usage"` that is not a key followed by null. The text holds no `\u` escape that could spell
 * the key another way: `classifyChunk` sends such chunks to be parsed.
 */
function usageKeyNotNull(raw: string): boolean {
  return usageKeyAt(raw, 0) !== -1;
}

/** Where the first `usage"` from `from` on that is not a `"usage"` key set to null is; or -1. */
function usageKeyAt(text: string, from: number): number {
  for (
    let at = text.indexOf(USAGE_TAIL, from);
    at !== -1;
    at = text.indexOf(USAGE_TAIL, at + USAGE_TAIL.length)
  ) {
    if (text.charCodeAt(at - 1) !== QUOTE) return at;
    let i = skipSpace(text, at + USAGE_TAIL.length);
    if (text.charCodeAt(i) !== COLON) return at;
    i = skipSpace(text, i + 1);
    if (!text.startsWith('null', i)) return at;
  }
  return -1;
}

function skipSpace(text: string, from: number): number {
  let i = from;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return i;
    i++;
  }
}

function parseChunk<T>(data: string, displayName: string): T {
  let chunk: unknown;
  try {
    chunk = JSON.parse(data);
  } catch {
    throw new ProviderError('bad_response', `${displayName} sent a stream chunk that is not JSON`);
  }
  if (chunk === null || typeof chunk !== 'object' || Array.isArray(chunk)) {
    throw new ProviderError(
      'bad_response',
      `${displayName} sent a stream chunk that is not an object`,
    );
  }
  return chunk as T;
}
