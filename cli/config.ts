/**
 * Configuration of the all-in-one mode: one controller and one agent for its first backend, from one
 * environment. Local git repositories are allowed and image digests not resolved by default here (a
 * laptop or a demo); the agent's
 * token is generated per run unless <BACKEND>_AGENT_TOKEN is set. AGENT_CONFIG names the agent's
 * config file as for `rap agent` (the demo's maps the stand-in images).
 */
import { randomBytes } from "node:crypto";
import { agentConfigFrom, readAgentConfigFile, type AgentConfig } from "../agent/config.js";
import { loadControllerConfig, type ControllerConfig } from "../controller/config.js";
import { CliConfigError } from "./cli-errors.js";

export interface AllInOneConfig {
  readonly controller: ControllerConfig;
  /** The agent's configuration once the controller's port is known (PORT=0 picks a free one). */
  readonly agent: (controllerPort: number) => AgentConfig;
}

export function loadAllInOneConfig(env: Readonly<Record<string, string | undefined>> = process.env): AllInOneConfig {
  const backends = env.BACKENDS ?? "test";
  const backend = env.BACKEND ?? backends.split(",")[0]?.trim() ?? "test";
  const tokenName = `${backend.toUpperCase()}_AGENT_TOKEN`;
  const agentToken = env[tokenName] ?? randomBytes(24).toString("hex");
  const shared = {
    ...env,
    BACKENDS: backends,
    BACKEND: backend,
    [tokenName]: agentToken,
    ALLOW_LOCAL_GIT_REPOS: env.ALLOW_LOCAL_GIT_REPOS ?? "true",
    // A laptop or demo runs local or stand-in images that no registry knows; a site sets it to true.
    RESOLVE_IMAGE_DIGESTS: env.RESOLVE_IMAGE_DIGESTS ?? "false",
    HOST: env.HOST ?? "127.0.0.1",
  };
  const controller = loadControllerConfig(shared);
  const agentFile = readAgentConfigFile(env.AGENT_CONFIG);
  const agent = (controllerPort: number) =>
    agentConfigFrom(
      {
        ...shared,
        CONTROLLER_URL: `http://127.0.0.1:${controllerPort}`,
        AGENT_TOKEN: agentToken,
        AGENT_WORKDIR: env.AGENT_WORKDIR ?? `${controller.workdir}/agent-${backend}`,
        WORKDIR: controller.workdir,
      },
      agentFile,
    );
  return { controller, agent };
}

/** The environment, read once for subcommands that take no other configuration. */
export function cliEnvironment(): Readonly<Record<string, string | undefined>> {
  return process.env;
}

/** Where the admin subcommands find the controller, and the token they present. */
export interface AdminCliConfig {
  /** RAP_CONTROLLER_URL; default http://127.0.0.1:8000 (the controller's default port). */
  readonly controllerUrl: string;
  /** RAP_ADMIN_TOKEN, the same variable the controller reads; undefined: calls go without one. */
  readonly adminToken: string | undefined;
}

export const DEFAULT_CONTROLLER_URL = "http://127.0.0.1:8000";

export function loadAdminCliConfig(env: Readonly<Record<string, string | undefined>> = process.env): AdminCliConfig {
  const raw = env.RAP_CONTROLLER_URL || DEFAULT_CONTROLLER_URL;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new CliConfigError(
      `RAP_CONTROLLER_URL is not an http(s) URL: '${raw}' (give the controller's address, e.g. ${DEFAULT_CONTROLLER_URL})`,
    );
  }
  return { controllerUrl: raw.replace(/\/+$/, ""), adminToken: env.RAP_ADMIN_TOKEN || undefined };
}
