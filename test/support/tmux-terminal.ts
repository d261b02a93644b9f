/**
 * A real terminal for tests: a tmux server on its own socket in a temp directory, one window
 * running an interactive `sh`, driven as a person would (send-keys, capture-pane, resize). Commands
 * are typed into the shell; `runAndReport` appends `; echo "EXIT=$?"` so the exit status shows in the
 * pane. Nothing is shared with any other tmux server on the machine.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { waitFor } from "./wait-for.js";

export interface TmuxTerminal {
  /** Types text (literally) and presses Enter. */
  type(text: string): void;
  /** Sends tmux key names, e.g. "C-c", "C-d", "Enter". */
  keys(...names: string[]): void;
  /** The visible pane plus its scrollback, as text. */
  capture(): string;
  /** Waits until the pane's text satisfies `predicate` (deadline, no fixed sleeps); returns the text. */
  waitForText(predicate: (text: string) => boolean, message: string, timeoutMs?: number): Promise<string>;
  /** Waits for `EXIT=<n>` after the last typed command and returns n. */
  waitForExit(timeoutMs?: number): Promise<number>;
  /** Resizes the window (the program in it gets SIGWINCH). */
  resize(columns: number, rows: number): void;
  /** Runs a command in the shell with its exit status echoed after it. */
  runAndReport(command: string): void;
  dispose(): void;
}

export function startTmux(options: { cwd: string; env?: Record<string, string>; columns?: number; rows?: number }): TmuxTerminal {
  const dir = mkdtempSync(path.join(tmpdir(), "rap-tmux-"));
  const socket = path.join(dir, "tmux.sock");
  const tmux = (...args: string[]) =>
    execFileSync("tmux", ["-S", socket, "-f", "/dev/null", ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const env = { ...(options.env ?? {}) };
  const envArgs = Object.entries(env).flatMap(([key, value]) => ["-e", `${key}=${value}`]);
  tmux(
    "new-session",
    "-d",
    "-s",
    "test",
    "-x",
    String(options.columns ?? 160),
    "-y",
    String(options.rows ?? 50),
    "-c",
    options.cwd,
    ...envArgs,
    "env",
    "PS1=$ ",
    "sh",
  );
  tmux("set-option", "-g", "history-limit", "10000");
  let marker = 0;
  const capture = () => tmux("capture-pane", "-p", "-J", "-S", "-", "-t", "test");
  const terminal: TmuxTerminal = {
    type(text) {
      tmux("send-keys", "-t", "test", "-l", text);
      tmux("send-keys", "-t", "test", "Enter");
    },
    keys(...names) {
      tmux("send-keys", "-t", "test", ...names);
    },
    capture,
    waitForText(predicate, message, timeoutMs = 60_000) {
      return waitFor(
        () => {
          const text = capture();
          return predicate(text) ? text : undefined;
        },
        { timeoutMs, intervalMs: 50, message: `${message}; pane:\n${capture()}` },
      ).catch((error: unknown) => {
        throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- pane now ---\n${capture()}`);
      });
    },
    async waitForExit(timeoutMs = 90_000) {
      const tag = `EXIT${marker}=`;
      const text = await terminal.waitForText((pane) => new RegExp(`^${tag}\\d+$`, "m").test(pane), `${tag}<n>`, timeoutMs);
      return Number(new RegExp(`^${tag}(\\d+)$`, "m").exec(text)?.[1]);
    },
    resize(columns, rows) {
      tmux("resize-window", "-t", "test", "-x", String(columns), "-y", String(rows));
    },
    runAndReport(command) {
      marker += 1;
      terminal.type(`${command}; echo "EXIT${marker}=$?"`);
    },
    dispose() {
      try {
        tmux("kill-server");
      } catch {
        // Already gone.
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return terminal;
}
