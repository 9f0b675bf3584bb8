/**
 * The money of one call, from admission to booking. The proxy opens a Tab before it routes:
 * the scopes that pay for the call (key, user, team, its organization, team member, customer,
 * per-model limits of the key) are asked for a reservation of the worst-case cost, which may lower `max_tokens`.
 * When the call ends, however it ends, `close` prices the real usage, settles the reservation
 * and books a spend-log entry. HTTP-framework-free.
 */
import type { Attribution } from '../contracts/attribution.js';
import type { Principal } from '../auth/principal.js';
import type { Deployment } from '../contracts/deployment.js';
import type { Usage } from '../contracts/openai.js';
import type { LoadedCustomer } from '../store/customer-repository.js';
import type { LoadedTag } from '../store/tag-repository.js';
import type { KeyRecord } from '../store/key-repository.js';
import type { TeamMemberRecord, TeamRecord } from '../store/team-repository.js';
import { BudgetCalendar } from './budget-calendar.js';
import { counterKey } from './counter-store.js';
import { modelBudgetFor } from './model-budgets.js';
import type { RouteBudgets } from './route-budgets.js';
import type {
  Admission,
  Admitted,
  CallType,
  MediaUnits,
  Pricing,
  Scope,
  SpendLedger,
  TokenPrices,
} from './types.js';

/** Output tokens assumed for a call that names no `max_tokens` and whose model has no known limit. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 4096;

export interface MeterDeps {
  pricing: Pricing;
  admission?: Admission;
  ledger?: SpendLedger;
  /** The customer record of a request's `user` field, when cached (read synchronously). */
  customer?: (userId: string) => LoadedCustomer | null | undefined;
  /** The tags stored with `/tag/new` (src/spend/stored-tags.ts); `active` when there are any. */
  tags?: { readonly active: boolean; get(name: string): LoadedTag | undefined };
  /** `max_end_user_budget`: the budget of end users that have none of their own. */
  maxEndUserBudget?: number;
  /** An upper bound of the prompt's tokens, cheap enough to run on every request. */
  promptTokenBound: (body: object, callType: CallType) => number;
  /** When budget windows end (per-model budgets' among them); unaligned by default. */
  calendar?: BudgetCalendar;
  now?: () => number;
  /** `store_prompts_in_spend_logs`: a booked call keeps what it asked and answered. */
  storePrompts?: boolean;
  /** Provider and deployment budgets (routing filters): every booked cost counts toward them. */
  routeBudgets?: RouteBudgets;
}

export interface OpenTab {
  requestId: string;
  callType: CallType;
  principal: Principal;
  body: Record<string, unknown>;
  /** The deployments the call may go to: the worst case takes the dearest of them. */
  candidates: readonly Deployment[];
  /** The request's abort signal, made only if admission has to wait (see AdmissionRequest). */
  abortSignal?: () => AbortSignal | undefined;
  /** What the call is known to hold before it starts: the seconds of audio a transcription hears. */
  units?: MediaUnits;
  /** Its customer and header tags (src/server/attribution.ts). */
  attribution?: Attribution;
}

export interface CloseTab {
  deployment: Deployment;
  group: string;
  usage: Usage | undefined;
  status: 'success' | 'failure';
  startedAt: number;
  /** Images generated (and their pixels), for deployments priced by the image. */
  units?: MediaUnits;
  /** The answer came from the response cache under this key: it costs nothing. */
  cacheKey?: string;
  /** Why a failed call failed. */
  error?: string;
  /** The answer as JSON text, made only when the call's request and answer are kept. */
  response?: () => string | undefined;
  /** The guardrails the call ran, for its spend log row. */
  guardrails?: readonly string[];
}

/** The part of the body that names the output cap, by call type (Anthropic requires it). */
const MAX_TOKENS_FIELDS = ['max_completion_tokens', 'max_tokens', 'max_output_tokens'] as const;

/** Calls that produce no output tokens: their worst case is their input. */
const INPUT_ONLY_CALLS: ReadonlySet<CallType> = new Set(['aembedding', 'amoderation', 'arerank']);

/**
 * The audio tokens a token-priced speech model (gpt-4o-mini-tts) answers per character read:
 * OpenAI bills ~1,250 audio tokens a minute, and speech runs ~14 characters a second; providers
 * do not report them for an audio answer, so this is what is reserved and billed.
 */
export const SPEECH_AUDIO_TOKENS_PER_CHARACTER = 1.5;

/** Documents a rerank search covers (Cohere's search unit). */
export const DOCUMENTS_PER_SEARCH = 100;

/**
 * The most output tokens a token-priced image model spends on one image: gpt-image-1 at high
 * quality and 1024 × 1536 or 1536 × 1024, by OpenAI's table.
 */
