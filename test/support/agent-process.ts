/** The agent as a separate OS process (`rap agent`), so a test can SIGKILL it and start it again. */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { AgentConfig } from "../../agent/config.js";
import { SOURCE_RAP, type RapCommand } from "./rap-command.js";

export interface AgentProcess {
  readonly child: ChildProcess;
  /** Everything the process has written so far, stdout and stderr interleaved. */
  readonly output: () => string;
  kill(signal: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `rap agent` with the same settings as an in-process AgentConfig; `extraEnv` adds to (or
 * overrides) them; `rap` says which `rap` runs (the source tree's by default).
 */
export function spawnAgent(
  config: AgentConfig,
  extraEnv: Record<string, string> = {},
  rap: RapCommand = SOURCE_RAP,
): AgentProcess {
  // The image map and database URLs only come from a config file: write the config's as one.
  mkdirSync(config.workdir, { recursive: true });
  const configFile = path.join(config.workdir, "agent-config.json");
  writeFileSync(
    configFile,
    JSON.stringify({ driver: { image_map: config.driver.imageMap }, database_urls: config.databaseUrls }),
  );
  const child = spawn(process.execPath, [...rap.argv, "agent"], {
    cwd: rap.cwd,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      ...(process.env.CONTAINERS_CONF ? { CONTAINERS_CONF: process.env.CONTAINERS_CONF } : {}),
      BACKEND: config.backend,
      CONTROLLER_URL: config.controllerUrl,
      AGENT_TOKEN: config.token,
      AGENT_ID: config.agentId,
      AGENT_WORKDIR: config.workdir,
      AGENT_DRIVER: config.driver.kind,
      AGENT_CONFIG: configFile,
      HIGH_PRIVACY_STORAGE_BASE: config.storage.highPrivacyDir,
      MEDIUM_PRIVACY_STORAGE_BASE: config.storage.mediumPrivacyDir,
      PULL_MISSING_IMAGES: "false",
      ALLOW_LOCAL_GIT_REPOS: String(config.repoPolicy.allowLocalGitRepos),
      ALLOWED_GITHUB_ORGS: config.repoPolicy.allowedGithubOrgs.join(","),
      DATABASE_ACCESS_NETWORK: config.driver.databaseNetwork,
      LOGLEVEL: "info",
      ...(config.configFile ? { AGENT_CONFIG: config.configFile } : {}),
      ...extraEnv,
    },
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return {
    child,
    output: () => output,
    kill: (signal) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill(signal);
      }),
  };
}
