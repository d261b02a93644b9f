/**
 * Reconnect delays: a window that doubles from `initialMs` up to `maxMs`, with the delay drawn
 * uniformly inside it ("full jitter"), so a fleet of agents does not reconnect in lockstep after a
 * controller restart. Pure; randomness is injected.
 */
export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly random?: () => number;
}

export class Backoff {
  private attempt = 0;

  constructor(private readonly options: BackoffOptions) {}

  /** Delay before the next attempt. */
  next(): number {
    const window = Math.min(this.options.maxMs, this.options.initialMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.floor((this.options.random ?? Math.random)() * window);
  }

  /** After a connection that worked, start again from the smallest window. */
  reset(): void {
    this.attempt = 0;
  }
}

/** Waiting between attempts uses the shared primitive. */
export { sleep } from "../common/wakeup.js";