export const IMAGE_OUTPUT_TOKENS = 6240;
/** The largest image OpenAI's image models draw (dall-e-3's 1792 × 1024). */
const LARGEST_IMAGE_PIXELS = 1792 * 1024;
/** OpenAI's default `size` (dall-e-2, dall-e-3): what an image without one is priced at. */
export const DEFAULT_IMAGE_PIXELS = 1024 * 1024;

/**
 * A transcription's worst case by the second of audio: OpenAI bills gpt-4o-transcribe ~1,000
 * audio tokens a minute (~16.7 a second; 20 reserved), and speech runs ~150 words, ~200 tokens,
 * a minute (10 reserved a second for the transcript).
 */
export const AUDIO_TOKENS_PER_SECOND = 20;
export const TRANSCRIPT_TOKENS_PER_SECOND = 10;

/** What a transcription of `seconds` of audio may cost at most besides its prompt text. */
function transcriptionWorstCase(seconds: number, prices: TokenPrices) {
  const perSecond = (prices.inputPerSecond ?? 0) + (prices.outputPerSecond ?? 0);
  return {
    cost:
      seconds * (perSecond || (prices.audioPerSecond ?? 0)) +
      Math.ceil(seconds * AUDIO_TOKENS_PER_SECOND) * prices.inputAudioPerToken,
    outputTokens: Math.ceil(seconds * TRANSCRIPT_TOKENS_PER_SECOND),
  };
}

/**
 * Token-priced rerankers (Voyage) bill the query once per document: the bound counts it once, so
 * the other times are added here (bytes bound tokens).
 */
function rerankQueryRepeats(input: OpenTab): number {
  const { query, documents } = input.body;
  if (input.callType !== 'arerank' || typeof query !== 'string' || !Array.isArray(documents)) {
    return 0;
  }
  return Buffer.byteLength(query, 'utf8') * Math.max(0, documents.length - 1);
}

