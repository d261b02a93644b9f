/**
 * The one chokepoint for subprocesses: execa with no shell, a cancel signal, a timeout and a
 * force-kill after it. In debug mode every command line is printed before it runs (values of
 * environment variables never appear on a command line; they are passed by name).
 */
import { execa } from "execa";
import type { Logger } from "./types.js";

export interface CommandResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr interleaved as written. */
  readonly all: string;
}

export interface RunOptions {
  readonly signal?: AbortSignal | undefined;
  readonly timeoutMs?: number | undefined;
  /** Extra environment for the child (merged over the runner's base environment). */
  readonly env?: Readonly<Record<string, string>> | undefined;
  readonly cwd?: string | undefined;
}

export interface CommandRunner {
  run(file: string, args: readonly string[], options?: RunOptions): Promise<CommandResult>;
}

export class CommandError extends Error {
  override readonly name = "CommandError";
  constructor(
    message: string,
    readonly result: CommandResult | undefined,
  ) {
    super(message);
  }
}

/** Quotes a word for display only (debug output), never for execution. */
function displayWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'"'"'`)}'`;
}

export function createCommandRunner(options: {
  readonly baseEnv: Readonly<Record<string, string>>;
  readonly debug: boolean;
  readonly log: Logger;
  readonly defaultTimeoutMs?: number;
}): CommandRunner {
  return {
    async run(file, args, runOptions = {}) {
      if (options.debug) options.log.info(`$ ${[file, ...args].map(displayWord).join(" ")}`);
      const result = await execa(file, [...args], {
        reject: false,
        all: true,
        stdin: "ignore",
        env: { ...options.baseEnv, ...runOptions.env },
        extendEnv: false,
        cwd: runOptions.cwd,
        cancelSignal: runOptions.signal,
        timeout: runOptions.timeoutMs ?? options.defaultTimeoutMs ?? 300_000,
        forceKillAfterDelay: 5_000,
        stripFinalNewline: false,
        maxBuffer: 256 * 1024 * 1024,
      });
      if (runOptions.signal?.aborted) throw runOptions.signal.reason ?? new Error("aborted");
      if (result.timedOut) throw new CommandError(`${file} ${args[0] ?? ""} timed out`, undefined);
      if (result.exitCode === undefined) {
        throw new CommandError(`${file} could not be run: ${result.shortMessage}`, undefined);
      }
      return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr, all: result.all ?? "" };
    },
  };
}
