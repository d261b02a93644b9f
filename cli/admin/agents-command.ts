/** `rap agents [--backend B]`: the connected agents, one row each. */
import { ListAgentsResponseSchema } from "../../gen/admin/v1/admin_pb.js";
import { EXIT_OK } from "../cli-errors.js";
import { type AdminCommandContext, printJson } from "./admin-cli.js";
import { table, timeCell } from "./format.js";

export interface AgentsOptions {
  readonly backend?: string;
  readonly json?: boolean;
}

export async function agentsCommand(ctx: AdminCommandContext, options: AgentsOptions): Promise<number> {
  const response = await ctx.client.listAgents({ backend: options.backend ?? "" }, ctx.callOptions);
  if (options.json) {
    printJson(ctx.io, ListAgentsResponseSchema, response);
    return EXIT_OK;
  }
  if (response.agents.length === 0) {
    ctx.io.stdout("no agents connected\n");
    return EXIT_OK;
  }
  const now = ctx.now();
  ctx.io.stdout(
    table(
      ["BACKEND", "AGENT", "VERSION", "DRIVER", "CONNECTED", "LAST SEEN", "TASKS"],
      response.agents.map((agent) => [
        agent.backend,
        agent.agentId,
        agent.version,
        agent.driver,
        timeCell(agent.connectedAt, now, ctx.io.isTerminal),
        timeCell(agent.lastSeenAt, now, ctx.io.isTerminal),
        String(agent.activeTaskIds.length),
      ]),
    ),
  );
  return EXIT_OK;
}