/** Characters of a text as providers count them for speech: Unicode code points. */
export function characterCount(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // A high surrogate followed by a low one is one character.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}

/** Pixels of one image of `size` (`1024x1024`); undefined for `auto` or anything else. */
export function imagePixels(size: unknown): number | undefined {
  if (typeof size !== 'string') return undefined;
  const match = /^(\d{1,5})x(\d{1,5})$/.exec(size);
  return match ? Number(match[1]) * Number(match[2]) : undefined;
}

/** What an image generation may cost at most besides its prompt: its `n` images at their size. */
function imageWorstCase(body: Record<string, unknown>, prices: TokenPrices) {
  const n = typeof body.n === 'number' && body.n > 0 ? body.n : 1;
  const pixels = imagePixels(body.size) ?? LARGEST_IMAGE_PIXELS;
  return {
    cost: n * ((prices.outputPerImage ?? 0) + pixels * (prices.inputPerPixel ?? 0)),
    outputTokens: n * IMAGE_OUTPUT_TOKENS,
  };
}

/** The scopes a key holds for one model it is asked for, and the budget entry among them. */
interface ModelScopes {
  scopes: readonly Scope[];
  /** The `model_max_budget` entry that governs the model, and the window its spend counts in. */
  budget?: { model: string; scope: Scope };
}

const NO_MODEL_SCOPES: ModelScopes = { scopes: [] };

export class Meter {
  private readonly now: () => number;
  private readonly calendar: BudgetCalendar;
  /** Each cached principal's own scopes (see `principalScopes`). */
  private readonly ownScopes = new WeakMap<
    Principal,
    { scopes: readonly Scope[]; until: number }
  >();
  /** Each stored tag's scope, made once per read of the tags (a new read makes new objects). */
  private readonly tagScopes = new WeakMap<LoadedTag, Scope>();
  /** Each cached principal's per-model scopes, by the model asked for (see `modelScopes`). */
  private readonly perModel = new WeakMap<Principal, Map<string, ModelScopes>>();

  constructor(private readonly deps: MeterDeps) {
    this.now = deps.now ?? Date.now;
    this.calendar = deps.calendar ?? BudgetCalendar.UNALIGNED;
  }

  /** Admits the call or throws the refusal; a sync Tab when nothing had to wait. */
  open(input: OpenTab): Tab | Promise<Tab> {
    const tagged = this.deps.tags?.active ? this.storedTagsOf(input) : undefined;
    const scopes = this.scopesOf(
      input.principal,
      input.body,
      input.attribution?.customerId,
      tagged?.scopes,
    );
    const startTime = this.now();
    const admission = this.deps.admission;
    if (!admission || scopes.length === 0) {
      return this.tab(input, undefined, startTime, tagged);
    }
    const prices = this.worstPrices(input.candidates);
    const promptTokens =
      this.deps.promptTokenBound(input.body, input.callType) + rerankQueryRepeats(input);
    const requested = requestedMaxTokens(input.body);
    const inputOnly = INPUT_ONLY_CALLS.has(input.callType);
    const image =
      input.callType === 'aimage_generation' ||
      input.callType === 'aimage_edit' ||
      input.callType === 'aimage_variation'
        ? imageWorstCase(input.body, prices)
        : undefined;
    const speech =
      input.callType === 'aspeech' && typeof input.body.input === 'string'
        ? characterCount(input.body.input) * (prices.inputPerCharacter ?? 0)
        : 0;
    const searches =
      input.callType === 'arerank' && Array.isArray(input.body.documents)
        ? Math.ceil(input.body.documents.length / DOCUMENTS_PER_SEARCH) *
          (prices.inputPerQuery ?? 0)
        : 0;
    const audio =
      input.callType === 'atranscription' || input.callType === 'atranslation'
        ? transcriptionWorstCase(input.units?.audioSeconds ?? 0, prices)
        : undefined;
    const spoken =
      input.callType === 'aspeech' && typeof input.body.input === 'string'
        ? Math.ceil(characterCount(input.body.input) * SPEECH_AUDIO_TOKENS_PER_CHARACTER)
        : undefined;
    const units = image ?? audio;
    const maxTokens = inputOnly
      ? 0
      : (units?.outputTokens ??
        spoken ??
        requested ??
        prices.maxOutputTokens ??
        DEFAULT_MAX_OUTPUT_TOKENS);
    const admitted = admission.admit({
      requestId: input.requestId,
      scopes,
      inputCost: promptTokens * prices.inputPerToken + (units?.cost ?? 0) + speech + searches,
      outputCostPerToken: inputOnly ? 0 : prices.outputPerToken,
      maxTokens,
      estimatedTokens: promptTokens,
      abortSignal: input.abortSignal,
    });
    return admitted instanceof Promise
      ? admitted.then((a) => this.tab(input, a, startTime, tagged))
      : this.tab(input, admitted, startTime, tagged);
  }

  private tab(
    input: OpenTab,
    admitted: Admitted | undefined,
    startTime: number,
    tagged: TaggedCall | undefined,
  ): Tab {
    const tab = new Tab(this, input, admitted, startTime);
    tab.tagged = tagged;
    return tab;
  }

  /** Prices a finished call and books it; returns the cost. Internal to Tab. */
  book(tab: Tab, end: CloseTab): number {
    const { pricing, ledger } = this.deps;
    const endTime = this.now();
    const usage = end.usage;
    const cost =
      end.cacheKey === undefined && (usage || end.units)
        ? pricing.costOf(end.deployment, usage ?? NO_USAGE, endTime - tab.startTime, end.units)
        : 0;
    tab.admitted?.settle(cost, usage?.total_tokens ?? 0);
    const routeSpend = this.deps.routeBudgets?.book(end.deployment, cost, endTime);
    if (!ledger) return cost;
    const { principal, body } = tab.input;
    const key = principal.key;
    const budget = key && this.modelScopes(principal, body.model).budget;
    const member = principal.teamMember && memberWindow(principal.teamMember, principal.team);
    ledger.book({
      requestId: tab.input.requestId,
      callType: tab.input.callType,
      appliedGuardrails: end.guardrails,
      keyHash: principal.keyHash,
      keyAlias: key?.key_alias ?? null,
      userId: principal.userId ?? null,
      teamId: principal.teamId ?? null,
      organizationId: principal.organization?.organization_id ?? null,
      customerId: tab.input.attribution?.customerId ?? null,
      tags: tab.tagged?.tags ?? tagsOf(body, key?.tags, tab.input.attribution),
      storedTags: tab.tagged?.names,
      model: end.deployment.model,
      modelGroup: end.group,
      deploymentId: end.deployment.id,
      provider: end.deployment.provider,
      apiBase: end.deployment.apiBase ?? null,
      promptTokens: usage?.prompt_tokens ?? 0,
      completionTokens: usage?.completion_tokens ?? 0,
      totalTokens: usage?.total_tokens ?? 0,
      cost,
      startTime: tab.startTime,
      endTime,
      status: end.status,
      cacheKey: end.cacheKey,
      metadata: logMetadataOf(body, tab.input.attribution),
      modelBudget: budget && {
        model: budget.model,
        resetAt: this.windowEnd(budget.scope, endTime),
      },
      memberResetAt: member ? this.windowAt(member.anchor, member.duration, endTime) : undefined,
      routeSpend,
      error: end.error,
      traceParent: tab.input.attribution?.traceParent,
      payload: this.deps.storePrompts
        ? { messages: promptOf(body), response: end.response?.() }
        : undefined,
    });
    return cost;
  }

  /**
   * The scopes a request is charged to, in the order LiteLLM checks them (the first out of money
   * names the refusal): key, the key's limits for the model, team, organization, team member,
   * user, customer, then the stored tags the call is booked under.
   * Not to be modified: without per-model limits, a customer or tags it is the principal's own
   * list.
   */
  scopesOf(
    principal: Principal,
    body: Record<string, unknown>,
    customerId: string | undefined,
    tagScopes: readonly Scope[] = NO_SCOPES,
  ): readonly Scope[] {
    const own = this.principalScopes(principal);
    const perModel = principal.key ? this.modelScopes(principal, body.model).scopes : [];
    const customer = customerId === undefined ? undefined : this.customerScope(customerId);
    if (perModel.length === 0 && !customer && tagScopes.length === 0) return own;
    const scopes: Scope[] = [];
    let rest = 0;
    if (own[0]?.kind === 'key') scopes.push(own[rest++]!);
    scopes.push(...perModel);
    for (; rest < own.length; rest++) scopes.push(own[rest]!);
    if (customer) scopes.push(customer);
    scopes.push(...tagScopes);
    return scopes;
  }

  /**
   * The stored tags among those the call is booked under (its key's, its request's, its
   * headers'), and the scopes of those whose budget or limits bind.
   */
  private storedTagsOf(input: OpenTab): TaggedCall {
    const stored = this.deps.tags!;
    const tags = tagsOf(input.body, input.principal.key?.tags, input.attribution);
    let names: string[] | undefined;
    let scopes: Scope[] | undefined;
    for (const name of tags) {
      const tag = stored.get(name);
      if (tag === undefined) continue;
      (names ??= []).push(name);
      let scope = this.tagScopes.get(tag);
      if (scope === undefined) {
        scope = tagScope(tag);
        this.tagScopes.set(tag, scope);
      }
      if (binds(scope)) (scopes ??= []).push(scope);
    }
    return { tags, names, scopes: scopes ?? NO_SCOPES };
  }

  /**
   * The scopes of the key, its team, team membership and user: the same for every request of a
   * principal, so made once per cached principal (a reloaded principal is a new object), until a
   * temporary budget increase of the key expires.
   */
  private principalScopes(principal: Principal): readonly Scope[] {
    const now = this.now();
    const memo = this.ownScopes.get(principal);
    if (memo && now < memo.until) return memo.scopes;
    const list: Scope[] = [];
    const { key, user, team, teamMember } = principal;
    let until = Infinity;
    if (key && principal.keyHash) {
      const temp = tempBudgetIncrease(key.metadata, now);
      if (temp) until = temp.until;
      // The key's own settings, else those of the shared budget it names (`budget_id`).
      const shared = principal.keyBudget;
      const maxBudget = key.max_budget ?? shared?.max_budget ?? null;
      list.push({
        kind: 'key',
        id: principal.keyHash,
        key: counterKey('key', principal.keyHash),
        label: keyLabel(key),
        alias: key.key_alias,
        userId: key.user_id,
        teamId: key.team_id,
        maxBudget: maxBudget === null ? null : maxBudget + (temp?.amount ?? 0),
        spend: key.spend,
        storedWritten: principal.storedWritten,
        budgetDuration: key.budget_duration ?? shared?.budget_duration ?? null,
        budgetResetAt: key.budget_reset_at,
        rpmLimit: key.rpm_limit ?? shared?.rpm_limit ?? null,
        tpmLimit: key.tpm_limit ?? shared?.tpm_limit ?? null,
        maxParallelRequests: key.max_parallel_requests ?? shared?.max_parallel_requests ?? null,
      });
    }
    if (team) {
      list.push({
        kind: 'team',
        id: team.team_id,
        key: counterKey('team', team.team_id),
        label: team.team_alias ?? team.team_id,
        alias: team.team_alias,
        maxBudget: team.max_budget,
        spend: team.spend,
        storedWritten: principal.storedWritten,
        budgetDuration: team.budget_duration,
        budgetResetAt: team.budget_reset_at,
        rpmLimit: team.rpm_limit,
        tpmLimit: team.tpm_limit,
        maxParallelRequests: team.max_parallel_requests,
      });
    }
    const { organization, organizationBudget: orgBudget } = principal;
    if (organization) {
      list.push({
        kind: 'organization',
        id: organization.organization_id,
        key: counterKey('organization', organization.organization_id),
        label: organization.organization_id,
        alias: organization.organization_alias,
        maxBudget: orgBudget?.max_budget ?? null,
        spend: organization.spend,
        storedWritten: principal.storedWritten,
        budgetDuration: orgBudget?.budget_duration ?? null,
        budgetResetAt: organization.budget_reset_at,
        rpmLimit: orgBudget?.rpm_limit ?? null,
        tpmLimit: orgBudget?.tpm_limit ?? null,
        maxParallelRequests: orgBudget?.max_parallel_requests ?? null,
      });
    }
    if (teamMember) {
      const id = `${teamMember.team_id}:${teamMember.user_id}`;
      const window = memberWindow(teamMember, team);
      // A membership's own budget and limits, else the team's defaults for its members.
      list.push({
        kind: 'team_member',
        id,
        key: counterKey('team_member', id),
        label: `${teamMember.user_id} in Team=${teamMember.team_id}`,
        maxBudget: teamMember.max_budget_in_team ?? team?.team_member_budget ?? null,
        spend: teamMember.spend,
        storedWritten: principal.storedWritten,
        budgetDuration: window?.duration ?? null,
        // Before its first window is stored, the spend there is counts toward the current one.
        budgetResetAt: window
          ? (teamMember.budget_reset_at ??
            this.windowAt(window.anchor, window.duration, this.now()))
          : null,
        rpmLimit: teamMember.rpm_limit ?? team?.team_member_rpm_limit ?? null,
        tpmLimit: teamMember.tpm_limit ?? team?.team_member_tpm_limit ?? null,
      });
    }
    if (user) {
      list.push({
        kind: 'user',
        id: user.user_id,
        key: counterKey('user', user.user_id),
        label: user.user_id,
        // LiteLLM holds a user's own budget against personal keys only, not team keys.
        maxBudget: principal.teamId ? null : user.max_budget,
        spend: user.spend,
        storedWritten: principal.storedWritten,
        budgetDuration: user.budget_duration,
        budgetResetAt: user.budget_reset_at,
        rpmLimit: user.rpm_limit,
        tpmLimit: user.tpm_limit,
        maxParallelRequests: user.max_parallel_requests,
      });
    }
    const scopes = list.filter(binds);
    this.ownScopes.set(principal, { scopes, until });
    return scopes;
  }

  /**
   * The key's limits for the model asked for: its `model_rpm_limit` / `model_tpm_limit` (in its
   * metadata, by the model's exact name), and the `model_max_budget` entry that governs the model
   * (with that entry's own rpm / tpm limits). One scope when both name the same model, so its
   * requests are counted once. Then the team's `model_rpm_limit` / `model_tpm_limit` for the
   * model, shared by all the team's keys, for the limits the key does not set itself. Made once
   * per cached principal and model.
   */
  private modelScopes(principal: Principal, model: unknown): ModelScopes {
    const key = principal.key!;
    const keyHash = principal.keyHash;
    if (typeof model !== 'string' || !keyHash) return NO_MODEL_SCOPES;
    let byModel = this.perModel.get(principal);
    let found = byModel?.get(model);
    if (found) return found;
    const limits = perModelLimits(key.metadata, model);
    const entry = modelBudgetFor(key.model_max_budget, model);
    const scopes: Scope[] = [];
    let budget: ModelScopes['budget'];
    if (limits) {
      const id = `${keyHash}:${model}`;
      scopes.push({
        kind: 'model_per_key',
        id,
        key: counterKey('model_per_key', id),
        label: model,
        model,
        spend: 0,
        ...limits,
      });
    }
    if (entry) {
      const id = `${keyHash}:${entry.model}`;
      const stored = principal.keyModelSpend?.get(entry.model);
      const duration = entry.followsKey ? key.budget_duration : entry.duration;
      // Windows are counted from the key's creation (a plain amount: from the key's own window)
      // until the first booking stores one, so every replica and every reload finds the same
      // window for the same instant.
      const anchor = entry.followsKey ? key.budget_reset_at : key.created_at;
      const windowed = Boolean(duration && anchor);
      const current = stored && (stored.budget_reset_at !== null) === windowed;
      const scope: Scope = {
        kind: 'model_per_key',
        id,
        key: counterKey('model_per_key', id),
        label:
          `LiteLLM Virtual Key: ${keyHash}, key_alias: ${key.key_alias ?? 'None'}, ` +
          `exceeded budget for model=${model}`,
        model,
        maxBudget: entry.maxBudget,
        spend: current ? stored.spend : 0,
        storedWritten: principal.storedWritten,
        budgetDuration: windowed ? duration : null,
        budgetResetAt: windowed ? (current ? stored.budget_reset_at : anchor) : null,
        rpmLimit: entry.rpmLimit,
        tpmLimit: entry.tpmLimit,
      };
      const same = scopes[0]?.id === id ? scopes.pop() : undefined;
      if (same) {
        scope.rpmLimit = same.rpmLimit ?? scope.rpmLimit;
        scope.tpmLimit = same.tpmLimit ?? scope.tpmLimit;
      }
      if (binds(scope)) scopes.push(scope);
      else if (same) scopes.push(same);
      if (entry.maxBudget !== null) budget = { model: entry.model, scope };
    }
    const team = principal.team;
    const teamLimits = team && perModelLimits(team.metadata, model);
    if (teamLimits) {
      // The key's own limit for the model, where it has one, overrides the team's (LiteLLM's
      // order: key metadata, then the key's model_max_budget, then the team's metadata).
      const keyRpm = scopes.some((s) => s.rpmLimit != null);
      const keyTpm = scopes.some((s) => s.tpmLimit != null);
      const id = `${team.team_id}:${model}`;
      const scope: Scope = {
        kind: 'model_per_team',
        id,
        key: counterKey('model_per_team', id),
        label: model,
        model,
        spend: 0,
        rpmLimit: keyRpm ? null : teamLimits.rpmLimit,
        tpmLimit: keyTpm ? null : teamLimits.tpmLimit,
      };
      if (binds(scope)) scopes.push(scope);
    }
    found = scopes.length === 0 && !budget ? NO_MODEL_SCOPES : { scopes, budget };
    if (!byModel) {
      byModel = new Map();
      this.perModel.set(principal, byModel);
    }
    // A client choosing model names at will must not grow this without bound.
    if (byModel.size >= MAX_MODELS_PER_PRINCIPAL) byModel.clear();
    byModel.set(model, found);
    return found;
  }

  /** ISO end of the window a per-model budget's spend at `at` belongs to; null: never resets. */
  private windowEnd(scope: Scope, at: number): string | null {
    return scope.budgetDuration
      ? this.windowAt(scope.budgetResetAt, scope.budgetDuration, at)
      : null;
  }

  /** ISO end of the window holding `at` of a stored window end (or anchor) and duration. */
  private windowAt(anchor: string | null | undefined, duration: string, at: number): string | null {
    const end = this.calendar.window(anchor, duration, at).resetAt;
    return end === null ? null : new Date(end).toISOString();
  }

  /** The scope of the end user a call is made for, when it binds. */
  private customerScope(customerId: string): Scope | undefined {
    const customer = this.deps.customer?.(customerId);
    const endUserBudget = this.deps.maxEndUserBudget;
    let scope: Scope | undefined;
    if (customer) {
      // Its own settings, else those of the shared budget it points to (`budget_id`).
      const shared = customer.budget;
      scope = {
        kind: 'customer',
        id: customer.user_id,
        key: counterKey('customer', customer.user_id),
        label: customer.user_id,
        maxBudget: customer.max_budget ?? shared?.max_budget ?? endUserBudget,
        spend: customer.spend,
        budgetDuration: customer.budget_duration ?? shared?.budget_duration ?? null,
        budgetResetAt: customer.budget_reset_at,
        rpmLimit: customer.rpm_limit ?? shared?.rpm_limit ?? null,
        tpmLimit: customer.tpm_limit ?? shared?.tpm_limit ?? null,
        maxParallelRequests:
          customer.max_parallel_requests ?? shared?.max_parallel_requests ?? null,
      };
    } else if (endUserBudget !== undefined) {
      // An end user the store does not know yet: the default budget, from no spend.
      scope = {
        kind: 'customer',
        id: customerId,
        key: counterKey('customer', customerId),
        label: customerId,
        maxBudget: endUserBudget,
        spend: 0,
      };
    }
    return scope && binds(scope) ? scope : undefined;
  }

  private worstPrices(candidates: readonly Deployment[]): TokenPrices {
    const { pricing } = this.deps;
    let worst: TokenPrices | undefined;
    for (const d of candidates) {
      const p = pricing.pricesFor(d);
      if (!worst) {
        worst = p;
        continue;
      }
      if (
        p.inputPerToken > worst.inputPerToken ||
        p.outputPerToken > worst.outputPerToken ||
        (p.maxOutputTokens ?? 0) > (worst.maxOutputTokens ?? 0) ||
        (p.outputPerImage ?? 0) > (worst.outputPerImage ?? 0) ||
        (p.inputPerPixel ?? 0) > (worst.inputPerPixel ?? 0) ||
        (p.inputPerCharacter ?? 0) > (worst.inputPerCharacter ?? 0) ||
        (p.inputPerQuery ?? 0) > (worst.inputPerQuery ?? 0) ||
        (p.inputPerSecond ?? 0) > (worst.inputPerSecond ?? 0) ||
        (p.outputPerSecond ?? 0) > (worst.outputPerSecond ?? 0) ||
        (p.audioPerSecond ?? 0) > (worst.audioPerSecond ?? 0) ||
        p.inputAudioPerToken > worst.inputAudioPerToken
      ) {
        worst = {
          ...worst,
          inputPerToken: Math.max(worst.inputPerToken, p.inputPerToken),
          outputPerToken: Math.max(worst.outputPerToken, p.outputPerToken),
          maxOutputTokens:
            Math.max(worst.maxOutputTokens ?? 0, p.maxOutputTokens ?? 0) || undefined,
          outputPerImage: Math.max(worst.outputPerImage ?? 0, p.outputPerImage ?? 0) || undefined,
          inputPerPixel: Math.max(worst.inputPerPixel ?? 0, p.inputPerPixel ?? 0) || undefined,
          inputPerCharacter:
            Math.max(worst.inputPerCharacter ?? 0, p.inputPerCharacter ?? 0) || undefined,
          inputPerQuery: Math.max(worst.inputPerQuery ?? 0, p.inputPerQuery ?? 0) || undefined,
          inputPerSecond: Math.max(worst.inputPerSecond ?? 0, p.inputPerSecond ?? 0) || undefined,
          outputPerSecond:
            Math.max(worst.outputPerSecond ?? 0, p.outputPerSecond ?? 0) || undefined,
          audioPerSecond: Math.max(worst.audioPerSecond ?? 0, p.audioPerSecond ?? 0) || undefined,
          inputAudioPerToken: Math.max(worst.inputAudioPerToken, p.inputAudioPerToken),
        };
      }
    }
    return worst ?? ZERO_PRICES;
  }
}

/** One call's reservation and the facts needed to book it. */
export class Tab {
  private closed = false;
  /** Its tags, when some tag is stored, with those stored (whose spend grows with the call). */
  tagged: TaggedCall | undefined = undefined;

  constructor(
    private readonly meter: Meter,
    readonly input: OpenTab,
    readonly admitted: Admitted | undefined,
    readonly startTime: number,
  ) {}

  /** `max_tokens` the call must be sent with because the budget cannot pay more. */
  get loweredMaxTokens(): number | undefined {
    return this.admitted?.loweredMaxTokens;
  }

  /** Rate-limit headers for the response (`x-ratelimit-remaining-requests`, ...). */
  get headers(): Record<string, string> | undefined {
    return this.admitted?.headers;
  }

  /** Prices, settles and books; the first call wins, later ones return 0. */
  close(end: CloseTab): number {
    if (this.closed) return 0;
    this.closed = true;
    return this.meter.book(this, end);
  }

  /** A call that never reached a provider: the reservation is released, nothing is booked. */
  release(): void {
    if (this.closed) return;
    this.closed = true;
    this.admitted?.settle(0, 0);
  }
}

/**
 * The budget window of a membership, when its budget resets: its own `budget_duration` or the
 * team's `team_member_budget_duration`, counted from its stored window, or from the membership's
 * start until the first booking stores one (so every replica finds the same window). The spend
 * a membership has before its first window is stored counts toward the window it is in.
 */
function memberWindow(
  member: Readonly<TeamMemberRecord>,
  team: Readonly<TeamRecord> | undefined,
): { duration: string; anchor: string } | undefined {
  const duration = member.budget_duration ?? team?.team_member_budget_duration ?? null;
  if (!duration) return undefined;
  return { duration, anchor: member.budget_reset_at ?? member.created_at };
}

/**
 * A key's `temp_budget_increase` while its `temp_budget_expiry` (in its metadata, where LiteLLM
 * keeps both) has not passed: added to its `max_budget` until then.
 */
function tempBudgetIncrease(
  metadata: Readonly<Record<string, unknown>>,
  now: number,
): { amount: number; until: number } | undefined {
  const amount = metadata.temp_budget_increase;
  const expiry = metadata.temp_budget_expiry;
  if (typeof amount !== 'number' || !(amount > 0) || typeof expiry !== 'string') return undefined;
  // A date-time without a zone (as Python writes a naive one) is UTC.
  const zoned = !expiry.includes('T') || /(Z|[+-]\d{2}:?\d{2})$/.test(expiry);
  const until = Date.parse(zoned ? expiry : `${expiry}Z`);
  return until > now ? { amount, until } : undefined;
}

/** Per-model scopes kept per principal; past this many models asked for, they are made again. */
const MAX_MODELS_PER_PRINCIPAL = 64;

/** How a budget refusal names a key: its alias and `sk-...XXXX`, or the latter alone. */
function keyLabel(key: Readonly<KeyRecord>): string {
  return key.key_alias
    ? `${key.key_alias} (${key.key_name ?? 'sk-...'})`
    : (key.key_name ?? 'sk-...');
}

/** The usage of a call priced only by its units (an image model that reports no tokens). */
const NO_USAGE: Usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };

