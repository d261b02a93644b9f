/** `rap agents` (logic in cli/admin/agents-command.ts). */
import type { Command } from "commander";
import { adminContext } from "../admin/admin-cli.js";
import { type AgentsOptions, agentsCommand } from "../admin/agents-command.js";
import type { CommandKit } from "../command-kit.js";
import { operatorCommand } from "./admin-help.js";

export function registerAgentsCommand(program: Command, kit: CommandKit): void {
  operatorCommand(
    program
      .command("agents")
      .description("list the connected agents: backend, id, version, driver, when connected and last seen, tasks")
      .option("--backend <backend>", "only this backend's agents"),
    ["rap agents", "rap agents --backend tpp --json"],
  ).action(kit.action((options: AgentsOptions) => agentsCommand(adminContext(kit.runtime), options)));
}
