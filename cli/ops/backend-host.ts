/**
 * What the operators' storage tools (`rap task kill`, `rap manifest …`, `rap workspace …`) need from
 * the agent of this backend host: its storage layout, its driver and the git settings for reading
 * project.yaml. Read from the agent's own configuration (AGENT_CONFIG and the environment, as
 * `rap agent` reads them), so the tools act on exactly the folders and runtime the agent uses.
 *
 * The controller's address and token are not needed here, so a config without them is accepted;
 * the agent id is fixed so that reading the config never writes an `agent-id` file.
 */
import { agentConfigFrom, readAgentConfigFile, type AgentConfig } from "../../agent/config.js";
import { createCommandRunner, type CheckoutOptions, type CommandRunner } from "../../runtime-drivers/index.js";
import type { CliEnv } from "../cli-runtime.js";

/** Stands in for settings the tools never use, only when neither the file nor the environment has them. */
const UNUSED = { controller_url: "http://unused.invalid", token: "unused", backend: "unknown" } as const;

export interface BackendHost {
  readonly config: AgentConfig;
  /** Runs docker/podman and git with the agent's environment. */
  readonly runner: CommandRunner;
  readonly checkout: CheckoutOptions;
}

export function loadBackendHost(env: CliEnv): BackendHost {
  const file = readAgentConfigFile(env.AGENT_CONFIG);
  const filled = {
    ...env,
    BACKEND: env.BACKEND ?? (typeof file.backend === "string" ? undefined : UNUSED.backend),
    CONTROLLER_URL:
      env.CONTROLLER_URL ?? env.CONTROLLER_TASK_API_ENDPOINT ?? (file.controller_url ? undefined : UNUSED.controller_url),
    AGENT_TOKEN: env.AGENT_TOKEN ?? env.CONTROLLER_TASK_API_TOKEN ?? (file.token ? undefined : UNUSED.token),
    AGENT_ID: env.AGENT_ID ?? "rap-operator-tool",
  };
  const config = agentConfigFrom(filled, file, env.AGENT_CONFIG);
  const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
  const runner = createCommandRunner({ baseEnv: config.childEnv, debug: false, log: quiet });
  return {
    config,
    runner,
    checkout: {
      reposDir: config.storage.reposDir,
      githubProxyDomain: config.githubProxyDomain,
      accessToken: config.privateRepoAccessToken,
      tokenUser: `jobrunner-${config.backend}`,
      runner,
    },
  };
}