const ZERO_PRICES: TokenPrices = {
  inputPerToken: 0,
  outputPerToken: 0,
  cacheReadPerToken: 0,
  cacheWritePerToken: 0,
  inputAudioPerToken: 0,
  known: false,
};

/** A stored tag as a scope: its limits are its budget's; its spend and window its own. */
function tagScope(tag: LoadedTag): Scope {
  const budget = tag.budget;
  return {
    kind: 'tag',
    id: tag.tag_name,
    key: counterKey('tag', tag.tag_name),
    label: tag.tag_name,
    maxBudget: budget?.max_budget ?? null,
    spend: tag.spend,
    budgetDuration: budget?.budget_duration ?? null,
    budgetResetAt: tag.budget_reset_at,
    rpmLimit: budget?.rpm_limit ?? null,
    tpmLimit: budget?.tpm_limit ?? null,
    maxParallelRequests: budget?.max_parallel_requests ?? null,
  };
}

const NO_SCOPES: readonly Scope[] = [];

/** A call's tags, read once when it opens while some tag is stored. */
interface TaggedCall {
  tags: readonly string[];
  /** Those of `tags` that are stored; undefined when none is. */
  names: string[] | undefined;
  /** The scopes of the stored ones whose budget or limits bind. */
  scopes: readonly Scope[];
}

