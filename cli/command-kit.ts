/**
 * What every command group is handed when it registers its commands: kept apart from the program
 * (cli-program.ts) so that command modules and the program do not import each other.
 */
import type { Command } from "commander";
import type { CliRuntime } from "./cli-runtime.js";

/** What a command group's `register` receives. */
export interface CommandKit {
  readonly runtime: CliRuntime;
  /** Sets the exit code, for a command built elsewhere that reports its own (e.g. `rap run`). */
  exit(code: number): void;
  /** Wraps an action: its returned number is the exit code; errors become messages and codes. */
  action<A extends unknown[]>(run: (...args: A) => Promise<number> | number): (...args: A) => Promise<void>;
}

export type RegisterCommands = (program: Command, kit: CommandKit) => void;
