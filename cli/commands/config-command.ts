/** `rap config check`: validate the settings as a service would, then print what it would run with. */
import type { Command } from "commander";
import { loadAgentConfig } from "../../agent/config.js";
import { loadControllerConfig } from "../../controller/config.js";
import { EXIT_OK } from "../cli-errors.js";
import type { CommandKit } from "../command-kit.js";
import { assertNoMisspeltSettings, backendsIn } from "../settings/check-settings.js";
import { effectiveConfig } from "../settings/effective-config.js";

export function registerConfigCommand(program: Command, kit: CommandKit): void {
  const config = program.command("config").description("check the configuration a service would start with");
  config
    .command("check")
    .description("validate the environment (and AGENT_CONFIG) and print the effective settings, secrets masked")
    .option("--agent", "check the agent's configuration instead of the controller's")
    .addHelpText(
      "after",
      `
Misspelt variables (e.g. TEST_CLIENT_TOKEN for TEST_CLIENT_TOKENS), unknown RAP_/TLS_/AGENT_ variables,
unknown keys in the agent's YAML file and invalid values are errors (exit 2), as at service start.

Examples:
  $ rap config check
  $ AGENT_CONFIG=/etc/rap/agent.yaml rap config check --agent`,
    )
    .action(
      kit.action((options: { agent?: boolean }) => {
        const env = kit.runtime.env;
        assertNoMisspeltSettings(env, backendsIn(env));
        const loaded = options.agent ? loadAgentConfig(env) : loadControllerConfig(env);
        kit.runtime.io.stdout(`${JSON.stringify(effectiveConfig(loaded), null, 2)}\n`);
        return EXIT_OK;
      }),
    );
}