function binds(scope: Scope): boolean {
  return (
    scope.maxBudget != null ||
    scope.rpmLimit != null ||
    scope.tpmLimit != null ||
    scope.maxParallelRequests != null
  );
}

function requestedMaxTokens(body: Record<string, unknown>): number | undefined {
  for (const field of MAX_TOKENS_FIELDS) {
    const value = body[field];
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  }
  return undefined;
}

/** The body with its output cap lowered to what the budget pays, in the field the client used. */
export function withMaxTokens<T extends object>(body: T, maxTokens: number): T {
  const record = body as Record<string, unknown>;
  const field =
    typeof record.max_completion_tokens === 'number'
      ? 'max_completion_tokens'
      : typeof record.max_output_tokens === 'number'
        ? 'max_output_tokens'
        : 'max_tokens';
  return { ...body, [field]: maxTokens };
}

function requestMetadata(body: Record<string, unknown>): Record<string, unknown> {
  const metadata = body.metadata;
  return metadata && typeof metadata === 'object' && !Array.isArray(metadata)
    ? (metadata as Record<string, unknown>)
    : {};
}

/**
 * What the spend log keeps of a request's metadata: its own, and the JSON of its
 * `x-litellm-spend-logs-metadata` header as `spend_logs_metadata` (LiteLLM's key) unless the body
 * sets that itself.
 */
