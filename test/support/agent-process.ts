/** The agent as a separate OS process (`rap agent`), so a test can SIGKILL it and start it again. */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { AgentConfig } from "../../agent/config.js";

const root = path.resolve(import.meta.dirname, "../..");

export interface AgentProcess {
  readonly child: ChildProcess;
  readonly output: () => string;
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** Starts `rap agent` with the same settings as an in-process AgentConfig. */
export function spawnAgent(config: AgentConfig): AgentProcess {
  // The image map only comes from a config file: write the in-process config's map as one.
  mkdirSync(config.workdir, { recursive: true });
  const configFile = path.join(config.workdir, "agent-config.json");
  writeFileSync(configFile, JSON.stringify({ driver: { image_map: config.driver.imageMap } }));
  const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "cli/main.ts"), "agent"], {
    cwd: root,
    stdio: ["ignore", "ignore", "pipe"],
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
      LOGLEVEL: "info",
      ...(config.configFile ? { AGENT_CONFIG: config.configFile } : {}),
    },
  });
  let output = "";
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
