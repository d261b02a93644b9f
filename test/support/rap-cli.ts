/** The real `rap` command, run as a child process (as a person or script would run it). */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { STANDIN_IMAGE_MAP } from "./standin-images.js";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const RAP_BIN = path.join(REPO_ROOT, "bin", "rap.js");
/** The command line that starts `rap`, for typing into a terminal. */
export const RAP_COMMAND = `node ${RAP_BIN}`;
/** RAP_IMAGE_MAP for `rap run` in tests: the built-in images are the local stand-ins (test/support/standin-images.ts). */
export const STANDIN_IMAGE_MAP_ENV = Object.entries(STANDIN_IMAGE_MAP)
  .map(([from, to]) => `${from}=${to}`)
  .join(",");

export interface RapResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runRap(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<RapResult> {
  const result = await execa("node", [RAP_BIN, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { NO_COLOR: "1", RAP_IMAGE_MAP: STANDIN_IMAGE_MAP_ENV, ...options.env },
    reject: false,
    timeout: options.timeoutMs ?? 120_000,
    stdin: "ignore",
    stripFinalNewline: false,
  });
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** A `rap` command still running: what it has printed so far, and its result once it exits. */
export interface RunningRap {
  readonly stdout: () => string;
  readonly result: Promise<RapResult>;
}

/** Starts `rap` without waiting for it, so a test can wait on what it prints while it runs. */
export function startRap(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): RunningRap {
  const child = execa("node", [RAP_BIN, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { NO_COLOR: "1", RAP_IMAGE_MAP: STANDIN_IMAGE_MAP_ENV, ...options.env },
    reject: false,
    timeout: options.timeoutMs ?? 120_000,
    stdin: "ignore",
    stripFinalNewline: false,
  });
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  return {
    stdout: () => stdout,
    result: child.then((done) => ({ exitCode: done.exitCode ?? -1, stdout: done.stdout, stderr: done.stderr })),
  };
}

/** Parses `--json` output: one object per line. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
