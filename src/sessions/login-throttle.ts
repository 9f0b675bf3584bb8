/**
 * Limits failed sign-ins: at most `limit` failures per `windowMs` for each IP address and each
 * user name. Over the limit, every attempt is refused (even with the right password) until the
 * oldest failure leaves the window. Kept in memory: per process.
 */
export interface LoginThrottleOptions {
  limit: number;
  windowMs: number;
  now: () => number;
}

/** Entries beyond which the stale ones are swept, so that a flood of names cannot grow it forever. */
const SWEEP_AT = 10_000;

export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly options: LoginThrottleOptions) {}

  /** Seconds until the first of `keys` may try again; undefined when none is over the limit. */
  retryAfter(keys: readonly string[]): number | undefined {
    const now = this.options.now();
    let waitMs = 0;
    for (const key of keys) {
      const recent = this.recent(key, now);
      if (recent.length >= this.options.limit) {
        const oldest = recent[recent.length - this.options.limit] ?? now;
        waitMs = Math.max(waitMs, oldest + this.options.windowMs - now);
      }
    }
    return waitMs > 0 ? Math.ceil(waitMs / 1000) : undefined;
  }

  fail(keys: readonly string[]): void {
    const now = this.options.now();
    if (this.failures.size >= SWEEP_AT) this.sweep(now);
    for (const key of keys) this.failures.set(key, [...this.recent(key, now), now]);
  }

  private recent(key: string, now: number): number[] {
    const since = now - this.options.windowMs;
    return (this.failures.get(key) ?? []).filter((at) => at > since);
  }

  private sweep(now: number): void {
    for (const key of [...this.failures.keys()]) {
      if (this.recent(key, now).length === 0) this.failures.delete(key);
    }
  }
}
