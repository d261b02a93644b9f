/**
 * An in-process `rap` for tests: runCli with captured stdout/stderr, a fixed clock and an
 * environment of the test's choosing. The stop signal and file reads are real (a test that needs
 * neither never triggers them); confirm() answers what the test says.
 */
import { readFileSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";
import { runCli } from "../../cli/cli-program.js";
import type { CliEnv, CliRuntime } from "../../cli/cli-runtime.js";

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly env?: CliEnv;
  readonly now?: Date;
  readonly terminal?: boolean;
  readonly answer?: boolean;
  /** Lines typed at ask() prompts, in order; once used up, input has ended. */
  readonly answers?: readonly string[];
  readonly cwd?: string;
}

export async function rapInProcess(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const answers = [...(options.answers ?? [])];
  const stop = new AbortController();
  const runtime: CliRuntime = {
    io: {
      stdout: (text) => void (stdout += text),
      stderr: (text) => void (stderr += text),
      confirm: () => Promise.resolve(options.answer ?? false),
      ask: (question) => {
        stdout += question;
        return Promise.resolve(answers.shift());
      },
      isTerminal: options.terminal ?? false,
    },
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    now: () => options.now ?? new Date(),
    readFile: (path) => readFileSync(path, "utf8"),
    stopSignal: () => stop.signal,
    shutdownSignals: () => ({ drain: stop.signal, cancel: stop.signal }),
    sleep: (ms, signal) => delay(ms, undefined, { signal }).catch(() => undefined),
  };
  try {
    const code = await runCli(args, runtime);
    return { code, stdout, stderr };
  } finally {
    stop.abort();
  }
}
