/**
 * Guardrails on the request path, as LiteLLM runs them: which configured guardrails a call runs,
 * and running them on what it sends (`pre_call`, `during_call`) and on what it gets back
 * (`post_call`, streams included).
 *
 * A call runs every `default_on` guardrail, unless its key's or team's metadata (set by an admin)
 * says `disable_global_guardrails` or lists the guardrail in `opted_out_global_guardrails`, and
 * the guardrails it names: in the body's `guardrails` (or `metadata.guardrails`,
 * `litellm_metadata.guardrails`), as a list of names or a map by name, and in its key's and
 * team's `metadata.guardrails`. A request can add guardrails, never remove one its key or team
 * runs. A name the gateway does not have, or a guardrail of a kind it does not run, refuses the
 * call (LiteLLM ignores such names: the call would go out unchecked). A team whose metadata says
 * `guardrails: {modify_guardrails: false}` refuses calls that carry any guardrail field.
 *
 * `during_call` runs before the call like `pre_call`: a regex check takes microseconds, nothing
 * is gained by overlapping it with the provider's answer, and what it masks then surely stays out
 * of the request.
 */
import type { Principal } from '../auth/principal.js';
import { GatewayError } from '../errors/gateway-error.js';
import { PiiTokens, TokenRestorer, type CallScope, type FilterResult } from './content-filter.js';
import type { GuardrailDefinition, GuardrailMode } from './guardrail-config.js';
import { mapAnswerTexts, mapRequestTexts } from './guardrail-texts.js';

/** Request fields that ask for or turn off guardrails (a locked team refuses them all). */
const GUARDRAIL_FIELDS = [
  'guardrails',
  'disable_global_guardrails',
  'disable_global_guardrail',
  'opted_out_global_guardrails',
] as const;

/** Text of a streamed choice held back until it can no longer complete a match. */
export const STREAM_HOLDBACK_CHARS = 50;

export class Guardrails {
  private readonly byName: ReadonlyMap<string, GuardrailDefinition>;
  private readonly defaults: readonly GuardrailDefinition[];

  constructor(readonly definitions: readonly GuardrailDefinition[]) {
    this.byName = new Map(definitions.map((d) => [d.name, d]));
    this.defaults = definitions.filter((d) => d.defaultOn && d.filter !== undefined);
  }

  /**
   * The guardrails a call runs, or undefined when none does. Throws for a name the gateway does
   * not run and for a locked team's guardrail fields.
   */
  forRequest(body: object, principal: Principal): CallGuards | undefined {
    const request = body as Record<string, unknown>;
    const keyMeta = principal.key?.metadata;
    const teamMeta = principal.team?.metadata;
    const teamGuardrails = teamMeta?.guardrails;
    if (isObject(teamGuardrails) && teamGuardrails.modify_guardrails === false) {
      refuseLockedFields(request);
    }
    const asked = new Set<string>();
    addAsked(asked, request.guardrails, 'guardrails');
    addAsked(asked, metadataOf(request.metadata)?.guardrails, 'metadata.guardrails');
    addAsked(
      asked,
      metadataOf(request.litellm_metadata)?.guardrails,
      'litellm_metadata.guardrails',
    );
    addNames(asked, keyMeta?.guardrails);
    if (Array.isArray(teamGuardrails)) addNames(asked, teamGuardrails);
    if (asked.size === 0 && this.defaults.length === 0) return undefined;
    const disabled =
      (keyMeta?.disable_global_guardrails ?? teamMeta?.disable_global_guardrails) === true;
    const optedOut = new Set<string>();
    addNames(
      optedOut,
      keyMeta?.opted_out_global_guardrails ?? teamMeta?.opted_out_global_guardrails,
    );
    const running: GuardrailDefinition[] = [];
    for (const name of asked) {
      const found = this.byName.get(name);
      if (found === undefined) {
        throw new GatewayError(
          'bad_request',
          `Guardrail '${name}' is not configured on this gateway (${this.definitions.length > 0 ? `configured: ${this.definitions.map((d) => d.name).join(', ')}` : 'it has none'}); the call was not sent`,
          { param: 'guardrails' },
        );
      }
      if (found.filter === undefined) {
        throw new GatewayError(
          'bad_request',
          `Guardrail '${name}' (${found.kind}) is not one Tollgate runs; the call was not sent unchecked`,
          { param: 'guardrails' },
        );
      }
    }
    // In the configured order, which is the order they run in.
    for (const definition of this.definitions) {
      if (definition.filter === undefined) continue;
      const runs = definition.defaultOn
        ? asked.has(definition.name) || !(disabled || optedOut.has(definition.name))
        : asked.has(definition.name);
      if (runs) running.push(definition);
    }
    return running.length === 0 ? undefined : new CallGuards(running);
  }
}

