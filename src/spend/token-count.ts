/**
 * Token counts for money: exact counts with a tokenizer when an upstream reports no usage, and a
 * cheap upper bound of a request's prompt for reserving its worst-case cost before the call.
 *
 * The tokenizer (`gpt-tokenizer`, o200k_base) costs about half a second and 65 MB to load, so it
 * is loaded on first use only: most gateways never need it, since providers report usage.
 *
 * Its byte-pair merging takes time quadratic in the length of one pre-token, and a run of
 * letters, of punctuation or of whitespace is one pre-token: 100,000 times "a" took 9.6 s, and
 * 100,000 CJK characters 83 s, on the thread that serves every request. So a text is counted in
 * pieces (`countInPieces`): runs of LONG_RUN characters or more are cut every RUN_PIECE
 * characters (the count of such a run may then differ by a token or so per cut; ordinary text has
 * none), the rest in slices of at most SLICE_CHARS that end where a pre-token ends anyway (exact),
 * and the event loop turns between two slices.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ChatMessage } from '../contracts/openai.js';

type Tokenizer = typeof import('gpt-tokenizer');

function loadTokenizer(): Promise<Tokenizer> {
  // The module cache makes every later call resolve at once, without loading anything again.
  return import('gpt-tokenizer');
}

/** Tokens of a plain text (a completion's answer, a text-completion prompt). */
export async function countTextTokens(text: string): Promise<number> {
  if (text === '') return 0;
  const { countTokens } = await loadTokenizer();
  return countInPieces(text, countTokens);
}

/**
 * Prompt tokens of a chat request as OpenAI's chat format counts them (role and separator tokens
 * included, plus the tool definitions when given). Images and audio are not text: they are left
 * out, since their price depends on the provider's own rules.
 */
export async function countChatPromptTokens(
  messages: readonly ChatMessage[],
  tools?: readonly unknown[] | null,
): Promise<number> {
  const { encodeChat, countTokens } = await loadTokenizer();
  // The chat format's tokens, then each message's text: the format encodes the text on its own,
  // so the two add up to the count of the whole conversation.
  const texts = messages.map(messageText);
  const format = messages.map((m) =>
    m.name ? { role: m.role, name: m.name, content: '' } : { role: m.role, content: '' },
  );
  let total = encodeChat(format, 'gpt-4o').length;
  for (const text of texts) total += await countInPieces(text, countTokens);
  if (tools && tools.length > 0) total += await countInPieces(JSON.stringify(tools), countTokens);
  return total;
}

/** Runs of one character class this long are cut (see the top of this file)... */
const LONG_RUN = 128;
/** ...into pieces of this many characters (~0.04 ms each for CJK, the slowest script measured). */
const RUN_PIECE = 128;
/** The first long run in a text: letters and marks, punctuation and symbols, or whitespace. */
const FIRST_LONG_RUN = new RegExp(
  `([\\p{L}\\p{M}]{${LONG_RUN}})|([^\\s\\p{L}\\p{N}]{${LONG_RUN}})|(\\s{${LONG_RUN}})`,
  'u',
);
/** The whole of a run of each of those classes, from where it starts. */
const RUN_OF_CLASS = [/[\p{L}\p{M}]+/uy, /[^\s\p{L}\p{N}]+/uy, /\s+/uy];
/** Characters counted (or searched for long runs) between two turns of the event loop. */
const SLICE_CHARS = 16_384;

/**
 * `count` over `text`, piece by piece, letting the event loop turn between pieces. Ordinary text
 * goes in slices of at most SLICE_CHARS, each ending just before a whitespace character that
 * follows another character: no pre-token of o200k's pattern spans that point, so the slices'
 * counts add up to the whole text's. Long runs are counted RUN_PIECE characters at a time.
 */
export async function countInPieces(
  text: string,
  count: (text: string) => number,
): Promise<number> {
  if (text.length < LONG_RUN) return count(text);
  let total = 0;
  let from = 0;
  while (from < text.length) {
    const window = text.slice(from, from + SLICE_CHARS);
    const run = FIRST_LONG_RUN.exec(window);
    if (run) {
      if (run.index > 0) total += count(window.slice(0, run.index));
      const pattern = RUN_OF_CLASS[run[1] ? 0 : run[2] ? 1 : 2] as RegExp;
      pattern.lastIndex = from + run.index;
      const chars = pattern.exec(text)?.[0] ?? run[0];
      total += await countRun(chars, count);
      from += run.index + chars.length;
    } else if (from + window.length === text.length) {
      total += count(window);
      from = text.length;
    } else {
      const end = sliceEnd(window);
      total += count(window.slice(0, end));
      from += end;
    }
    if (from < text.length) await nextTurn();
  }
  return total;
}

async function countRun(chars: string, count: (text: string) => number): Promise<number> {
  let total = 0;
  for (let at = 0, pieces = 1; at < chars.length; pieces++) {
    const end = cutAt(chars, at + RUN_PIECE);
    total += count(chars.slice(at, end));
    at = end;
    if (pieces % 64 === 0) await nextTurn();
  }
  return total;
}

/** The last point of a slice before a whitespace character that follows another character. */
function sliceEnd(window: string): number {
  for (let end = window.length - 1; end > 0; end--) {
    if (isSpace(window, end) && !isSpace(window, end - 1)) return end;
  }
  // None (rare: the slice holds no long run): cut where it is.
  return cutAt(window, window.length - 1);
}

/** `at`, or one further when `at` would split a surrogate pair (an emoji, a rare CJK letter). */
function cutAt(text: string, at: number): number {
  const unit = text.charCodeAt(at);
  return unit >= 0xdc00 && unit <= 0xdfff ? at + 1 : at;
}

