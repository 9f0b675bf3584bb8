/**
 * The seams of the money path, in the order a request meets them:
 *
 *   price (Pricing) → admit (Admission over a CounterStore) → dispatch → settle → book (SpendLedger)
 *
 * Each seam has one job and knows nothing of HTTP: the proxy builds the scopes that apply to a
 * request, asks Admission for a reservation of the call's worst-case cost, calls the provider, and
 * at the end settles the reservation at the real cost and books a SpendEntry. Every exit path
 * settles (success, upstream error, timeout, client disconnect, a stream cut short).
 */
import type { Deployment } from '../contracts/deployment.js';
import type { Usage } from '../contracts/openai.js';
import type { RouteSpendTarget } from './route-budgets.js';

/** What kind of call is priced and logged (`call_type` in the spend log, LiteLLM's names). */
export type CallType =
  | 'acompletion'
  | 'atext_completion'
  | 'aembedding'
  | 'anthropic_messages'
  | 'aresponses'
  | 'amoderation'
  | 'aimage_generation'
  | 'aimage_edit'
  | 'aimage_variation'
  | 'aspeech'
  | 'atranscription'
  | 'atranslation'
  | 'arerank';

// ---------------------------------------------------------------------------------------------
// Pricing
// ---------------------------------------------------------------------------------------------

/** USD per token (or per second) of one deployment: config overrides first, then the price table. */
export interface TokenPrices {
  inputPerToken: number;
  outputPerToken: number;
  /** Prompt tokens read from the provider's cache; defaults to `inputPerToken` when unpriced. */
  cacheReadPerToken: number;
  /** Prompt tokens written to the provider's cache (Anthropic). */
  cacheWritePerToken: number;
  inputPerSecond?: number;
  outputPerSecond?: number;
  /** USD per image generated, and per pixel of the images asked for (`size` × `n`). */
  outputPerImage?: number;
  inputPerPixel?: number;
  /** USD per character of a speech call's input text. */
  inputPerCharacter?: number;
  /** USD per rerank search (Cohere's search unit: a query over up to 100 documents). */
  inputPerQuery?: number;
  /** USD per second of audio transcribed, from the price table (whisper-1). */
  audioPerSecond?: number;
  /** USD per prompt token of audio (gpt-4o-transcribe); the input price when unknown. */
  inputAudioPerToken: number;
  /** The model's maximum output tokens when the table knows it: the worst case of a call. */
  maxOutputTokens?: number;
  /** False when neither the config nor the table has a price: the call costs 0 (flagged once). */
  known: boolean;
}

/** What a call produced or was asked for besides tokens, priced by the unit (images, speech). */
export interface MediaUnits {
  /** Images generated. */
  images?: number;
  /** Pixels of the images asked for: width × height of `size`, times `n`. */
  pixels?: number;
  /** Characters of the text a speech call reads out. */
  characters?: number;
  /** Rerank searches (Cohere's `billed_units.search_units`). */
  queries?: number;
  /**
   * Seconds of audio a transcription heard: per-second prices bill these instead of the call's
   * duration (LiteLLM's whisper prices are per second of audio).
   */
  audioSeconds?: number;
}

export interface Pricing {
  pricesFor(deployment: Deployment): TokenPrices;
  /**
   * USD cost of a finished call from its real usage (cached, cache-write and reasoning tokens
   * included), its duration (per-second prices) and its media units (per-image prices).
   */
  costOf(deployment: Deployment, usage: Usage, durationMs: number, units?: MediaUnits): number;
}

// ---------------------------------------------------------------------------------------------
// Admission: budgets and rate limits for every scope that applies, in one atomic step
// ---------------------------------------------------------------------------------------------

export type ScopeKind =
  | 'key'
  | 'user'
  | 'team'
  | 'team_member'
  | 'organization'
  | 'customer'
  | 'model_per_key'
  | 'model_per_team'
  | 'tag';

/** One budget / rate-limit holder that a request is charged to. */
export interface Scope {
  kind: ScopeKind;
  /**
   * Key hash, user id, team id, `teamId:userId`, customer id, `keyHash:model` (the model asked
   * for, or its `model_max_budget` entry), `teamId:model`.
   */
  id: string;
  /** The model a per-model scope limits (`x-litellm-key-remaining-requests-<model>`). */
  model?: string;
  /** `kind:id` (`counterKey`): the name of its counters in every store and in the ledger. */
  key: string;
  /** How the refusal names it (alias or `sk-...XXXX` for keys, the id otherwise). */
  label: string;
  /** A key's or team's alias, and a key's user and team (budget alerts name them). */
  alias?: string | null;
  userId?: string | null;
  teamId?: string | null;
  maxBudget?: number | null;
  /** Spend as stored when the scope was loaded, and its window (`budget_reset_at`, ISO). */
  spend: number;
  /** Spend batches the ledger had committed when `spend` was read (`SpendLedger.readStored`). */
  storedWritten?: number;
  budgetDuration?: string | null;
  budgetResetAt?: string | null;
  rpmLimit?: number | null;
  tpmLimit?: number | null;
  maxParallelRequests?: number | null;
}