/** The guardrails of one call. */
export class CallGuards {
  /** Run on what the call sends. */
  readonly input: readonly GuardrailDefinition[];
  /** Run on what it gets back. */
  readonly output: readonly GuardrailDefinition[];
  /** Some guardrail asks another service: the checks answer with a promise. */
  private readonly async: boolean;

  /** What the checks of this call share: the placeholders to put back in its answer. */
  private readonly scope: CallScope = { pii: new PiiTokens() };

  constructor(readonly running: readonly GuardrailDefinition[]) {
    this.input = running.filter((d) => d.modes.has('pre_call') || d.modes.has('during_call'));
    // A guardrail that sent placeholders puts the originals back first, before any other reads.
    const restorers = this.input
      .filter((d) => (d.filter as { restoresPii?: boolean } | undefined)?.restoresPii === true)
      .map((d): GuardrailDefinition => ({
        ...d,
        modes: new Set(['post_call']),
        filter: new TokenRestorer(this.scope.pii),
      }));
    this.output = [...restorers, ...running.filter((d) => d.modes.has('post_call'))];
    this.async = running.some((d) => d.filter?.async === true);
  }

  /** `x-litellm-applied-guardrails`: the guardrails that ran on the call, in order. */
  get names(): string[] {
    return [...new Set(this.running.map((d) => d.name))];
  }

  /** Whether every guardrail that reads answers can read a stream as it comes. */
  get readsStreams(): boolean {
    return this.output.every((d) => d.filter?.safeCut !== undefined && d.filter.async !== true);
  }

  /**
   * The request as it may be sent (masked), or the refusal of the first guardrail that blocks; a
   * promise only when a guardrail asks another service.
   */
  checkRequest<T extends object>(body: T): T | Promise<T> {
    const runs = this.input.map((guard) => ({
      guard,
      mode: (guard.modes.has('pre_call') ? 'pre_call' : 'during_call') as GuardrailMode,
    }));
    return this.async
      ? checkAsync(body, runs, mapRequestTexts, this.scope)
      : checkSync(body, runs, mapRequestTexts, this.scope);
  }

  /** The answer as it may be returned (masked), or the refusal. */
  checkAnswer<T extends object>(answer: T): T | Promise<T> {
    const runs = this.output.map((guard) => ({ guard, mode: 'post_call' as GuardrailMode }));
    return this.async
      ? checkAsync(answer, runs, mapAnswerTexts, this.scope)
      : checkSync(answer, runs, mapAnswerTexts, this.scope);
  }

  /** Filters a streamed answer's text as it goes; undefined when no guardrail reads answers. */
  streamFilter(): StreamFilter | undefined {
    return this.output.length === 0 ? undefined : new StreamFilter(this.output);
  }
}

type TextsMapper = <T extends object>(value: T, map: (text: string) => string) => T;
interface GuardRun {
  guard: GuardrailDefinition;
  mode: GuardrailMode;
}

function checkSync<T extends object>(
  value: T,
  runs: readonly GuardRun[],
  mapTexts: TextsMapper,
  scope: CallScope,
): T {
  let current = value;
  for (const { guard, mode } of runs) {
    current = mapTexts(current, (text) => passed(guard, mode, syncScan(guard, text, scope)).text);
  }
  return current;
}

/**
 * Each guardrail in turn; one that asks a service gets every distinct text at once, or one after
 * the other in order when it numbers what it finds across the call.
 */
