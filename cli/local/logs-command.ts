/**
 * `rap logs [-f] JOB`: a job's output from the agent's local socket. Bytes are passed through as
 * the job wrote them; with --timestamps or --json the output is split into lines first (each line
 * prefixed with the time it arrived, or one JSON object per line).
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { LineSplitter } from "../run/line-splitter.js";
import { agentLocalClient } from "./agent-local-client.js";

export interface LogsOptions {
  readonly socketPath: string;
  readonly jobId: string;
  readonly follow: boolean;
  readonly timestamps: boolean;
  readonly json: boolean;
}

export interface CommandIo {
  readonly write: (data: string | Uint8Array) => void;
  readonly writeError: (text: string) => void;
}

export function describeConnectError(error: unknown, socketPath: string): string {
  if (error instanceof ConnectError) {
    if (error.code === Code.Unavailable) return `cannot reach the agent at ${socketPath}: ${error.rawMessage}`;
    return error.rawMessage;
  }
  return error instanceof Error ? error.message : String(error);
}

export async function runLogs(options: LogsOptions, io: CommandIo, signal: AbortSignal): Promise<number> {
  const client = agentLocalClient(options.socketPath);
  let source = "";
  const splitter =
    options.timestamps || options.json
      ? new LineSplitter((line) => {
          const time = new Date().toISOString();
          if (options.json) {
            io.write(`${JSON.stringify({ ...(options.timestamps ? { time } : {}), job_id: options.jobId, source, line })}\n`);
          } else io.write(`${time} ${line}\n`);
        })
      : undefined;
  try {
    for await (const chunk of client.streamLogs({ jobId: options.jobId, follow: options.follow }, { signal })) {
      source = chunk.source;
      if (splitter) splitter.push(chunk.data);
      else io.write(chunk.data);
    }
    splitter?.end();
    return 0;
  } catch (error) {
    if (signal.aborted) return 130;
    io.writeError(`rap logs: ${describeConnectError(error, options.socketPath)}\n`);
    return 1;
  }
}
