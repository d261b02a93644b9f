/**
 * The one chokepoint for subprocesses: execa with no shell, a cancel signal, a timeout and a
 * force-kill after it. In debug mode every command line is printed before it runs (values of
 * environment variables never appear on a command line; they are passed by name).
 */
import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
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
  /**
   * Write stdout and stderr, interleaved as written, to this file (created or truncated) instead
   * of keeping them: for output of unbounded size, such as a job's container log. The result's
   * stdout, stderr and all are then empty.
   */
  readonly outputFile?: string | undefined;
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
      const common = {
        reject: false,
        stdin: "ignore",
        env: { ...options.baseEnv, ...runOptions.env },
        extendEnv: false,
        cwd: runOptions.cwd,
        cancelSignal: runOptions.signal,
        timeout: runOptions.timeoutMs ?? options.defaultTimeoutMs ?? 300_000,
        forceKillAfterDelay: 5_000,
        stripFinalNewline: false,
        maxBuffer: 256 * 1024 * 1024,
      } as const;
      if (runOptions.outputFile !== undefined) {
        const exitCode = await runToFile(file, args, runOptions.outputFile, {
          env: common.env,
          cwd: runOptions.cwd,
          signal: runOptions.signal,
          timeoutMs: common.timeout,
        });
        return { exitCode, stdout: "", stderr: "", all: "" };
      }
      const result = await execa(file, [...args], { ...common, all: true });
      const exitCode = checked(file, args, result, runOptions.signal);
      return { exitCode, stdout: result.stdout, stderr: result.stderr, all: result.all ?? "" };
    },
  };
}

/**
 * Runs a command with stdout and stderr on one descriptor of `outputFile`, handed to the child
 * itself: the output never passes through this process (whatever its size), and the file keeps the
 * order the child wrote in. execa always pipes through Node, so this one case uses spawn directly.
 */
function runToFile(
  file: string,
  args: readonly string[],
  outputFile: string,
  options: { env: Record<string, string>; cwd: string | undefined; signal: AbortSignal | undefined; timeoutMs: number },
): Promise<number> {
  const fd = openSync(outputFile, "w");
  return new Promise<number>((resolve, reject) => {
    const child = spawn(file, [...args], {
      stdio: ["ignore", fd, fd],
      env: options.env,
      cwd: options.cwd,
      ...(options.signal ? { signal: options.signal } : {}),
      timeout: options.timeoutMs,
      killSignal: "SIGKILL",
    });
    child.once("error", (error) => {
      if (options.signal?.aborted) reject(abortError(options.signal));
      else reject(new CommandError(`${file} could not be run: ${error.message}`, undefined));
    });
    child.once("close", (code, signal) => {
      if (options.signal?.aborted) reject(abortError(options.signal));
      else if (code === null)
        reject(new CommandError(`${file} ${args[0] ?? ""} timed out or was killed (${signal ?? "no signal"})`, undefined));
      else resolve(code);
    });
  }).finally(() => closeSync(fd));
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error("aborted");
}

/** The exit code of a finished run; throws when it was aborted, timed out or could not start. */
function checked(
  file: string,
  args: readonly string[],
  result: { readonly timedOut: boolean; readonly exitCode?: number | undefined; readonly shortMessage?: string },
  signal: AbortSignal | undefined,
): number {
  if (signal?.aborted) throw signal.reason ?? new Error("aborted");
  if (result.timedOut) throw new CommandError(`${file} ${args[0] ?? ""} timed out`, undefined);
  if (result.exitCode === undefined) throw new CommandError(`${file} could not be run: ${result.shortMessage}`, undefined);
  return result.exitCode;
}