async function checkAsync<T extends object>(
  value: T,
  runs: readonly GuardRun[],
  mapTexts: TextsMapper,
  scope: CallScope,
): Promise<T> {
  let current = value;
  for (const { guard, mode } of runs) {
    const texts = new Set<string>();
    mapTexts(current, (text) => {
      texts.add(text);
      return text;
    });
    const checked = new Map<string, string>();
    const check = async (text: string): Promise<void> => {
      checked.set(text, passed(guard, mode, await guard.filter!.scan(text, scope)).text);
    };
    const filter = guard.filter!;
    if (filter.scanAll) {
      const all = [...texts];
      const side = mode === 'post_call' ? 'answer' : 'request';
      const results = all.length === 0 ? [] : await filter.scanAll(all, side);
      all.forEach((text, i) => checked.set(text, passed(guard, mode, results[i]!).text));
    } else if (filter.sequential === true) {
      for (const text of texts) await check(text);
    } else {
      await Promise.all([...texts].map(check));
    }
    current = mapTexts(current, (text) => checked.get(text) ?? text);
  }
  return current;
}

function syncScan(guard: GuardrailDefinition, text: string, scope?: CallScope): FilterResult {
  const result = guard.filter!.scan(text, scope);
  if (result instanceof Promise) throw new Error(`guardrail ${guard.name} answered asynchronously`);
  return result;
}

/**
 * The text of each streamed choice, let go once no match can still be completed by what follows:
 * at most STREAM_HOLDBACK_CHARS are held, and never part of a match. Blocking ends the stream with
 * the refusal (the text that would have completed the match is not sent). Only for guardrails
 * that read streams (CallGuards.readsStreams).
 */
export class StreamFilter {
  /** Per choice index, the text received and not yet let go. */
  private readonly held = new Map<number, string>();

  constructor(private readonly guards: readonly GuardrailDefinition[]) {}

  /**
   * The text a choice may send now, given what it just received (`final`: nothing follows).
   * Throws the refusal when a guardrail blocks.
   */
  push(index: number, received: string, final: boolean): string {
    const text = (this.held.get(index) ?? '') + received;
    // Every guardrail sees the whole text it holds: a block is found before anything of it goes.
    let found = false;
    for (const guard of this.guards) {
      const result = passed(guard, 'post_call', syncScan(guard, text));
      // A restorer finds nothing in an unfinished placeholder, which its cut must not split.
      if (result.detections.length > 0 || result.text !== text) found = true;
      else if (guard.filter instanceof TokenRestorer) found = true;
    }
    let cut = final ? text.length : Math.max(0, text.length - STREAM_HOLDBACK_CHARS);
    // Nothing in the held text for any guardrail (most chunks): it goes as it is, unsearched again.
    if (!found) {
      this.held.set(index, text.slice(cut));
      return text.slice(0, cut);
    }
    for (const guard of this.guards) cut = guard.filter!.safeCut!(text, cut);
    this.held.set(index, text.slice(cut));
    return this.mask(text.slice(0, cut));
  }

  /** What every choice still holds, at the end of the stream. */
  flush(): Map<number, string> {
    const rest = new Map<number, string>();
    for (const [index, text] of this.held) if (text !== '') rest.set(index, this.mask(text));
    this.held.clear();
    return rest;
  }

  private mask(text: string): string {
    let current = text;
    for (const guard of this.guards) {
      current = passed(guard, 'post_call', syncScan(guard, current)).text;
    }
    return current;
  }
}

/** A guardrail's result for one text; throws LiteLLM's refusal when it blocks. */
function passed(
  guard: GuardrailDefinition,
  mode: GuardrailMode,
  result: FilterResult,
): FilterResult {
  if (result.blocked) {
    throw new GatewayError('guardrail_blocked', result.blocked.error, {
      details: { ...result.blocked, guardrail_name: guard.name, guardrail_mode: mode },
    });
  }
  return result;
}

function refuseLockedFields(request: Record<string, unknown>): void {
  for (const holder of [
    request,
    metadataOf(request.metadata),
    metadataOf(request.litellm_metadata),
  ]) {
    if (holder && GUARDRAIL_FIELDS.some((field) => field in holder)) {
      throw new GatewayError(
        'forbidden',
        'Your team does not have permission to modify guardrails.',
      );
    }
  }
}

/**
 * The guardrails a request names; anything else than a list of names (or of one-key maps), or a
 * map by name, is refused: a call that meant to ask for a guardrail must not go out unchecked.
 */
