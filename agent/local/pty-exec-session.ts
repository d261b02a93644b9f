/**
 * An exec session for a container-CLI driver: its exec command line (e.g. `docker container exec
 * -it os-job-<id> …`) run inside a pseudo-terminal (node-pty), so the program in the container gets
 * a real terminal: raw keys, Ctrl-C and Ctrl-D delivered as a terminal delivers them, window size
 * changes passed on as SIGWINCH.
 */
import pty from "node-pty";
import type { ExecSession, ExecTerminal } from "../../runtime-drivers/index.js";

export function ptyExecSession(
  command: { readonly file: string; readonly args: readonly string[] },
  terminal: ExecTerminal,
  env: Readonly<Record<string, string>>,
): ExecSession {
  const child = pty.spawn(command.file, [...command.args], {
    name: terminal.term,
    cols: terminal.columns,
    rows: terminal.rows,
    env: { ...env, TERM: terminal.term },
  });
  const exited = new Promise<number>((resolve) => {
    child.onExit(({ exitCode, signal }) => resolve(signal ? 128 + signal : exitCode));
  });
  return {
    onOutput: (listener) => {
      child.onData((data) => listener(Buffer.from(data, "utf8")));
    },
    write: (input) => child.write(Buffer.from(input).toString("utf8")),
    resize: (columns, rows) => child.resize(columns, rows),
    exited,
    close: () => child.kill(),
  };
}
