/**
 * Live logs on the kubernetes driver, as `rap logs [-f]` reads them through the agent: the fake API
 * server (no real cluster was available) runs the pod as a real docker container, the driver
 * follows the job's log file on the job volume.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobLogs, type LogChunk } from "../../agent/local/job-logs.js";
import type { JobDefinition } from "../../runtime-drivers/index.js";
import { kubernetesExecutor, shellJob, type ExecutorUnderTest } from "../support/fake-kubernetes/executor-harness.js";
import {
  assertNothingLeft,
  startKubernetesTestEnvironment,
  type KubernetesTestEnvironment,
} from "../support/fake-kubernetes/kubernetes-runtime.js";
import { waitFor } from "../support/wait-for.js";

const LINES = 3000;
const SCRIPT = [
  "echo line-0",
  "while [ ! -f go ]; do sleep 0.05; done",
  `i=1; while [ $i -lt ${LINES} ]; do echo line-$i; i=$((i+1)); done`,
].join("\n");
const expectedLog = Array.from({ length: LINES }, (_, i) => `line-${i}\n`).join("");

describe("kubernetes driver live logs (fake API server, real docker)", () => {
  let env: KubernetesTestEnvironment;
  let agent: ExecutorUnderTest;
  const signal = new AbortController().signal;

  beforeAll(async () => {
    env = await startKubernetesTestEnvironment();
    agent = kubernetesExecutor(env);
  });
  afterAll(async () => {
    await agent.close();
    try {
      await assertNothingLeft(env);
    } finally {
      await env.dispose();
    }
  });

  const release = (job: JobDefinition) => writeFileSync(path.join(env.volumesDir, job.id, "go"), "");

  async function collect(chunks: AsyncIterable<LogChunk>, into: { text: string; sources: Set<string> }) {
    for await (const chunk of chunks) {
      into.text += Buffer.from(chunk.data).toString("utf8");
      into.sources.add(chunk.source);
    }
  }

  it("follows a running job's output until its container ends, every line once, then falls back to the log file", async () => {
    const k8s = agent.executor;
    const job = shellJob(SCRIPT);
    await k8s.prepare(job, signal);
    await k8s.execute(job, signal);
    await waitFor(() => k8s.isRunning(job.id, signal), { timeoutMs: 30_000, message: "the job's pod to run" });

    const followed = { text: "", sources: new Set<string>() };
    const following = collect(jobLogs(k8s, agent.config.storage, job.id, true, signal), followed);
    await waitFor(() => followed.text === "line-0\n", { timeoutMs: 30_000, message: "the first line to be followed" });

    // Without follow: what is there now, and the stream ends while the job still runs.
    const snapshot = { text: "", sources: new Set<string>() };
    await collect(jobLogs(k8s, agent.config.storage, job.id, false, signal), snapshot);
    expect(snapshot).toEqual({ text: "line-0\n", sources: new Set(["container"]) });

    release(job);
    await following;
    expect(followed.text).toBe(expectedLog);
    expect(followed.sources).toEqual(new Set(["container"]));
    expect((await k8s.waitForExit(job, signal)).state).toBe("executed");
    expect(await k8s.isRunning(job.id, signal)).toBe(false);

    expect((await k8s.finalize(job, {}, signal)).state).toBe("finalized");
    await k8s.cleanup(job, signal);
    // No Job any more: the driver streams nothing, the agent reads the finished job's log file.
    const chunks: Uint8Array[] = [];
    for await (const chunk of k8s.streamLogs(job.id, { follow: true }, signal)) chunks.push(chunk);
    expect(chunks).toEqual([]);
    const after = { text: "", sources: new Set<string>() };
    await collect(jobLogs(k8s, agent.config.storage, job.id, true, signal), after);
    expect(after.sources).toEqual(new Set(["log_file"]));
    expect(after.text).toContain(expectedLog);
  });

  it("streams nothing and reports not running for a job it never saw", async () => {
    const chunks: Uint8Array[] = [];
    for await (const chunk of agent.executor.streamLogs("0000000000000000", { follow: true }, signal)) chunks.push(chunk);
    expect(chunks).toEqual([]);
    expect(await agent.executor.isRunning("0000000000000000", signal)).toBe(false);
  });
});
