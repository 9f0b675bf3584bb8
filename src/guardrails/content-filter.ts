/**
 * LiteLLM's built-in content filter (`guardrail: litellm_content_filter`): regex patterns
 * (prebuilt or the operator's own) and blocked words, each either blocking the text (the call is
 * refused) or masking what matched (`[EMAIL_REDACTED]`, `[KEYWORD_REDACTED]`). Runs on the gateway
 * itself, without any other service.
 *
 * Per text, patterns run first, in the order configured, then blocked words; the first match of
 * a BLOCK entry stops there. MASK entries replace every match, and later entries see the masked
 * text. Patterns match case-insensitively; a blocked word matches anywhere in the text, whatever
 * its case (inside longer words too), and a `*` in it stands for one character or none.
 */

export type FilterAction = 'BLOCK' | 'MASK';

export interface FilterPattern {
  /** The pattern's name: a prebuilt name, or a custom regex's `name` (`custom_regex` without). */
  name: string;
  /** The regular expression, as JavaScript source. */
  source: string;
  action: FilterAction;
}

export interface FilterWord {
  keyword: string;
  action: FilterAction;
  description?: string | null;
}

export interface ContentFilterOptions {
  patterns: readonly FilterPattern[];
  words: readonly FilterWord[];
  /** `pattern_redaction_format`: `{pattern_name}` is replaced by the name in capitals. */
  patternRedactionFormat?: string;
  /** `keyword_redaction_tag`. */
  keywordRedactionTag?: string;
}

/** Why a text was blocked: LiteLLM's detail (`error` is the message the client sees). */
export type BlockDetail =
  | { error: string; pattern: string }
  | { error: string; keyword: string; description: string | null }
  | { error: string; entity_type: string }
  /** A service's own finding (Bedrock's assessments). */
  | { error: string; [field: string]: unknown };

/** One thing found in a text, without the text itself. */
export type Detection =
  | { type: 'pattern'; pattern_name: string; action: FilterAction }
  | { type: 'blocked_word'; keyword: string; action: FilterAction; description: string | null }
  | { type: 'pii_entity'; entity_type: string; action: FilterAction };

export interface FilterResult {
  /** The text with what was masked replaced (the same string when nothing was). */
  text: string;
  /** Set when a BLOCK entry matched: the text must not go on. */
  blocked?: BlockDetail;
  detections: Detection[];
  /** Masked matches, by pattern name or `blocked_word`. */
  masked: Record<string, number>;
}

/**
 * What runs a guardrail on one text: the content filter here (synchronous, and able to say where
 * a streamed text may be cut), or a checker that asks another service (`async`).
 */
export interface TextChecker {
  /** True when `scan` answers with a promise (a call to another service). */
  readonly async?: boolean;
  /** The texts of a call must be scanned one after the other, in order (numbered placeholders). */
  readonly sequential?: boolean;
  /** `call`: what the checks of one call share (PII placeholders to put back in the answer). */
  scan(text: string, call?: CallScope): FilterResult | Promise<FilterResult>;
  /**
   * Checks every text of a call at once, in one request to the service (Bedrock's ApplyGuardrail),
   * as what it sends (`request`) or what it got back (`answer`); one result per text, in order.
   */
  scanAll?(texts: readonly string[], side: 'request' | 'answer'): Promise<FilterResult[]>;
  /** Set by checkers that can check a streamed text as it comes (see ContentFilter.safeCut). */
  safeCut?(text: string, cut: number): number;
}

/**
 * The originals behind the numbered placeholders a call's request was sent with
 * (`<PERSON_1>`, `<PHONE_NUMBER_2>`: Presidio's `output_parse_pii`), to put back in its answer.
 */
export class PiiTokens {
  private next = 1;
  readonly originals = new Map<string, string>();

  /** A new placeholder for `original`, of type `entity`; numbered across the whole call. */
  tokenFor(entity: string, original: string): string {
    const token = `<${entity}_${this.next++}>`;
    this.originals.set(token, original);
    return token;
  }
}

/** What the guardrail checks of one call share. */
export interface CallScope {
  pii: PiiTokens;
}

interface CompiledEntry {
  regex: RegExp;
  action: FilterAction;
  /** What replaces a match when masking. */
  mask: string;
  detection: Detection;
  block: BlockDetail;
  /** Key of `masked`. */
  counter: string;
}

export const DEFAULT_PATTERN_REDACTION_FORMAT = '[{pattern_name}_REDACTED]';
export const DEFAULT_KEYWORD_REDACTION_TAG = '[KEYWORD_REDACTED]';

export class ContentFilter implements TextChecker {
  private readonly entries: CompiledEntry[];

