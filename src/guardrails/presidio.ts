/**
 * LiteLLM's Presidio guardrail (`guardrail: presidio`): each text goes to a Presidio analyzer
 * (`POST {analyzer}/analyze`), what it finds is filtered by the configured score thresholds and
 * deny list, an entity configured as BLOCK refuses the call, and the rest is replaced by the
 * anonymizer (`POST {anonymizer}/anonymize`, Presidio's default: `<PERSON>`, `<PHONE_NUMBER>`).
 *
 * Presidio not answering, or answering with an error, refuses the call (500): a guardrail the
 * operator relies on never lets a text through unchecked, unless the guardrail says
 * `unreachable_fallback: fail_open`.
 */
import { GatewayError } from '../errors/gateway-error.js';
import type { CallScope, Detection, FilterResult, TextChecker } from './content-filter.js';

export type PiiAction = 'MASK' | 'BLOCK';

export interface PresidioOptions {
  /** The guardrail's name, for the refusal's message. */
  name: string;
  /** Base URLs, each ending with `/`. */
  analyzerBase: string;
  anonymizerBase: string;
  /** `pii_entities_config`: the entities asked for, and what each does; empty = all, masked. */
  entities: Readonly<Record<string, PiiAction>>;
  /** `presidio_score_thresholds`: by entity type, or `ALL`. */
  thresholds: Readonly<Record<string, number>>;
  /** `presidio_entities_deny_list`: entity types whose findings are dropped. */
  denyList: readonly string[];
  /** `presidio_language`. */
  language: string;
  /** `presidio_ad_hoc_recognizers`: the file's recognizers, sent with every analysis. */
  adHocRecognizers?: readonly unknown[];
  /** `unreachable_fallback: fail_open`: a text Presidio could not check goes on as it is. */
  failOpen: boolean;
  /**
   * `output_parse_pii`: the request goes with numbered placeholders (`<PERSON_1>`) instead of the
   * anonymizer's, and the answer gets the originals back.
   */
  outputParsePii?: boolean;
  timeoutMs?: number;
}

/** One finding of the analyzer, as Presidio sends it (other fields are passed on as they are). */
interface AnalyzerResult {
  entity_type: string;
  start: number;
  end: number;
  score?: number;
  [field: string]: unknown;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** How much of an error body a message quotes. */
const QUOTED_BODY_CHARS = 200;

export class PresidioChecker implements TextChecker {
  readonly async = true;
  /** Told when Presidio could not check a text and it went on unchecked (fail_open). */
  onUnchecked: ((error: Error) => void) | undefined;
  private readonly asked: readonly string[];

  constructor(private readonly options: PresidioOptions) {
    this.asked = Object.keys(options.entities);
  }

  /** Placeholders are numbered across a call in the order of its texts. */
  get sequential(): boolean {
    return this.options.outputParsePii === true;
  }

  /** Whether the answer of a call this checked gets the originals back. */
  get restoresPii(): boolean {
    return this.options.outputParsePii === true;
  }

  async scan(text: string, call?: CallScope): Promise<FilterResult> {
    // Presidio refuses an empty text; there is nothing in it to find.
    if (text.trim() === '') return { text, detections: [], masked: {} };
    let findings: AnalyzerResult[];
    try {
      findings = this.kept(await this.analyze(text));
    } catch (error: unknown) {
      return this.unchecked(text, error as Error);
    }
    const detections: Detection[] = findings.map((f) => ({
      type: 'pii_entity',
      entity_type: f.entity_type,
      action: this.options.entities[f.entity_type] ?? 'MASK',
    }));
    const blocking = findings.find((f) => this.options.entities[f.entity_type] === 'BLOCK');
    if (blocking) {
      return {
        text,
        detections,
        masked: {},
        blocked: {
          error: `Blocked entity detected: ${blocking.entity_type} by Guardrail: ${this.options.name}. This entity is not allowed to be used in this request.`,
          entity_type: blocking.entity_type,
        },
      };
    }
    if (findings.length === 0) return { text, detections, masked: {} };
    const masked: Record<string, number> = {};
    for (const f of findings) masked[f.entity_type] = (masked[f.entity_type] ?? 0) + 1;
    if (this.options.outputParsePii && call) {
      return { text: numbered(text, findings, call), detections, masked };
    }
    let anonymized: string;
    try {
      anonymized = await this.anonymize(text, findings);
    } catch (error: unknown) {
      return this.unchecked(text, error as Error);
    }
    return { text: anonymized, detections, masked };
  }

