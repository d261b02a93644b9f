/** `rap agents [--backend B]`: the connected agents, one row each. */
import { ListAgentsResponseSchema } from "../../gen/admin/v1/admin_pb.js";
import { type AdminCommandContext, EXIT_OK, printJson, UsageError } from "./admin-cli.js";
import { pythonIso, table } from "./format.js";
import { parseCommand } from "./parse-command.js";

export async function agentsCommand(ctx: AdminCommandContext, args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, { backend: { type: "string" } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const response = await ctx.client.listAgents({ backend: values.backend ?? "" }, ctx.callOptions);
  if (values.json) {
    printJson(ctx.io, ListAgentsResponseSchema, response);
    return EXIT_OK;
  }
  if (response.agents.length === 0) {
    ctx.io.stdout("no agents connected\n");
    return EXIT_OK;
  }
  ctx.io.stdout(
    table(
      ["BACKEND", "AGENT", "VERSION", "DRIVER", "CONNECTED", "LAST SEEN", "ACTIVE TASKS", "IN FLIGHT AT CONNECT"],
      response.agents.map((agent) => [
        agent.backend,
        agent.agentId,
        agent.version,
        agent.driver,
        agent.connectedAt ? pythonIso(agent.connectedAt) : "",
        agent.lastSeenAt ? pythonIso(agent.lastSeenAt) : "",
        String(agent.activeTaskIds.length),
        String(agent.inFlightAtConnect.length),
      ]),
    ),
  );
  return EXIT_OK;
}
