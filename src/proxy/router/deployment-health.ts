/**
 * What the router knows about each deployment at run time: requests in flight, failures in the
 * current minute, cooldowns, latency, and requests/tokens used this minute. In-memory, per process.
 */
import type { RouterConfig } from '../../config/gateway-config.js';
import type { Deployment } from '../../contracts/deployment.js';
import type { ErrorKind } from '../../providers/types.js';

interface State {
  inFlight: number;
  failureWindowStart: number;
  failures: number;
  cooldownUntil: number;
  /** Exponentially weighted latency in ms; undefined until the first success. */
  latencyMs?: number;
  minuteStart: number;
  requestsThisMinute: number;
  tokensThisMinute: number;
}

const MINUTE = 60_000;
const IMMEDIATE_COOLDOWN = new Set<ErrorKind>([
  'rate_limit',
  'quota',
  'auth',
  'permission',
  'not_found',
]);
const COUNTED_FAILURE = new Set<ErrorKind>(['server', 'timeout', 'connection', 'bad_response']);

export class DeploymentHealth {
  private readonly states = new Map<string, State>();

  constructor(
    private readonly config: Pick<RouterConfig, 'allowedFails' | 'cooldownMs'>,
    private readonly now: () => number,
    private readonly onCooldown: (d: Deployment, reason: ErrorKind) => void = () => {},
  ) {}

  private state(id: string): State {
    let s = this.states.get(id);
    if (!s) {
      const t = this.now();
      s = {
        inFlight: 0,
        failureWindowStart: t,
        failures: 0,
        cooldownUntil: 0,
        minuteStart: t,
        requestsThisMinute: 0,
        tokensThisMinute: 0,
      };
      this.states.set(id, s);
    }
    const t = this.now();
    if (t - s.minuteStart >= MINUTE) {
      s.minuteStart = t;
      s.requestsThisMinute = 0;
      s.tokensThisMinute = 0;
    }
    return s;
  }

  isCoolingDown(d: Deployment): boolean {
    return this.state(d.id).cooldownUntil > this.now();
  }

  inFlight(d: Deployment): number {
    return this.state(d.id).inFlight;
  }

  latency(d: Deployment): number | undefined {
    return this.state(d.id).latencyMs;
  }

  usage(d: Deployment): { requests: number; tokens: number } {
    const s = this.state(d.id);
    return { requests: s.requestsThisMinute, tokens: s.tokensThisMinute };
  }

  /** True when the deployment's own rpm/tpm for this minute is used up. */
  atCapacity(d: Deployment): boolean {
    const s = this.state(d.id);
    return (
      (d.rpm !== undefined && s.requestsThisMinute >= d.rpm) ||
      (d.tpm !== undefined && s.tokensThisMinute >= d.tpm)
    );
  }

  begin(d: Deployment): void {
    const s = this.state(d.id);
    s.inFlight++;
    s.requestsThisMinute++;
  }

  end(d: Deployment): void {
    const s = this.state(d.id);
    s.inFlight = Math.max(0, s.inFlight - 1);
  }

  recordSuccess(d: Deployment, latencyMs: number): void {
    const s = this.state(d.id);
    s.latencyMs = s.latencyMs === undefined ? latencyMs : s.latencyMs * 0.7 + latencyMs * 0.3;
  }

  recordTokens(d: Deployment, tokens: number): void {
    this.state(d.id).tokensThisMinute += tokens;
  }

  /**
   * Counts a failure and cools the deployment down when LiteLLM would: at once for rate limits,
   * quota, auth and missing models; after more than `allowed_fails` failures a minute otherwise.
   * A group's only deployment is never cooled down: that would turn a blip into an outage.
   */
  recordFailure(d: Deployment, kind: ErrorKind, groupSize: number): void {
    const s = this.state(d.id);
    const t = this.now();
    if (t - s.failureWindowStart >= MINUTE) {
      s.failureWindowStart = t;
      s.failures = 0;
    }
    s.failures++;
    if (groupSize <= 1) return;
    const cool =
      IMMEDIATE_COOLDOWN.has(kind) ||
      (COUNTED_FAILURE.has(kind) && s.failures > this.config.allowedFails);
    if (cool && this.config.cooldownMs > 0) {
      s.cooldownUntil = t + this.config.cooldownMs;
      s.failures = 0;
      this.onCooldown(d, kind);
    }
  }
}