  /** The findings that count: not deny-listed, and at or above their threshold. */
  private kept(findings: AnalyzerResult[]): AnalyzerResult[] {
    const { thresholds, denyList } = this.options;
    return findings.filter((f) => {
      if (denyList.includes(f.entity_type)) return false;
      const threshold = thresholds[f.entity_type] ?? thresholds.ALL;
      return threshold === undefined || (typeof f.score === 'number' && f.score >= threshold);
    });
  }

  private async analyze(text: string): Promise<AnalyzerResult[]> {
    const body: Record<string, unknown> = { text, language: this.options.language };
    if (this.asked.length > 0) body.entities = this.asked;
    if (this.options.adHocRecognizers) body.ad_hoc_recognizers = this.options.adHocRecognizers;
    const answer = await this.post('analyzer', `${this.options.analyzerBase}analyze`, body);
    if (!Array.isArray(answer)) {
      throw new Error('Presidio analyzer answered with something that is not a list of results');
    }
    return answer.filter(
      (item): item is AnalyzerResult =>
        typeof item === 'object' &&
        item !== null &&
        typeof (item as AnalyzerResult).entity_type === 'string' &&
        typeof (item as AnalyzerResult).start === 'number' &&
        typeof (item as AnalyzerResult).end === 'number',
    );
  }

  private async anonymize(text: string, findings: AnalyzerResult[]): Promise<string> {
    const answer = await this.post('anonymizer', `${this.options.anonymizerBase}anonymize`, {
      text,
      analyzer_results: findings,
    });
    const anonymized = (answer as { text?: unknown } | null)?.text;
    if (typeof anonymized !== 'string') {
      throw new Error('Presidio anonymizer answered without a text');
    }
    return anonymized;
  }

  private async post(service: string, url: string, body: unknown): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      });
    } catch (error: unknown) {
      const why =
        (error as Error).name === 'TimeoutError' ? 'did not answer in time' : 'is not reachable';
      throw new Error(`Presidio ${service} at ${url} ${why}`, { cause: error });
    }
    const text = await response.text();
    if (!response.ok) {
      throw new Error(
        `HTTP ${response.status} from Presidio ${service}: ${text.slice(0, QUOTED_BODY_CHARS)}`,
      );
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new Error(`Presidio ${service} answered with a body that is not JSON`);
    }
  }

  /** A text Presidio could not check: refused, or let through as it is with `fail_open`. */
  private unchecked(text: string, error: Error): FilterResult {
    if (this.options.failOpen) {
      this.onUnchecked?.(error);
      return { text, detections: [], masked: {} };
    }
    throw new GatewayError(
      'upstream_error',
      `Guardrail '${this.options.name}' could not check the text, so the call was not sent: ${error.message}`,
      { cause: error },
    );
  }
}

/**
 * The text with each finding replaced by a numbered placeholder of its type, left to right; of
 * findings that overlap, the one that starts first (the longer at the same start) is kept.
 */
function numbered(text: string, findings: readonly AnalyzerResult[], call: CallScope): string {
  const ordered = [...findings].sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let at = 0;
  for (const f of ordered) {
    if (f.start < at || f.end > text.length) continue;
    out += text.slice(at, f.start) + call.pii.tokenFor(f.entity_type, text.slice(f.start, f.end));
    at = f.end;
  }
  return out + text.slice(at);
}

/** A base URL as LiteLLM takes it: `http://` when no scheme is given, and a trailing `/`. */
export function presidioBase(value: string): string {
  const withScheme = /^https?:\/\//.test(value) ? value : `http://${value}`;
  return withScheme.endsWith('/') ? withScheme : `${withScheme}/`;
}
