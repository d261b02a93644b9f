/**
 * The collector the validation rules report through. The controller runs the rules in "first"
 * mode: the first failure is thrown, so it keeps upstream's one-error behaviour and message.
 * `rap validate` runs the same rules in "all" mode: each failure is recorded and validation carries
 * on with the next check that does not depend on the failed one. Because checks run in upstream's
 * order either way, the first recorded error is always the one upstream (and the controller) gives.
 */
import { UnprefixedFailure, ValidationFailure, type Location } from "./validation-failure.js";

export type Severity = "error" | "warning";

/** One problem, before its location is turned into a line and column. */
export interface Finding {
  readonly severity: Severity;
  readonly message: string;
  readonly at: Location;
  readonly hint: string | null;
  /** True when upstream shows the text without its `Invalid project: \n` prefix. */
  readonly unprefixed: boolean;
}

export class Diagnostics {
  readonly #findings: Finding[] = [];

  constructor(readonly mode: "first" | "all") {}

  get findings(): readonly Finding[] {
    return this.#findings;
  }

  get errorCount(): number {
    return this.#findings.filter((f) => f.severity === "error").length;
  }

  /**
   * Runs one check. A failure inside it ends that check only: in "all" mode it is recorded and
   * null is returned, in "first" mode it propagates.
   */
  check<T>(run: () => T): T | null {
    try {
      return run();
    } catch (err) {
      if (!(err instanceof ValidationFailure) || this.mode === "first") throw err;
      this.#record(err);
      return null;
    }
  }

  /** An error that does not stop the current check (e.g. the second of several unknown keys). */
  report(failure: ValidationFailure): void {
    if (this.mode === "first") throw failure;
    this.#record(failure);
  }

  /** Upstream's own warnings, and (only in "all" mode) our advice on likely mistakes. */
  warn(message: string, at: Location, hint: string | null = null): void {
    this.#findings.push({ severity: "warning", message, at, hint, unprefixed: false });
  }

  #record(failure: ValidationFailure): void {
    this.#findings.push({
      severity: "error",
      message: failure.message,
      at: failure.at,
      hint: failure.hint,
      unprefixed: failure instanceof UnprefixedFailure,
    });
  }
}
