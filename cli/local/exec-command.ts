/**
 * `rap exec JOB [-- CMD …]`: an interactive session in a running job's container, through the
 * agent's local socket. The local terminal goes into raw mode, so every key (Ctrl-C, Ctrl-D, arrows)
 * reaches the program in the container, which runs in a pseudo-terminal on the agent; window size
 * changes follow. `rap exec` exits with the command's exit status.
 */
import { create } from "@bufbuild/protobuf";
import { ExecRequestSchema, type ExecRequest } from "../../gen/agentlocal/v1/agent_local_pb.js";
import { AsyncQueue } from "../../agent/local/async-queue.js";
import { agentLocalClient } from "./agent-local-client.js";
import { describeConnectError } from "./logs-command.js";

export interface ExecOptions {
  readonly socketPath: string;
  readonly jobId: string;
  readonly command: readonly string[];
  readonly user: string;
  readonly term: string;
}

/** The local terminal, as much of it as a session needs. */
export interface ExecTerminal {
  readonly stdin: NodeJS.ReadStream;
  readonly stdout: NodeJS.WriteStream;
  readonly writeError: (text: string) => void;
}

export async function runExec(options: ExecOptions, terminal: ExecTerminal, signal: AbortSignal): Promise<number> {
  const { stdin, stdout } = terminal;
  const requests = new AsyncQueue<ExecRequest>();
  const size = () => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  requests.push(
    create(ExecRequestSchema, {
      message: {
        case: "start",
        value: { jobId: options.jobId, command: [...options.command], size: size(), user: options.user, term: options.term },
      },
    }),
  );
  const onInput = (data: Buffer) => requests.push(create(ExecRequestSchema, { message: { case: "input", value: data } }));
  const onResize = () => requests.push(create(ExecRequestSchema, { message: { case: "resize", value: size() } }));
  // Piped input that ends is an end of file for the program, as Ctrl-D is at a terminal.
  const onEnd = () => requests.push(create(ExecRequestSchema, { message: { case: "input", value: Buffer.from([4]) } }));
  const raw = stdin.isTTY === true;
  if (raw) stdin.setRawMode(true);
  stdin.on("data", onInput);
  if (!raw) stdin.once("end", onEnd);
  stdin.resume();
  stdout.on("resize", onResize);
  let code = 1;
  try {
    for await (const response of agentLocalClient(options.socketPath).exec(requests, { signal })) {
      if (response.message.case === "output") stdout.write(response.message.value);
      else if (response.message.case === "exit") code = response.message.value.code;
    }
    return code;
  } catch (error) {
    if (raw) stdin.setRawMode(false);
    terminal.writeError(`rap exec: ${describeConnectError(error, options.socketPath)}\n`);
    return 1;
  } finally {
    requests.end();
    stdout.off("resize", onResize);
    stdin.off("data", onInput);
    stdin.off("end", onEnd);
    if (raw) stdin.setRawMode(false);
    stdin.pause();
  }
}
