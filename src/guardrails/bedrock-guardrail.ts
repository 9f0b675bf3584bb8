/**
 * LiteLLM's Bedrock guardrail (`guardrail: bedrock`): a call's texts go, in one request, to AWS
 * Bedrock's ApplyGuardrail (`POST /guardrail/{id}/version/{version}/apply`, signed with SigV4 for
 * the `bedrock` service), as `INPUT` before the call and `OUTPUT` for its answer. A policy that
 * BLOCKED refuses the call (LiteLLM's `Violated guardrail policy`, with the blocking assessments,
 * their matched text redacted); masked texts (`{EMAIL}`, from Bedrock's `outputs`) replace the
 * originals. Bedrock refusing or not answering refuses the call: nothing goes unchecked.
 */
import { GatewayError } from '../errors/gateway-error.js';
import type { AwsSettings } from '../providers/bedrock/bedrock-signer.js';
import { signBedrockRequest } from '../providers/bedrock/bedrock-signer.js';
import type { FilterResult, TextChecker } from './content-filter.js';

export interface BedrockGuardrailOptions {
  name: string;
  identifier: string;
  version: string;
  aws: AwsSettings;
  /** The runtime's base URL; `https://bedrock-runtime.{region}.amazonaws.com` by default. */
  endpoint?: string;
  timeoutMs?: number;
}

interface AssessmentEntry {
  action?: string;
  match?: unknown;
  regex?: unknown;
  [field: string]: unknown;
}

interface ApplyGuardrailAnswer {
  action?: string;
  outputs?: { text?: string }[];
  assessments?: Record<string, Record<string, AssessmentEntry[] | null | undefined> | undefined>[];
}

const DEFAULT_TIMEOUT_MS = 10_000;

export class BedrockGuardrailChecker implements TextChecker {
  readonly async = true;
  private readonly url: string;

  constructor(private readonly options: BedrockGuardrailOptions) {
    const base = (
      options.endpoint ?? `https://bedrock-runtime.${options.aws.region}.amazonaws.com`
    ).replace(/\/+$/, '');
    this.url = `${base}/guardrail/${encodeURIComponent(options.identifier)}/version/${encodeURIComponent(options.version)}/apply`;
  }

  async scan(text: string): Promise<FilterResult> {
    const [result] = await this.scanAll([text], 'request');
    return result!;
  }

  async scanAll(texts: readonly string[], side: 'request' | 'answer'): Promise<FilterResult[]> {
    const checked = texts.filter((t) => t.trim() !== '');
    const unchanged = texts.map((text) => ({ text, detections: [], masked: {} }));
    // ApplyGuardrail refuses an empty content list; there is nothing to check.
    if (checked.length === 0) return unchanged;
    const answer = await this.apply(side === 'request' ? 'INPUT' : 'OUTPUT', checked);
    const outputs = (answer.outputs ?? []).map((o) => o.text ?? '');
    const blocking = blockingAssessments(answer);
    if (answer.action === 'GUARDRAIL_INTERVENED' && blocking.length > 0) {
      const blocked = {
        error: 'Violated guardrail policy',
        bedrock_guardrail_response: outputs.join(''),
        guardrailIdentifier: this.options.identifier,
        guardrailVersion: this.options.version,
        assessments: blocking,
      };
      return texts.map((text) => ({ text, detections: [], masked: {}, blocked }));
    }
    if (outputs.length === 0) return unchanged;
    // Bedrock's masked texts stand for the texts sent, one for one.
    const masked = new Map(checked.map((text, i) => [text, outputs[i] ?? text]));
    return texts.map((text) => ({ text: masked.get(text) ?? text, detections: [], masked: {} }));
  }

  private async apply(
    source: 'INPUT' | 'OUTPUT',
    texts: readonly string[],
  ): Promise<ApplyGuardrailAnswer> {
    const body = JSON.stringify({ source, content: texts.map((text) => ({ text: { text } })) });
    const headers = await signBedrockRequest(
      this.url,
      body,
      { 'content-type': 'application/json', accept: 'application/json' },
      this.options.aws,
    );
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      });
    } catch (error: unknown) {
      throw new GatewayError(
        'upstream_error',
        `Bedrock guardrail failed: ${this.options.name} could not reach ${this.url} (${(error as Error).message}); the call was not sent`,
        { cause: error },
      );
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const message = (parsed as { message?: unknown } | undefined)?.message;
      throw new GatewayError(
        'upstream_error',
        typeof message === 'string' && message !== ''
          ? message
          : `Bedrock guardrail request failed (HTTP ${response.status})`,
        { status: response.status },
      );
    }
    if (typeof parsed !== 'object' || parsed === null) {
      throw new GatewayError(
        'upstream_error',
        `Bedrock guardrail failed: ${this.options.name} answered with a body that is not JSON`,
      );
    }
    return parsed as ApplyGuardrailAnswer;
  }
}

/**
 * The assessment entries that BLOCKED, per policy, with what they matched redacted (the refusal
 * must not echo the text it refused).
 */
function blockingAssessments(answer: ApplyGuardrailAnswer): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  for (const assessment of answer.assessments ?? []) {
    for (const [policy, groups] of Object.entries(assessment)) {
      if (typeof groups !== 'object' || groups === null) continue;
      const matches: Record<string, unknown>[] = [];
      for (const [category, entries] of Object.entries(groups)) {
        if (!Array.isArray(entries)) continue;
        for (const entry of entries) {
          if (entry?.action !== 'BLOCKED') continue;
          matches.push({
            category,
            ...entry,
            ...('match' in entry && { match: '[REDACTED]' }),
            ...('regex' in entry && { regex: '[REDACTED]' }),
          });
        }
      }
      if (matches.length > 0) found.push({ policy, matches });
    }
  }
  return found;
}
