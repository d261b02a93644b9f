/**
 * A client-side token bucket for API calls: `@kubernetes/client-node` has none of its own, and a
 * burst of jobs must not throttle the API server for everyone else (Argo's default is 20 qps, 30 burst).
 */
export class RateLimiter {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly qps: number,
    private readonly burst: number,
    private readonly onTokens: (available: number) => void = () => undefined,
    private readonly now: () => number = () => performance.now(),
    /** Called once for each call that found no token and has to wait. */
    private readonly onWait: () => void = () => undefined,
  ) {
    if (!(qps > 0) || !(burst >= 1)) throw new Error(`rate limit needs qps > 0 and burst >= 1 (got ${qps}, ${burst})`);
    this.tokens = burst;
    this.last = this.now();
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
  }

  /** Resolves when a token is available (callers are served in order), or rejects when `signal` aborts. */
  take(signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(() => this.waitForToken(signal));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async waitForToken(signal?: AbortSignal): Promise<void> {
    let waited = false;
    for (;;) {
      signal?.throwIfAborted();
      this.refill();
      if (this.tokens >= 1) {
        this.tokens -= 1;
        this.onTokens(Math.floor(this.tokens));
        return;
      }
      if (!waited) this.onWait();
      waited = true;
      const waitMs = Math.ceil(((1 - this.tokens) / this.qps) * 1000);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(done, waitMs);
        function done() {
          signal?.removeEventListener("abort", aborted);
          resolve();
        }
        function aborted() {
          clearTimeout(timer);
          reject(signal?.reason instanceof Error ? signal.reason : new Error("aborted"));
        }
        signal?.addEventListener("abort", aborted, { once: true });
      });
    }
  }
}