export interface AdmissionRequest {
  requestId: string;
  scopes: readonly Scope[];
  /** Worst-case cost of the prompt (an upper bound of its tokens times the input price). */
  inputCost: number;
  /** Price of one output token; 0 when the model is unpriced (then budgets do not bind). */
  outputCostPerToken: number;
  /** `max_tokens` the request asked for, else the model's maximum output, else a default. */
  maxTokens: number;
  /** Tokens the request is expected to use, for tpm accounting before the real count is known. */
  estimatedTokens: number;
  /**
   * The request's abort signal, asked for only when the call has to wait for other calls'
   * reservations: an AbortSignal costs microseconds to make, and most calls never wait.
   */
  abortSignal?: () => AbortSignal | undefined;
}

export interface Admitted {
  /** Set when the budget could not pay `maxTokens`: the output cap the call must be sent with. */
  loweredMaxTokens?: number;
  /** `x-ratelimit-remaining-requests`, `x-ratelimit-limit-requests`, `x-ratelimit-remaining-tokens`, … */
  headers: Record<string, string>;
  /**
   * Ends the reservation at the real cost and tokens: releases what was reserved, adds the cost
   * to every budget scope and the tokens to every tpm window, frees the parallel slot. Idempotent:
   * the second call is a no-op, so every exit path may call it.
   */
  settle(cost: number, totalTokens: number): void;
}

export interface Admission {
  /**
   * Checks and reserves, or throws the GatewayError LiteLLM would (budget_exceeded, rate limit
   * 429 with retry-after). Synchronous on one replica with nothing to wait for; a Promise when it
   * waits for other reservations to settle or talks to Redis.
   */
  admit(request: AdmissionRequest): Admitted | Promise<Admitted>;
  /** An admin changed a scope's budget or spend: forget what is held for it. */
  forget(kind: ScopeKind, id: string): void;
}

// ---------------------------------------------------------------------------------------------
// Booking: the spend ledger (outbox, batched writer, idempotent by request id)
// ---------------------------------------------------------------------------------------------

export interface SpendEntry {
  requestId: string;
  callType: CallType;
  /** The guardrails the call ran (`applied_guardrails` of the row's metadata), when any did. */
  appliedGuardrails?: readonly string[];
  /** SHA-256 hex of the key; absent for open access. */
  keyHash?: string;
  keyAlias?: string | null;
  userId?: string | null;
  teamId?: string | null;
  /** The organization of the key's team, when it has one. */
  organizationId?: string | null;
  /** The end user (`user` field of the request), when it names one. */
  customerId?: string | null;
  tags: readonly string[];
  /** Those of `tags` stored with `/tag/new` when the call was admitted: their spend grows. */
  storedTags?: readonly string[];
  /** The provider's model name, the public model group, the deployment id and provider. */
  model: string;
  modelGroup: string;
  deploymentId: string;
  provider: string;
  apiBase?: string | null;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  cost: number;
  /** Epoch milliseconds. */
  startTime: number;
  endTime: number;
  status: 'success' | 'failure';
  /** The response cache's key when the answer came from it (`cache_hit` in the spend log). */
  cacheKey?: string;
  metadata: Record<string, unknown>;
  /**
   * The key's `model_max_budget` entry the call counts toward (its name, which may be the model
   * asked for without its provider prefix) and the end of the window it counts in (ISO; `null`
   * for a budget that never resets).
   */
  modelBudget?: { model: string; resetAt: string | null };
  /**
   * End (ISO) of the team member's budget window the call counts in, when the membership's budget
   * resets (its own `budget_duration` or the team's `team_member_budget_duration`).
   */
  memberResetAt?: string | null;
  /** The budgets routing keeps to that the cost counts toward (src/spend/route-budgets.ts). */
  routeSpend?: readonly RouteSpendTarget[];
  /** Why a failed call failed (its error message), for traces. */
  error?: string;
  /** The request's W3C `traceparent` header, when traces are sent: the call's span joins it. */
  traceParent?: string;
  /** What the call asked and answered (JSON text), when `store_prompts_in_spend_logs` is on. */
  payload?: { messages: unknown; response: string | undefined };
}

export interface SpendLedger {
  /** Queues an entry; never throws and never waits on the database. */
  book(entry: SpendEntry): void;
  /** Writes everything queued (retrying until the store answers or the deadline passes). */
  flush(deadlineMs?: number): Promise<void>;
  /**
   * Cost queued but not yet written for a scope, by its `counterKey(kind, id)`, so a counter
   * loaded from the store is whole.
   */
  pendingFor(scopeKey: string): number;
  /**
   * Cost of the batches committed after the first `written` ones, for a scope: what a figure of
   * stored spend read when `written` batches were committed (`readStored`) misses. Only the last
   * RECENT_BATCHES batches are remembered; older ones are not counted.
   */
  writtenSince(written: number, scopeKey: string): number;
  /**
   * Runs `read`, a read of stored spend, until no batch write overlapped it (at most `attempts`
   * times), and says how many batches it holds: stored spend + `pendingFor` + `writtenSince`
   * then counts every booked call once. When every attempt overlapped a write, the batches of
   * those writes may be counted twice (never missed).
   */
  readStored<T>(read: () => Promise<T>, attempts?: number): Promise<StoredRead<T>>;
  close(deadlineMs?: number): Promise<void>;
}

/** A read of stored spend and the ledger's position when it was made (`SpendLedger.readStored`). */
export interface StoredRead<T> {
  value: T;
  /** Batches committed before the read began: all of them are in it. */
  written: number;
  /** No batch write overlapped the read: it holds those batches and no other. */
  clean: boolean;
}
