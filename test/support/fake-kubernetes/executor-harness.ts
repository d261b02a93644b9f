/**
 * The kubernetes executor on its own against the fake cluster (no controller), for the failure,
 * watch, log and cancel tests: real config parsing and factory, real git checkout, real docker
 * containers behind the fake kubelet. No real cluster was available to build this project.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { agentConfigFrom, readAgentConfigFile, type AgentConfig } from "../../../agent/config.js";
import { createExecutor, type ExecutorExtras } from "../../../agent/executor-factory.js";
import { createAgentLogger } from "../../../agent/logger.js";
import type { JobDefinition, JobStatus } from "../../../runtime-drivers/index.js";
import type { KubernetesExecutor } from "../../../runtime-drivers/kubernetes/executor.js";
import { jobLogDir } from "../../../runtime-drivers/job-files/index.js";
import { createStudyRepo } from "../study-repo.js";
import type { KubernetesTestEnvironment } from "./kubernetes-runtime.js";

export interface ExecutorUnderTest {
  readonly executor: KubernetesExecutor;
  readonly config: AgentConfig;
  close(): Promise<void>;
}

/** An agent config and executor for `env`, with `extra` merged into the `kubernetes:` section. */
export function kubernetesExecutor(
  env: KubernetesTestEnvironment,
  extra: Record<string, unknown> = {},
  workdir?: string,
  extras: ExecutorExtras = {},
): ExecutorUnderTest {
  const dir = workdir ?? mkdtempSync(path.join(env.dir, "agent-"));
  const file = env.writeAgentConfig(extra);
  const config = agentConfigFrom(
    {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      BACKEND: "test",
      CONTROLLER_URL: "http://127.0.0.1:1",
      AGENT_TOKEN: "unused",
      AGENT_WORKDIR: dir,
      AGENT_ID: `agent-${path.basename(dir)}`,
      HIGH_PRIVACY_STORAGE_BASE: path.join(dir, "high_privacy"),
      MEDIUM_PRIVACY_STORAGE_BASE: path.join(dir, "medium_privacy"),
    },
    readAgentConfigFile(file),
    file,
  );
  const log = createAgentLogger(process.env.TEST_LOG === "1" ? "debug" : "error", { backend: "test" });
  const executor = createExecutor(config, log, extras) as KubernetesExecutor;
  return { executor, config, close: () => executor.close() };
}

/** A job definition running `script` (a shell script) in a fresh study repository. */
export function shellJob(script: string, overrides: Partial<JobDefinition> = {}): JobDefinition {
  const study = createStudyRepo(
    { "analysis/job.sh": `set -e\nmkdir -p output\n${script}\n` },
    mkdtempSync(path.join(tmpdir(), "rap-k8s-study-")),
  );
  const id = randomBytes(8).toString("hex");
  return {
    id,
    rapId: randomBytes(8).toString("hex"),
    taskId: `${id}-001`,
    repoUrl: study.path,
    commit: study.commit,
    study: { gitRepoUrl: study.path, commit: study.commit, branch: "main" },
    workspace: `ws-${id.slice(0, 6)}`,
    action: "job",
    createdAt: Math.floor(Date.now() / 1000),
    image: "ghcr.io/opensafely-core/python:v2",
    args: ["analysis/job.sh"],
    env: { OPENSAFELY_BACKEND: "test" },
    inputJobIds: [],
    outputSpec: { "output/*": "moderately_sensitive" },
    allowDatabaseAccess: false,
    level4MaxCsvRows: 5000,
    level4MaxFilesize: 16 * 1024 * 1024,
    level4FileTypes: [".txt", ".csv", ".log"],
    user: "testuser",
    ...overrides,
  };
}

/** Prepare, execute, wait, finalize: the RUNJOB path without the agent around it. */
export async function runThrough(executor: KubernetesExecutor, job: JobDefinition, signal: AbortSignal): Promise<JobStatus> {
  await executor.prepare(job, signal);
  await executor.execute(job, signal);
  const exited = await executor.waitForExit(job, signal);
  if (exited.state !== "executed") throw new Error(`expected executed, got ${exited.state}`);
  return executor.finalize(job, {}, signal);
}

export function jobLogText(config: AgentConfig, job: JobDefinition): string {
  return readFileSync(path.join(jobLogDir(config.storage, job), "logs.txt"), "utf8");
}
