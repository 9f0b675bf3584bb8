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
  return {
    push: (bytes) => translate(sse.push(bytes)),
    end: () => {
      const rest = translate(sse.flush());
      if (!done && !finished) {
        throw new ProviderError('connection', `${displayName} stream ended before it was complete`);
      }
      return rest;
    },
  };
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
  if (finished) return ORDINARY;
  let kind = ORDINARY;
  for (let at = data.indexOf(FINISH_TAIL); at !== -1; at = data.indexOf(FINISH_TAIL, at + 1)) {
    if (!data.startsWith(FINISH_HEAD, at - FINISH_HEAD.length)) continue;
    let i = skipSpace(data, at + FINISH_TAIL.length);
    if (data.charCodeAt(i) !== COLON) return PARSE;
    i = skipSpace(data, i + 1);
    if (data.startsWith('null', i)) continue;
    // A finish reason is a string; anything else is unusual enough to parse.
    if (data.charCodeAt(i) !== QUOTE) return PARSE;
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
  for (
    let at = raw.indexOf(USAGE_TAIL);
    at !== -1;
    at = raw.indexOf(USAGE_TAIL, at + USAGE_TAIL.length)
  ) {
    if (raw.charCodeAt(at - 1) !== QUOTE) return true;
    let i = skipSpace(raw, at + USAGE_TAIL.length);
    if (raw.charCodeAt(i) !== COLON) return true;
    i = skipSpace(raw, i + 1);
    if (!raw.startsWith('null', i)) return true;
  }
  return false;
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
