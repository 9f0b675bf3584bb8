/**
 * A request's cancellation: set once when the client goes away, read by everything that works for
 * that request. It does what the proxy needs of an AbortController without building one per
 * request (an AbortController and its EventTarget listeners cost several µs each call); the
 * few users that need a real AbortSignal (a retry's sleep, a wait for budget) get one made lazily.
 */
export class Cancellation {
  private listeners: ((reason: Error) => void)[] | undefined;
  private controller: AbortController | undefined;
  private why: Error | undefined;

  /** Aborts when `ms` have passed, like `AbortSignal.timeout` (its timer keeps no process alive). */
  static timeout(ms: number): Cancellation {
    const cancellation = new Cancellation();
    const timer = setTimeout(
      () => cancellation.abort(new DOMException('The operation timed out.', 'TimeoutError')),
      ms,
    );
    timer.unref();
    return cancellation;
  }

  get aborted(): boolean {
    return this.why !== undefined;
  }

  /** Why it was aborted; undefined until then. */
  get reason(): Error | undefined {
    return this.why;
  }

  /** Aborts once: later calls change nothing. The default reason is AbortController's. */
  abort(reason: Error = new DOMException('This operation was aborted', 'AbortError')): void {
    if (this.why !== undefined) return;
    this.why = reason;
    this.controller?.abort(reason);
    const listeners = this.listeners;
    this.listeners = undefined;
    if (listeners) for (const listener of listeners) listener(reason);
  }

  /**
   * Runs `listener` on abort (at once if already aborted); the function returned unsubscribes it,
   * so a finished upstream call holds no reference to the request.
   */
  onAbort(listener: (reason: Error) => void): () => void {
    if (this.why !== undefined) {
      listener(this.why);
      return noop;
    }
    (this.listeners ??= []).push(listener);
    return () => {
      const index = this.listeners?.indexOf(listener) ?? -1;
      if (index !== -1) this.listeners?.splice(index, 1);
    };
  }

  /** A real AbortSignal that follows this cancellation, for APIs that take one. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.why !== undefined) this.controller.abort(this.why);
    }
    return this.controller.signal;
  }
}

function noop(): void {}
