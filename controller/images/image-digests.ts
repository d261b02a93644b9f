/**
 * The content digest each image tag names, for the RUNJOB tasks the scheduler creates (upstream
 * resolves it from the registry for every task, reference: "image_sha"). The scheduler is
 * synchronous and runs in a transaction, so it cannot wait on the registry: it asks `lookup`,
 * which answers at once from what is known, and otherwise starts the request and remembers the job.
 * When the answer arrives, the waiting jobs are handed back to the scheduler to be examined again.
 *
 * A digest is reused for `freshMs` (a busy backend starts hundreds of jobs with one image within
 * seconds; one registry call serves them). When the registry cannot be asked, the digest last seen
 * is used, as upstream does; with none, the jobs wait and the request is tried again with backoff.
 * A registry that says the tag does not exist is final for the jobs asking: they fail with why.
 */
import type { Logger } from "../logger.js";
import { RegistryError } from "./registry-client.js";

export type DigestLookup =
  | { readonly kind: "known"; readonly digest: string }
  /** Asked, or to be asked again after a failure; the job is handed back when there is an answer. */
  | { readonly kind: "waiting" }
  /** The registry has no such image: retrying this job cannot help. */
  | { readonly kind: "missing"; readonly reason: string };

export interface ImageDigestsOptions {
  /** Resolves a full image reference with tag (`ghcr.io/opensafely-core/python:v2`) to its digest. */
  readonly resolve: (image: string, signal: AbortSignal) => Promise<string>;
  /** The controller's clock (its own shape here: deps.ts refers to this module). */
  readonly clock: { nowMs(): number };
  readonly log: Logger;
  readonly freshMs: number;
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
  /** Jobs that waited for an image whose answer has arrived (the scheduler examines them again). */
  readonly onSettled: (jobIds: string[]) => void;
  readonly signal: AbortSignal;
}

interface Failure {
  readonly missing: boolean;
  readonly reason: string;
  readonly count: number;
  readonly retryAtMs: number;
}

interface Entry {
  digest?: string;
  resolvedAtMs?: number;
  inFlight: boolean;
  failure?: Failure;
  readonly waiting: Set<string>;
  /** Jobs that waited for the last answer: it is theirs however fresh it is when they come back. */
  readonly answered: Set<string>;
  timer?: NodeJS.Timeout;
}

export class ImageDigests {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: ImageDigestsOptions) {
    options.signal.addEventListener("abort", () => this.entries.forEach((entry) => clearTimeout(entry.timer)), { once: true });
  }

  lookup(image: string, jobId: string): DigestLookup {
    const now = this.options.clock.nowMs();
    let entry = this.entries.get(image);
    if (!entry) this.entries.set(image, (entry = { inFlight: false, waiting: new Set(), answered: new Set() }));
    const answered = entry.answered.delete(jobId);
    const fresh = entry.resolvedAtMs !== undefined && now - entry.resolvedAtMs < this.options.freshMs;
    if (entry.digest !== undefined && (fresh || answered)) return { kind: "known", digest: entry.digest };
    const failure = entry.failure;
    if (!entry.inFlight && failure && now < failure.retryAtMs) {
      if (failure.missing) return { kind: "missing", reason: failure.reason };
      entry.waiting.add(jobId);
      return { kind: "waiting" };
    }
    entry.waiting.add(jobId);
    if (!entry.inFlight) this.ask(image, entry);
    return { kind: "waiting" };
  }

  /** Images and the digest last seen for each (admin views, tests). */
  known(): ReadonlyMap<string, string> {
    const known = new Map<string, string>();
    for (const [image, entry] of this.entries) if (entry.digest !== undefined) known.set(image, entry.digest);
    return known;
  }

  private ask(image: string, entry: Entry): void {
    entry.inFlight = true;
    clearTimeout(entry.timer);
    const { resolve, signal, clock, log } = this.options;
    resolve(image, signal).then(
      (digest) => {
        if (entry.digest !== digest) log.info("image digest resolved", { image, digest });
        entry.digest = digest;
        entry.resolvedAtMs = clock.nowMs();
        delete entry.failure;
        this.settle(entry);
      },
      (error: unknown) => {
        if (signal.aborted) return;
        const reason = error instanceof Error ? error.message : String(error);
        if (entry.digest !== undefined) {
          // Upstream's fallback: a registry that cannot be asked does not stop jobs of a known image.
          log.warn("could not refresh an image digest; using the one last seen", { image, digest: entry.digest, error: reason });
          entry.resolvedAtMs = clock.nowMs();
          this.settle(entry);
          return;
        }
        const missing = error instanceof RegistryError && error.kind === "not_found";
        const count = (entry.failure?.count ?? 0) + 1;
        const delay = Math.min(this.options.retryMaxMs, this.options.retryInitialMs * 2 ** (count - 1));
        entry.failure = { missing, reason, count, retryAtMs: clock.nowMs() + delay };
        log.warn("could not resolve an image digest", { image, error: reason, attempt: count, retry_in_ms: delay });
        if (missing) {
          this.settle(entry);
          return;
        }
        entry.inFlight = false;
        // The waiting jobs come back when the backoff ends; the first of them asks again.
        entry.timer = setTimeout(() => {
          // The backoff is over for these jobs whatever the clock says (a timer may fire a little early).
          entry.failure = { missing, reason, count, retryAtMs: 0 };
          this.settle(entry);
        }, delay);
        entry.timer.unref();
      },
    );
  }

  private settle(entry: Entry): void {
    entry.inFlight = false;
    const ids = [...entry.waiting];
    entry.waiting.clear();
    // Only the latest answer's waiters hold a grant (a job cancelled meanwhile must not leak one).
    entry.answered.clear();
    if (entry.digest !== undefined) for (const id of ids) entry.answered.add(id);
    if (ids.length > 0) this.options.onSettled(ids);
  }
}