const SPACE = /\s/;
function isSpace(text: string, at: number): boolean {
  return SPACE.test(text[at] ?? '');
}

/** The text a message carries: its content's text parts, then its tool calls' names and arguments. */
function messageText(message: ChatMessage): string {
  let text = '';
  const { content } = message;
  if (typeof content === 'string') text = content;
  else if (Array.isArray(content)) {
    for (const part of content) if (typeof part.text === 'string') text += part.text;
  }
  for (const call of message.tool_calls ?? []) {
    const fn = call.function as { name?: unknown; arguments?: unknown } | undefined;
    if (typeof fn?.name === 'string') text += fn.name;
    if (typeof fn?.arguments === 'string') text += fn.arguments;
  }
  return text;
}

// ---------------------------------------------------------------------------------------------
// The upper bound, on every request: no tokenizer, one walk over the prompt's values.
// ---------------------------------------------------------------------------------------------

/** Chat-format tokens around the prompt (priming of the reply, start and end markers). */
const PROMPT_OVERHEAD = 16;
/** Separators around each object key and array element (role markers, JSON punctuation). */
const STRUCTURE_TOKENS = 4;
/** Digits of a number written in the prompt (a double prints in at most 24 characters). */
const NUMBER_TOKENS = 24;
/** Token-id arrays (`prompt: [1234, 5678]`): each id is one token; two leave a margin. */
const TOKEN_ID_TOKENS = 2;
/**
 * Images are billed by their size in pixels, not their bytes: a few hundred to a few thousand
 * tokens, whatever the file weighs. An inline image counts its bytes within these bounds; an image
 * given by URL, whose size is unknown, counts the upper one.
 */
export const IMAGE_MIN_TOKENS = 3_000;
export const IMAGE_MAX_TOKENS = 8_000;

/** Request fields whose content the provider turns into prompt tokens. */
const PROMPT_FIELDS = [
  'messages',
  'system',
  'instructions',
  'prompt',
  'suffix',
  'input',
  'tools',
  'functions',
  'tool_choice',
  'response_format',
  'text',
  // A rerank's query and documents.
  'query',
  'documents',
] as const;

/**
 * An upper bound of the prompt tokens of a chat, text-completion, embedding or Anthropic messages
 * request body, without running a tokenizer: every token of a byte-level BPE is at least one byte,
 * so the UTF-8 bytes of the text bound its tokens; object keys, separators and the chat format add
 * a fixed allowance each; images count within [IMAGE_MIN_TOKENS, IMAGE_MAX_TOKENS].
 */
export function promptTokenUpperBound(body: unknown): number {
  if (!isRecord(body)) return PROMPT_OVERHEAD;
  let total = PROMPT_OVERHEAD;
  for (const field of PROMPT_FIELDS) {
    const value = body[field];
    if (value === undefined || value === null) continue;
    total += field === 'prompt' || field === 'input' ? inputBound(value) : valueBound(value);
  }
  return total;
}

/** `prompt` / `input` may be token ids (`[1, 2]`, `[[1, 2], [3]]`) rather than text. */
function inputBound(value: unknown): number {
  if (Array.isArray(value) && value.length > 0) {
    const first: unknown = value[0];
    if (typeof first === 'number') return value.length * TOKEN_ID_TOKENS + STRUCTURE_TOKENS;
    if (Array.isArray(first) && typeof first[0] === 'number') {
      let total = 0;
      for (const ids of value as unknown[][]) {
        total += (Array.isArray(ids) ? ids.length * TOKEN_ID_TOKENS : 0) + STRUCTURE_TOKENS;
      }
      return total;
    }
  }
  return valueBound(value);
}

/**
 * The walk keeps its own stack: a prompt nests as deep as its JSON does, deeper than recursion may
 * safely go.
 */
function valueBound(root: unknown): number {
  let total = 0;
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === 'string') total += Buffer.byteLength(value, 'utf8');
    else if (typeof value === 'number') total += NUMBER_TOKENS;
    else if (typeof value === 'boolean') total += 1;
    else if (Array.isArray(value)) {
      total += STRUCTURE_TOKENS;
      for (const item of value) pending.push(item);
    } else if (isRecord(value)) {
      const image = imagePartBound(value);
      if (image !== undefined) {
        total += image + STRUCTURE_TOKENS;
        continue;
      }
      for (const key in value) {
        total += Buffer.byteLength(key, 'utf8') + STRUCTURE_TOKENS;
        pending.push(value[key]);
      }
    }
  }
  return total;
}

/** OpenAI `image_url` parts and Anthropic `image` blocks; undefined for any other object. */
function imagePartBound(part: Record<string, unknown>): number | undefined {
  if (part.type === 'image_url') {
    const image = part.image_url;
    const url = typeof image === 'string' ? image : isRecord(image) ? image.url : undefined;
    return imageBound(url, typeof url === 'string' && url.startsWith('data:'));
  }
  if (part.type === 'image' && isRecord(part.source)) {
    const { source } = part;
    return source.type === 'base64' ? imageBound(source.data, true) : imageBound(source.url, false);
  }
  return undefined;
}

function imageBound(payload: unknown, inline: boolean): number {
  if (!inline || typeof payload !== 'string') return IMAGE_MAX_TOKENS;
  // Base64 and data URLs are ASCII: their length is their byte count.
  return Math.min(IMAGE_MAX_TOKENS, Math.max(IMAGE_MIN_TOKENS, payload.length));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
