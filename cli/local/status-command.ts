/** `rap agent status`: the agent's own view, from its local socket (works when the controller is down). */
import { toJson } from "@bufbuild/protobuf";
import { GetStatusResponseSchema } from "../../gen/agentlocal/v1/agent_local_pb.js";
import { agentLocalClient } from "./agent-local-client.js";
import { describeConnectError, type CommandIo } from "./logs-command.js";

export async function runAgentStatus(
  options: { readonly socketPath: string; readonly json: boolean },
  io: CommandIo,
  signal: AbortSignal,
): Promise<number> {
  let status;
  try {
    status = await agentLocalClient(options.socketPath).getStatus({}, { signal, timeoutMs: 10_000 });
  } catch (error) {
    io.writeError(`rap agent status: ${describeConnectError(error, options.socketPath)}\n`);
    return 1;
  }
  if (options.json) {
    io.write(`${JSON.stringify(toJson(GetStatusResponseSchema, status, { alwaysEmitImplicit: true }))}\n`);
    return 0;
  }
  const started = new Date(Number(status.startedAt) * 1000);
  const rows: [string, string][] = [
    ["backend", status.backend],
    ["agent id", status.agentId],
    ["version", status.version],
    ["driver", status.driver],
    ["controller", `${status.connectionState} (${status.controllerUrl})`],
    ["tasks in hand", status.tasksInHand.length === 0 ? "0" : `${status.tasksInHand.length}: ${status.tasksInHand.join(", ")}`],
    ["outbox depth", String(status.outboxDepth)],
    ["exec", status.execEnabled ? "enabled" : "off"],
    ["started", started.toISOString()],
  ];
  const width = Math.max(...rows.map(([key]) => key.length));
  io.write(rows.map(([key, value]) => `${key.padEnd(width)}  ${value}`).join("\n") + "\n");
  return 0;
}