  constructor(options: ContentFilterOptions) {
    const format = options.patternRedactionFormat ?? DEFAULT_PATTERN_REDACTION_FORMAT;
    const tag = options.keywordRedactionTag ?? DEFAULT_KEYWORD_REDACTION_TAG;
    const patterns = options.patterns.map((p): CompiledEntry => ({
      regex: new RegExp(p.source, 'gi'),
      action: p.action,
      mask: format.replaceAll('{pattern_name}', p.name.toUpperCase()),
      detection: { type: 'pattern', pattern_name: p.name, action: p.action },
      block: { error: `Content blocked: ${p.name} pattern detected`, pattern: p.name },
      counter: p.name,
    }));
    // A keyword given twice counts once: the last entry wins (LiteLLM keeps them in a dict).
    const words = new Map<string, FilterWord>();
    for (const w of options.words) words.set(w.keyword.toLowerCase(), w);
    const keywords = [...words].map(([keyword, w]): CompiledEntry => {
      const description = w.description ?? null;
      return {
        regex: keywordRegex(keyword),
        action: w.action,
        mask: tag,
        detection: { type: 'blocked_word', keyword, action: w.action, description },
        block: {
          error: `Content blocked: keyword '${keyword}' detected${description ? ` (${description})` : ''}`,
          keyword,
          description,
        },
        counter: 'blocked_word',
      };
    });
    this.entries = [...patterns, ...keywords];
  }

  /** Checks one text; masks what MASK entries match, stops at the first BLOCK entry that does. */
  scan(text: string): FilterResult {
    let current = text;
    const detections: Detection[] = [];
    const masked: Record<string, number> = {};
    for (const entry of this.entries) {
      entry.regex.lastIndex = 0;
      if (!entry.regex.test(current)) continue;
      detections.push(entry.detection);
      if (entry.action === 'BLOCK') {
        return { text: current, blocked: entry.block, detections, masked };
      }
      entry.regex.lastIndex = 0;
      let count = 0;
      current = current.replace(entry.regex, () => {
        count += 1;
        return entry.mask;
      });
      masked[entry.counter] = (masked[entry.counter] ?? 0) + count;
    }
    return { text: current, detections, masked };
  }

  /**
   * The furthest place at or before `cut` that no match of any entry in `text` straddles: text
   * before it can be let go without cutting something the filter would catch in two.
   */
  safeCut(text: string, cut: number): number {
    let safe = cut;
    // Moving back past one match can land inside another's: again until nothing moves it.
    for (let moved = true; moved && safe > 0;) {
      moved = false;
      for (const entry of this.entries) {
        entry.regex.lastIndex = 0;
        for (const match of text.matchAll(entry.regex)) {
          const start = match.index;
          if (start >= safe) break;
          if (start + match[0].length > safe) {
            safe = start;
            moved = true;
          }
        }
      }
    }
    return safe;
  }
}

/** A blocked word as a case-insensitive search: literal, except `*` (one character or none). */
function keywordRegex(keyword: string): RegExp {
  const source = keyword
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.?');
  return new RegExp(source, 'gi');
}

/**
 * A custom pattern written for Python's `re` as JavaScript source: named groups `(?P<name>...)`
 * and their back references `(?P=name)` take JavaScript's spelling; the rest of the syntax is
 * common to both. Throws (with the reason) when the result is not a valid JavaScript regex.
 */
export function regexFromPython(pattern: string): string {
  const source = pattern.replace(/\(\?P<(\w+)>/g, '(?<$1>').replace(/\(\?P=(\w+)\)/g, '\\k<$1>');
  new RegExp(source, 'gi');
  return source;
}

/** The longest placeholder a restorer holds back while it may still be completed (`<…_12>`). */
const LONGEST_TOKEN = 64;

/**
 * Puts a call's originals back in its answer in place of the placeholders it was sent with; holds
 * back an unfinished `<…` at the end of a streamed text until it is complete.
 */
export class TokenRestorer implements TextChecker {
  constructor(private readonly tokens: PiiTokens) {}

  scan(text: string): FilterResult {
    let restored = text;
    if (restored.includes('<')) {
      for (const [token, original] of this.tokens.originals) {
        if (restored.includes(token)) restored = restored.replaceAll(token, original);
      }
    }
    return { text: restored, detections: [], masked: {} };
  }

  safeCut(text: string, cut: number): number {
    if (cut === 0) return 0;
    const open = text.lastIndexOf('<', cut - 1);
    if (open === -1) return cut;
    const close = text.indexOf('>', open);
    // A placeholder that ends before the cut goes whole; one the cut would split waits.
    if (close !== -1 && close < cut) return cut;
    const end = close === -1 ? text.length : close;
    return end - open <= LONGEST_TOKEN ? open : cut;
  }
}