function addAsked(into: Set<string>, value: unknown, field: string): void {
  if (value === undefined || value === null) return;
  const valid = Array.isArray(value)
    ? value.every((item) => typeof item === 'string' || isObject(item))
    : isObject(value);
  if (!valid) {
    throw new GatewayError(
      'bad_request',
      `${field} must be a list of guardrail names, e.g. ["pii"]; got ${JSON.stringify(value)}`,
      { param: field },
    );
  }
  addNames(into, value);
}

/** Names from a list of names, a list of one-key maps, or a map by name. */
function addNames(into: Set<string>, value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) {
      if (typeof item === 'string') into.add(item);
      else if (isObject(item)) for (const name of Object.keys(item)) into.add(name);
    }
  } else if (isObject(value)) {
    for (const name of Object.keys(value)) into.add(name);
  }
}

/** Request metadata: an object, or JSON text of one (as multipart forms send it). */
function metadataOf(value: unknown): Record<string, unknown> | undefined {
  if (isObject(value)) return value;
  if (typeof value !== 'string' || !value.startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

interface StreamedChoice {
  index?: number;
  delta?: { content?: unknown } | null;
  text?: unknown;
  finish_reason?: unknown;
}

/**
 * A streamed chunk (chat or text completion) with each choice's text as `filter` lets it go; the
 * same chunk when nothing changed. A choice that finishes takes what was held for it.
 */
export function filterStreamChunk<T extends object>(filter: StreamFilter, chunk: T): T {
  const choices = (chunk as { choices?: unknown }).choices;
  if (!Array.isArray(choices)) return chunk;
  let copy: unknown[] | undefined;
  choices.forEach((raw: unknown, i) => {
    if (!isObject(raw)) return;
    const choice = raw as StreamedChoice;
    const final = choice.finish_reason !== null && choice.finish_reason !== undefined;
    const index = typeof choice.index === 'number' ? choice.index : i;
    const delta = choice.delta;
    if (isObject(delta) && (typeof delta.content === 'string' || final)) {
      const received = typeof delta.content === 'string' ? delta.content : '';
      const sent = filter.push(index, received, final);
      if (sent !== delta.content && !(sent === '' && delta.content === undefined)) {
        (copy ??= [...choices])[i] = { ...choice, delta: { ...delta, content: sent } };
      }
    } else if (typeof choice.text === 'string') {
      const sent = filter.push(index, choice.text, final);
      if (sent !== choice.text) (copy ??= [...choices])[i] = { ...choice, text: sent };
    }
  });
  return copy ? ({ ...chunk, choices: copy } as T) : chunk;
}

/** Chunks carrying what `filter` still held when the stream ended, shaped after `last`. */
export function flushedChunks(filter: StreamFilter, last: object | undefined): object[] {
  const base = (last ?? {}) as {
    id?: unknown;
    object?: unknown;
    created?: unknown;
    model?: unknown;
  };
  const completion = base.object === 'text_completion';
  return [...filter.flush()].map(([index, text]) => ({
    id: base.id,
    object: base.object ?? 'chat.completion.chunk',
    created: base.created,
    model: base.model,
    choices: [
      completion
        ? { index, text, finish_reason: null }
        : { index, delta: { content: text }, finish_reason: null },
    ],
  }));
}

/**
 * `raw`, the upstream's JSON text of `before`, rewritten for `after` (a chunk `filterStreamChunk`
 * changed) by replacing only the first choice's content string, so the rest of the event is not
 * serialised again; undefined when that cannot be done safely (the content written another way
 * than `JSON.stringify` writes it, found more or less than once, or another field changed).
 */
export function splicedChunkText(
  raw: string | undefined,
  before: object,
  after: object,
): string | undefined {
  if (raw === undefined) return undefined;
  const was = (before as { choices?: StreamedChoice[] }).choices;
  const now = (after as { choices?: StreamedChoice[] }).choices;
  if (!was || !now || was.length !== 1 || now.length !== 1) return undefined;
  const old = was[0]!.delta?.content;
  const next = now[0]!.delta?.content;
  if (typeof old !== 'string' || typeof next !== 'string') return undefined;
  const search = `"content":${JSON.stringify(old)}`;
  const at = raw.indexOf(search);
  if (at === -1 || raw.indexOf(search, at + 1) !== -1) return undefined;
  return raw.slice(0, at) + `"content":${JSON.stringify(next)}` + raw.slice(at + search.length);
}
