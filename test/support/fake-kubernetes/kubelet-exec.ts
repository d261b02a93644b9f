/**
 * The fake kubelet's side of pods/exec: the command run in the pod's real docker container by
 * `docker exec`, with a terminal (`-it` inside a local pseudo-terminal, node-pty, so the container
 * gets a real tty whose size follows resize messages) or without one (plain pipes, stdout and
 * stderr kept apart).
 */
import { spawn } from "node:child_process";
import pty from "node-pty";
import type { PodProcess } from "./exec-endpoint.js";

export function dockerExecProcess(containerId: string, command: readonly string[], tty: boolean): PodProcess {
  return tty ? withTerminal(containerId, command) : withPipes(containerId, command);
}

function withTerminal(containerId: string, command: readonly string[]): PodProcess {
  const child = pty.spawn("docker", ["exec", "-it", containerId, ...command], {
    name: "xterm-256color",
    cols: 80,
    rows: 24,
    env: { ...process.env, TERM: "xterm-256color" },
  });
  const exited = new Promise<number>((resolve) => {
    child.onExit(({ exitCode, signal }) => resolve(signal ? 128 + signal : exitCode));
  });
  let ended = false;
  void exited.then(() => (ended = true));
  return {
    onOutput: (listener) => {
      child.onData((data) => listener(1, Buffer.from(data, "utf8")));
    },
    write: (input) => {
      if (!ended) child.write(input.toString("utf8"));
    },
    // A terminal has no separate end of input: Ctrl-D at the start of a line is what a closed stdin means to it.
    endInput: () => {
      if (!ended) child.write("\x04");
    },
    resize: (columns, rows) => {
      if (!ended) child.resize(columns, rows);
    },
    exited,
    kill: () => {
      if (!ended) child.kill();
    },
  };
}

function withPipes(containerId: string, command: readonly string[]): PodProcess {
  const child = spawn("docker", ["exec", "-i", containerId, ...command], { stdio: ["pipe", "pipe", "pipe"] });
  const exited = new Promise<number>((resolve) => {
    child.on("close", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
  child.stdin.on("error", () => undefined);
  return {
    onOutput: (listener) => {
      child.stdout.on("data", (chunk: Buffer) => listener(1, chunk));
      child.stderr.on("data", (chunk: Buffer) => listener(2, chunk));
    },
    write: (input) => child.stdin.write(input),
    endInput: () => child.stdin.end(),
    resize: () => undefined,
    exited,
    kill: () => {
      if (child.exitCode === null) child.kill();
    },
  };
}
