/**
 * An interactive session in a pod's container over the pods/exec WebSocket (the channel protocol,
 * v5 or v4), with a terminal allocated on the node: `rap exec` on Kubernetes. client-node's Exec
 * speaks the protocol; this file turns it into an ExecSession and reads the exit code from the
 * Status the server sends as the session ends.
 */
import { PassThrough, Writable } from "node:stream";
import { Exec, type KubeConfig, type V1Status } from "@kubernetes/client-node";
import type { ExecSession, ExecTerminal } from "../types.js";

/** What a session that ended without a readable exit code reports (as a shell does for "cannot run"). */
export const EXEC_FAILED_EXIT_CODE = 126;
/** The WebSocket closed before the server sent the command's status (connection lost). */
export const EXEC_LOST_EXIT_CODE = 255;

/**
 * The command's exit code from the server's closing Status: Success is 0; a non-zero exit comes as
 * reason NonZeroExitCode with the code in the ExitCode cause; anything else is a failure to run.
 */
export function execExitCode(status: V1Status): { readonly code: number; readonly message?: string } {
  if (status.status === "Success") return { code: 0 };
  if (status.reason === "NonZeroExitCode") {
    const cause = status.details?.causes?.find((candidate) => candidate.reason === "ExitCode");
    const code = Number.parseInt(cause?.message ?? "", 10);
    if (Number.isInteger(code) && code >= 0) return { code };
  }
  return { code: EXEC_FAILED_EXIT_CODE, message: status.message ?? "the command could not be run" };
}

/**
 * The session's terminal output. client-node reads `columns`/`rows` and listens for `resize` on
 * it to send the window size on the resize channel, as it would for a process's stdout.
 */
class TerminalOutput extends Writable {
  columns: number;
  rows: number;
  private listener: ((chunk: Uint8Array) => void) | undefined;
  private readonly early: Uint8Array[] = [];

  constructor(size: ExecTerminal) {
    super();
    this.columns = size.columns;
    this.rows = size.rows;
  }

  /** Output of our own (a closing notice): not through the stream, which client-node may have ended. */
  notice(text: string): void {
    this.deliver(Buffer.from(text));
  }

  listen(listener: (chunk: Uint8Array) => void): void {
    this.listener = listener;
    for (const chunk of this.early.splice(0)) listener(chunk);
  }

  resizeTo(columns: number, rows: number): void {
    this.columns = columns;
    this.rows = rows;
    this.emit("resize");
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.deliver(chunk);
    done();
  }

  private deliver(chunk: Uint8Array): void {
    if (this.listener) this.listener(chunk);
    else this.early.push(chunk);
  }
}

export async function openPodExec(
  kc: KubeConfig,
  target: { readonly namespace: string; readonly pod: string; readonly container: string },
  command: readonly string[],
  terminal: ExecTerminal,
  signal?: AbortSignal,
): Promise<ExecSession> {
  const stdin = new PassThrough();
  const output = new TerminalOutput(terminal);
  let status: V1Status | undefined;
  // With a terminal the server merges stderr into it: no stderr stream is asked for.
  const socket = await new Exec(kc).exec(
    target.namespace,
    target.pod,
    target.container,
    [...command],
    output,
    null,
    stdin,
    true,
    (received) => {
      status = received;
    },
  );
  const exited = new Promise<number>((resolve) => {
    socket.on("close", () => {
      stdin.destroy();
      const outcome = status
        ? execExitCode(status)
        : { code: EXEC_LOST_EXIT_CODE, message: "the connection to the cluster was lost" };
      if (outcome.message) output.notice(`\r\nrap exec: ${outcome.message}\r\n`);
      resolve(outcome.code);
    });
  });
  const close = () => socket.close();
  signal?.addEventListener("abort", close, { once: true });
  void exited.then(() => signal?.removeEventListener("abort", close));
  return {
    onOutput: (listener) => output.listen(listener),
    write: (input) => stdin.write(Buffer.from(input)),
    resize: (columns, rows) => output.resizeTo(columns, rows),
    exited,
    close,
  };
}
