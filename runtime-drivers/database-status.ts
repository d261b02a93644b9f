/**
 * DBSTATUS and DBDATACHECK (upstream's "simple tasks", reference/jobrunner.md §5.13): one
 * throw-away container of the database-utils image on the database network, whose last line of
 * output is the answer. Only allow-listed answers pass, so a compromised image cannot use the status
 * channel to carry data off the backend, and an invalid answer is never echoed back.
 */
import type { CommandRunner } from "./exec.js";
import type { DatabaseCheckResults } from "./types.js";

export type DatabaseTaskKind = "dbstatus" | "dbdatacheck";

export interface DatabaseTaskSpec {
  readonly kind: DatabaseTaskKind;
  /** Image reference to run (after any image map). */
  readonly image: string;
  /** Arguments for the image; empty: upstream's command for the kind. */
  readonly args: readonly string[];
  /** For DBDATACHECK's default command: the expected activity month, YYYYMM. */
  readonly hesExpectedActivityMonth?: string | undefined;
  /** `--network` value: the database network, or `none` on dummy-data backends. */
  readonly network: string;
  readonly extraNetworkArgs: readonly string[];
  /** Passed as DATABASE_URL by name (never on the command line); undefined: none. */
  readonly databaseUrl?: string | undefined;
  /** Refuse to pull a missing image (sites with no registry). */
  readonly pullNever: boolean;
}

/** What the agent reports: upstream's `{"results": {"status": …}, "error": null}` or the error form. */
export type DatabaseTaskResults = DatabaseCheckResults;

/** Allowed last lines and the status each one reports. */
const ANSWERS: Readonly<Record<DatabaseTaskKind, ReadonlyMap<string, string>>> = {
  dbstatus: new Map([
    ["", ""],
    ["db-maintenance", "db-maintenance"],
    // The number after `;` is the utility's build counter, reported upstream for tracing only.
    ...["0", "1", "2"].flatMap((n): [string, string][] => [
      [`db-maintenance;${n}`, "db-maintenance"],
      [`none;${n}`, ""],
    ]),
  ]),
  dbdatacheck: new Map([
    ["OK", "OK"],
    ["FAILED", "FAILED"],
  ]),
};

export class InvalidDatabaseStatusError extends Error {
  override readonly name = "ValueError";
}

/** The status for the container's output, or InvalidDatabaseStatusError (without the output). */
export function parseDatabaseTaskOutput(kind: DatabaseTaskKind, stdout: string): string {
  const lines = stdout.trim().split("\n");
  const last = (lines[lines.length - 1] ?? "").trim();
  const status = ANSWERS[kind].get(last);
  if (status === undefined) {
    throw new InvalidDatabaseStatusError(`Invalid status, expected one of: ${[...ANSWERS[kind].keys()].join(",")}`);
  }
  return status;
}

/** Upstream's command for a check when the task gives none. */
export function databaseTaskDefaultArgs(kind: DatabaseTaskKind, hesExpectedActivityMonth: string | undefined): string[] {
  return kind === "dbstatus" ? ["in_maintenance_mode"] : ["hes_cutoff_date_check", hesExpectedActivityMonth ?? ""];
}

/** `docker run --rm -e DATABASE_URL --network … <image> <args>` for one task. */
export function databaseTaskArgv(spec: DatabaseTaskSpec): string[] {
  const defaults = databaseTaskDefaultArgs(spec.kind, spec.hesExpectedActivityMonth);
  const argv = ["run", "--rm", "--label", "job-runner-db-task"];
  if (spec.pullNever) argv.push("--pull=never");
  if (spec.databaseUrl !== undefined) argv.push("-e", "DATABASE_URL");
  argv.push("--network", spec.network, ...spec.extraNetworkArgs, spec.image);
  argv.push(...(spec.args.length > 0 ? spec.args : defaults));
  return argv;
}

/** Runs the task's container and reduces its output to a result; failures become error results. */
export async function runDatabaseStatus(
  runner: CommandRunner,
  binary: string,
  spec: DatabaseTaskSpec,
  signal: AbortSignal,
): Promise<DatabaseTaskResults> {
  try {
    const env = spec.databaseUrl === undefined ? undefined : { DATABASE_URL: spec.databaseUrl };
    const result = await runner.run(binary, databaseTaskArgv(spec), { signal, env });
    // The exit code alone: stderr may echo anything the image printed.
    if (result.exitCode !== 0) throw new Error(`${spec.image} exited with code ${result.exitCode}`);
    return { results: { status: parseDatabaseTaskOutput(spec.kind, result.stdout) }, error: null };
  } catch (error) {
    if (signal.aborted) throw error;
    const failure = error instanceof Error ? error : new Error(String(error));
    return { results: null, error: { type: failure.name, message: failure.message } };
  }
}
