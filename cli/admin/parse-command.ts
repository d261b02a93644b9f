/** Argument parsing for the admin subcommands: node's parseArgs, with its errors as usage errors. */
import { parseArgs } from "node:util";
import { UsageError } from "./admin-cli.js";

type OptionSpec = { readonly type: "string" | "boolean"; readonly short?: string; readonly multiple?: boolean };

/** Parses `args` strictly (unknown options are usage errors); every command also takes --json. */
export function parseCommand<const O extends Record<string, OptionSpec>>(args: readonly string[], options: O) {
  try {
    return parseArgs({
      args: [...args],
      options: { ...options, json: { type: "boolean" } } as const,
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** A required string option, or a usage error naming it. */
export function required(value: string | undefined, name: string): string {
  if (value === undefined || value === "") throw new UsageError(`${name} is required`);
  return value;
}
