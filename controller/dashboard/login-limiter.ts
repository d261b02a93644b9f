/**
 * Bounds dashboard login attempts per client address: a token bucket per address holding
 * `attempts` tries that refills at `attempts` per `windowMs`, so a guesser gets at most that many
 * tries per window while a person who mistypes once or twice never notices. In memory and per
 * process: one controller serves the dashboard, and a restart forgetting the counts is harmless.
 *
 * Hand-written rather than a library (rate-limiter-flexible would fit) because it guards one
 * endpoint of one process, this is the whole of it, and a new dependency is not ours to add here.
 */

export const LOGIN_ATTEMPTS = 10;
export const LOGIN_WINDOW_MS = 60_000;
/** Addresses remembered at most; beyond it, buckets that have refilled completely are forgotten. */
const MAX_TRACKED = 10_000;

interface Bucket {
  tokens: number;
  atMs: number;
}

export type LoginDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

export class LoginLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;

  constructor(
    private readonly attempts = LOGIN_ATTEMPTS,
    windowMs = LOGIN_WINDOW_MS,
  ) {
    this.perMs = attempts / windowMs;
  }

  /** Takes one attempt for `address` at `nowMs`, or says how long until the next is allowed. */
  take(address: string, nowMs: number): LoginDecision {
    const bucket = this.refilled(address, nowMs);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.perMs / 1000)) };
  }

  private refilled(address: string, nowMs: number): Bucket {
    let bucket = this.buckets.get(address);
    if (bucket === undefined) {
      if (this.buckets.size >= MAX_TRACKED) this.forgetFull(nowMs);
      bucket = { tokens: this.attempts, atMs: nowMs };
      this.buckets.set(address, bucket);
      return bucket;
    }
    bucket.tokens = Math.min(this.attempts, bucket.tokens + Math.max(0, nowMs - bucket.atMs) * this.perMs);
    bucket.atMs = nowMs;
    return bucket;
  }

  /** A full bucket is the same as no bucket, so dropping it loses nothing. */
  private forgetFull(nowMs: number): void {
    for (const [address, bucket] of this.buckets) {
      if (bucket.tokens + Math.max(0, nowMs - bucket.atMs) * this.perMs >= this.attempts) this.buckets.delete(address);
    }
    // Every address is mid-attack: forget the oldest rather than grow without bound.
    if (this.buckets.size >= MAX_TRACKED) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
  }

  /** How many addresses are remembered (for tests of the bound). */
  get tracked(): number {
    return this.buckets.size;
  }
}