function logMetadataOf(
  body: Record<string, unknown>,
  attribution: Attribution | undefined,
): Record<string, unknown> {
  const own = requestMetadata(body);
  const logged = attribution?.spendLogsMetadata;
  return logged === undefined || own.spend_logs_metadata !== undefined
    ? own
    : { ...own, spend_logs_metadata: logged };
}

/**
 * A request's own tags: `metadata.tags`, or `tags`, a list or one tag (LiteLLM takes both). They
 * are its spend tags and, under `enable_tag_filtering`, what it is routed by.
 */
export function requestTags(body: Record<string, unknown>): string[] {
  const raw = requestMetadata(body).tags ?? body.tags;
  if (typeof raw === 'string') return raw === '' ? [] : [raw];
  return Array.isArray(raw)
    ? raw.filter((t): t is string => typeof t === 'string' && t !== '')
    : [];
}

/** What a request is routed by under `enable_tag_filtering`: its body's tags, else its header's. */
export function routingTags(
  body: Record<string, unknown>,
  attribution: Attribution | undefined,
): string[] {
  const own = requestTags(body);
  return own.length === 0 && attribution?.headerTags ? attribution.headerTags : own;
}

/**
 * A call's spend tags, without duplicates: the key's own, the request's (its body's, else its
 * `x-litellm-tags` header's), and those of its other headers (`User-Agent: ...`).
 */
