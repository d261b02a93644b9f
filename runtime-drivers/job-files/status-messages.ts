/**
 * The status message and hint finalize records (reference §5.7 step 5 and §5.11). The texts are
 * upstream's verbatim because the controller and job-server show them to users.
 */
import { pythonFixed2 } from "./python-format.js";

/** Exit codes with a fixed explanation. 137 is SIGKILL: an admin, the OOM killer, or cancellation. */
export const EXIT_CODE_MESSAGES: Readonly<Record<number, string>> = {
  137: "Job killed by OpenSAFELY admin or memory limits",
};

export const COMPLETED_MESSAGE = "Completed successfully";
export const CANCELLED_MESSAGE = "Job cancelled by system";
export const ERRORED_MESSAGE = "Job errored";

/** `\n  No outputs found matching patterns:\n - a\n   - b` */
export function unmatchedPatternsMessage(patterns: readonly string[]): string {
  return `\n  No outputs found matching patterns:\n - ${patterns.join("\n   - ")}`;
}

/** `\n  Did you mean to match one of these files instead?\n - a\n   - b` */
export function unmatchedOutputsHint(files: readonly string[]): string {
  return `\n  Did you mean to match one of these files instead?\n - ${files.join("\n   - ")}`;
}

/** `Job ran out of memory`, plus ` (limit was N.NNGB)` when a memory limit was set. */
export function outOfMemoryMessage(memoryLimitBytes: number): string {
  const base = "Job ran out of memory";
  return memoryLimitBytes > 0 ? `${base} (limit was ${pythonFixed2(memoryLimitBytes, 1024 ** 3)}GB)` : base;
}

export interface StatusMessageInput {
  /** Undefined when no container existed. */
  readonly container:
    | {
        readonly exitCode: number;
        readonly oomKilled: boolean;
        readonly memoryLimitBytes: number;
        /** The runtime's own explanation of a failure (a Kubernetes deadline, an image that cannot be pulled). */
        readonly message?: string | undefined;
      }
    | undefined;
  readonly cancelled: boolean;
  readonly errored: boolean;
  readonly outputCount: number;
  readonly unmatchedPatterns: readonly string[];
  readonly unmatchedOutputs: readonly string[];
}

export interface StatusMessage {
  readonly message: string | null;
  readonly hint: string | null;
}

/** Picks the message as upstream does; the first matching rule wins. */
export function statusMessageFor(input: StatusMessageInput): StatusMessage {
  const { container } = input;
  if (!container) {
    if (input.cancelled) return { message: CANCELLED_MESSAGE, hint: null };
    if (input.errored) return { message: ERRORED_MESSAGE, hint: null };
    // Upstream asserts here: finalize is never called for a job that never started.
    throw new Error("Cannot finalize a job with no container unless it was cancelled or errored");
  }
  const { exitCode } = container;
  if (exitCode === 0 && input.outputCount > 0 && input.unmatchedPatterns.length === 0) {
    return { message: COMPLETED_MESSAGE, hint: null };
  }
  if (exitCode === 0 && input.unmatchedPatterns.length > 0) {
    const hint = input.unmatchedOutputs.length > 0 ? unmatchedOutputsHint(input.unmatchedOutputs) : null;
    return { message: unmatchedPatternsMessage(input.unmatchedPatterns), hint };
  }
  if (exitCode === 137 && input.cancelled) return { message: CANCELLED_MESSAGE, hint: null };
  // Docker's OOMKilled flag is known to be unreliable, hence the generic 137 text below.
  if (exitCode === 137 && container.oomKilled) return { message: outOfMemoryMessage(container.memoryLimitBytes), hint: null };
  if (exitCode !== 0 && container.message) return { message: container.message, hint: null };
  return { message: EXIT_CODE_MESSAGES[exitCode] ?? null, hint: null };
}
