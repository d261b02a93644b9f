/** A real agent in-process, with the real docker (or podman) executor and its own temp workdir. */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Agent } from "../../agent/agent.js";
import { parse } from "yaml";
import { agentConfigFrom, type AgentConfig } from "../../agent/config.js";
import { createExecutor } from "../../agent/executor-factory.js";
import { createAgentLogger } from "../../agent/logger.js";
import type { Executor } from "../../runtime-drivers/index.js";
import { AGENT_TOKEN } from "./controller-harness.js";
import { STANDIN_IMAGE_MAP } from "./standin-images.js";

export interface AgentHarness {
  readonly agent: Agent;
  readonly config: AgentConfig;
  readonly executor: Executor;
  /** Resolves when run() ends; rejects with its error. */
  readonly done: Promise<void>;
  stop(): Promise<void>;
  /** Stops at once, tasks and all, as a killed agent would: their containers run on, to be adopted. */
  abandon(): Promise<void>;
}

/** An agent config from test settings; AGENT_CONFIG names a YAML file read as the agent reads it. */
export function agentConfig(controllerUrl: string, overrides: Record<string, string> = {}): AgentConfig {
  const workdir = overrides.AGENT_WORKDIR ?? mkdtempSync(path.join(tmpdir(), "rap-agent-"));
  const file = overrides.AGENT_CONFIG;
  // A runtime with its own config file (kubernetes) writes the stand-in image map into it.
  const fileConfig = file
    ? (parse(readFileSync(file, "utf8")) as Record<string, unknown>)
    : { driver: { image_map: STANDIN_IMAGE_MAP } };
  return agentConfigFrom(
    {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      CONTAINERS_CONF: process.env.CONTAINERS_CONF,
      BACKEND: "test",
      CONTROLLER_URL: controllerUrl,
      AGENT_TOKEN,
      AGENT_WORKDIR: workdir,
      HIGH_PRIVACY_STORAGE_BASE: path.join(workdir, "high_privacy"),
      MEDIUM_PRIVACY_STORAGE_BASE: path.join(workdir, "medium_privacy"),
      PULL_MISSING_IMAGES: "false",
      // The tests' study repositories are local; the agent re-checks every task's repository.
      ALLOW_LOCAL_GIT_REPOS: "true",
      AGENT_ID: `agent-${path.basename(workdir)}`,
      ...overrides,
    },
    fileConfig,
    file,
  );
}

export function startAgent(config: AgentConfig, executor?: Executor): AgentHarness {
  const log = createAgentLogger(process.env.TEST_LOG === "1" ? "debug" : "error", { backend: config.backend });
  const actual = executor ?? createExecutor(config, log);
  const agent = new Agent(config, actual, log);
  const stop = new AbortController();
  const done = agent.run(stop.signal).finally(() => agent.close());
  done.catch(() => undefined);
  return {
    agent,
    config,
    executor: actual,
    done,
    stop: async () => {
      // Let handlers that are still tidying up (a result is reported before its cleanup) finish,
      // so tests leave no containers behind; a stuck one is cut off after the deadline.
      const deadline = Date.now() + 15_000;
      while (agent.inFlight().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      stop.abort();
      await done.catch(() => undefined);
    },
    abandon: async () => {
      stop.abort();
      await done.catch(() => undefined);
    },
  };
}
