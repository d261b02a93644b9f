/**
 * Git over a flaky network (upstream retries fetches on TLS resets with back-off): a git command
 * that failed for a reason that may pass (a reset or refused connection, a timeout, an HTTP 5xx
 * from the git server or its proxy) is tried again with capped exponential back-off, a few times
 * within a total time budget. Failures no retry can mend (no such repository, no access, no such
 * ref) surface at once.
 */
import { setTimeout as sleep } from "node:timers/promises";

export interface NetworkRetryPolicy {
  /** Most tries in all (1: no retry). */
  readonly attempts: number;
  /** Longest the tries and the waits between them may take together, in ms. */
  readonly budgetMs: number;
  /** First wait; each later one doubles, up to `maxDelayMs`. */
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_NETWORK_RETRY: NetworkRetryPolicy = Object.freeze({
  attempts: 4,
  budgetMs: 30_000,
  initialDelayMs: 1000,
  maxDelayMs: 8000,
});

const PERMANENT =
  /returned error: 4\d\d|repository '.*' not found|Repository not found|Authentication failed|could not read Username|not our ref|couldn't find remote ref/i;
const TRANSIENT =
  /returned error: 5\d\d|Connection (reset|refused|timed out)|Could not resolve host|timed out|Operation too slow|GnuTLS|SSL_read|SSL_connect|early EOF|RPC failed|remote end hung up|unexpected disconnect|transfer closed|Empty reply|unable to access/i;

/** Whether git's error text says the failure may pass. */
export function isTransientGitError(text: string): boolean {
  return !PERMANENT.test(text) && TRANSIENT.test(text);
}

/** Runs `operation`, retrying transient git failures under `policy`; rethrows the last error. */
export async function withNetworkRetry<T>(
  operation: () => Promise<T>,
  policy: NetworkRetryPolicy = DEFAULT_NETWORK_RETRY,
  onRetry: (attempt: number, delayMs: number, error: unknown) => void = () => undefined,
): Promise<T> {
  const deadline = Date.now() + policy.budgetMs;
  let delay = policy.initialDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      const wait = Math.min(delay, policy.maxDelayMs);
      if (attempt >= policy.attempts || !isTransientGitError(text) || Date.now() + wait > deadline) throw error;
      onRetry(attempt, wait, error);
      await sleep(wait);
      delay *= 2;
    }
  }
}
