/**
 * The errors a `rap` command ends with, and the exit codes scripts rely on: 0 done, 1 refused or
 * failed (the controller said no, or could not be reached), 2 wrong usage or configuration.
 */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Wrong arguments: printed as `rap <command>: <message>` with a pointer to --help; exit 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** A bad environment variable: the message names it; exit 2. */
export class CliConfigError extends Error {
  override readonly name = "CliConfigError";
}