function tagsOf(
  body: Record<string, unknown>,
  keyTags: readonly string[] | undefined,
  attribution: Attribution | undefined,
): readonly string[] {
  const request = routingTags(body, attribution);
  const tracking = attribution?.trackingTags;
  if ((keyTags === undefined || keyTags.length === 0) && request.length === 0)
    return tracking ?? [];
  return [...new Set([...(keyTags ?? []), ...request, ...(tracking ?? [])])];
}

/** The key's `model_rpm_limit` / `model_tpm_limit` (in its metadata, as LiteLLM keeps them). */
function perModelLimits(
  metadata: Record<string, unknown>,
  model: unknown,
): Pick<Scope, 'rpmLimit' | 'tpmLimit'> | undefined {
  if (typeof model !== 'string') return undefined;
  const rpm = limitOf(metadata.model_rpm_limit, model);
  const tpm = limitOf(metadata.model_tpm_limit, model);
  return rpm === undefined && tpm === undefined ? undefined : { rpmLimit: rpm, tpmLimit: tpm };
}

function limitOf(table: unknown, model: string): number | undefined {
  if (!table || typeof table !== 'object') return undefined;
  const value = (table as Record<string, unknown>)[model];
  return typeof value === 'number' && value >= 0 ? value : undefined;
}

/** What a request asked: its messages (chat), input (embeddings, responses) or prompt. */
function promptOf(body: Record<string, unknown>): unknown {
  return body.messages ?? body.input ?? body.prompt ?? {};
}
