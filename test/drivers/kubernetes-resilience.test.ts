/**
 * The kubernetes driver when the API or the agent misbehaves, against the fake API server (no real
 * cluster was available): watches dropped, expired (410) or silent mid-job; a 50 MB chatty log
 * while watches keep dropping; an agent replaced at every step of a job; cancel during prepare,
 * execute and finalize. After all of it the cluster holds nothing of ours.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cancelJob } from "../../agent/cancel-job.js";
import type { JobDefinition, JobStatus } from "../../runtime-drivers/index.js";
import { highWorkspaceDir } from "../../runtime-drivers/job-files/index.js";
import { jobName } from "../../runtime-drivers/kubernetes/names.js";
import { jobLogText, kubernetesExecutor, shellJob, type ExecutorUnderTest } from "../support/fake-kubernetes/executor-harness.js";
import {
  assertNothingLeft,
  NAMESPACE,
  startKubernetesTestEnvironment,
  type KubernetesTestEnvironment,
} from "../support/fake-kubernetes/kubernetes-runtime.js";
import { waitFor } from "../support/wait-for.js";

const GATED = "echo run >> output/runs.txt\nwhile [ ! -f go ]; do sleep 0.05; done";

describe("kubernetes driver resilience (fake API server, real docker)", () => {
  let env: KubernetesTestEnvironment;
  const opened: ExecutorUnderTest[] = [];
  const signal = new AbortController().signal;

  beforeAll(async () => {
    env = await startKubernetesTestEnvironment();
  });
  afterAll(async () => {
    await Promise.all(
      opened.map(async (o, index) => {
        const started = Date.now();
        await o.close();
        if (process.env.TEST_LOG === "1") console.error(`closed ${index} in ${Date.now() - started} ms`);
      }),
    );
    try {
      await assertNothingLeft(env);
    } finally {
      await env.dispose();
    }
  });

  function executor(extra: Record<string, unknown> = {}, workdir?: string) {
    const made = kubernetesExecutor(env, extra, workdir);
    opened.push(made);
    return made;
  }

  const release = (job: JobDefinition) => writeFileSync(path.join(env.volumesDir, job.id, "go"), "");
  const podPhase = (job: JobDefinition) =>
    env.cluster
      .list("pods", NAMESPACE, `job-name=${jobName(job.id, job.taskId)}`)
      .map((pod) => (pod.status as { phase?: string } | undefined)?.phase)[0];
  const running = (job: JobDefinition) =>
    waitFor(() => podPhase(job) === "Running", { timeoutMs: 30_000, message: "the job's pod to run" });

  for (const fault of ["dropped", "answered 410", "silent"] as const) {
    it(`sees a job finish when its watches are ${fault} mid-job`, async () => {
      const { executor: k8s, config } = executor();
      const counters = (k8s as unknown as { options: { counters: { total(name: string, labels?: object): number } } }).options
        .counters;
      const job = shellJob(GATED);
      await k8s.prepare(job, signal);
      await k8s.execute(job, signal);
      await running(job);
      const waiting = k8s.waitForExit(job, signal);
      await waitFor(() => env.cluster.server.openWatches >= 2, { message: "the informers' watches" });
      const affected =
        fault === "dropped"
          ? env.cluster.server.dropWatches()
          : fault === "answered 410"
            ? env.cluster.server.expireWatches()
            : env.cluster.server.silenceWatches();
      expect(affected).toBeGreaterThanOrEqual(2);
      release(job);
      const exited: JobStatus = await waiting;
      expect(exited.state).toBe("executed");
      const cause = { dropped: "error", "answered 410": "gone", silent: "silence" }[fault];
      if (fault !== "dropped")
        expect(counters.total("watch_restarts_total", { resource: "pods", cause })).toBeGreaterThanOrEqual(1);
      const finalized = await k8s.finalize(job, {}, signal);
      expect([finalized.state, finalized.results.status_message]).toEqual(["finalized", "Completed successfully"]);
      expect(readFileSync(path.join(highWorkspaceDir(config.storage, job.workspace), "output/runs.txt"), "utf8")).toBe("run\n");
      await k8s.cleanup(job, signal);
    });
  }

  it("keeps a 50 MB chatty log complete, each line once, while watches keep dropping", async () => {
    const { executor: k8s, config } = executor();
    const lines = 700_000;
    // 72-byte numbered lines, 50.4 MB in all, written as fast as the job can.
    const job = shellJob(
      `awk 'BEGIN { for (i = 1; i <= ${lines}; i++) printf "line %07d %s\\n", i, "chatty-chatty-chatty-chatty-chatty-chatty-chatty-cha" }'\necho done > output/done.txt`,
    );
    await k8s.prepare(job, signal);
    await k8s.execute(job, signal);
    const waiting = k8s.waitForExit(job, signal);
    let drops = 0;
    const dropping = setInterval(() => (drops += env.cluster.server.dropWatches()), 200);
    try {
      expect((await waiting).state).toBe("executed");
    } finally {
      clearInterval(dropping);
    }
    const finalized = await k8s.finalize(job, {}, signal);
    expect(finalized.results.status_message).toBe("Completed successfully");
    const numbered = jobLogText(config, job)
      .split("\n")
      .filter((line) => line.startsWith("line "));
    expect(numbered.length).toBe(lines);
    expect(numbered[0]).toBe("line 0000001 chatty-chatty-chatty-chatty-chatty-chatty-chatty-cha");
    expect(numbered.every((line, index) => line.startsWith(`line ${String(index + 1).padStart(7, "0")} `))).toBe(true);
    expect(drops).toBeGreaterThan(0);
    await k8s.cleanup(job, signal);
  });

  it("runs a job once and reports it when the agent is replaced after every step", async () => {
    const workdir = path.join(env.dir, `restart-${randomBytes(4).toString("hex")}`);
    mkdirSync(workdir, { recursive: true });
    const fresh = () => executor({}, workdir).executor;
    const job = shellJob(GATED);
    await fresh().prepare(job, signal);
    // Killed after prepare: the next agent finds the job prepared and creates its Job.
    expect((await fresh().getStatus(job, {}, signal)).state).toBe("prepared");
    await fresh().execute(job, signal);
    // Killed after creating the Job: the next one finds that Job and adopts it, making no second one.
    const adopter = fresh();
    expect((await adopter.execute(job, signal)).state).toBe("executing");
    const counters = (adopter as unknown as { options: { counters: { total(name: string): number } } }).options.counters;
    expect(counters.total("job_create_calls_total")).toBe(0);
    expect(env.cluster.list("jobs", NAMESPACE, `rap-runner/job-id=${job.id}`).map((found) => found.metadata.name)).toEqual([
      jobName(job.id, job.taskId),
    ]);
    await running(job);
    release(job);
    // Killed while the job ran: the next one waits for it.
    expect((await fresh().waitForExit(job, signal)).state).toBe("executed");
    // Killed before finalizing, then after finalizing but before cleanup: the result is read back.
    const finalized = await fresh().finalize(job, {}, signal);
    expect(finalized.results.status_message).toBe("Completed successfully");
    const next = fresh();
    expect((await next.getStatus(job, {}, signal)).state).toBe("finalized");
    expect(await next.reapFinished(signal)).toEqual([job.id]);
    expect(env.cluster.list("jobs", NAMESPACE, `rap-runner/job-id=${job.id}`)).toEqual([]);
    expect(existsSync(path.join(env.volumesDir, job.id))).toBe(false);
    const agent = next as unknown as { options: { layout: Parameters<typeof highWorkspaceDir>[0] } };
    expect(readFileSync(path.join(highWorkspaceDir(agent.options.layout, job.workspace), "output/runs.txt"), "utf8")).toBe(
      "run\n",
    );
  });

  describe("cancel", () => {
    const reporter = { status: () => undefined, stage: () => undefined } as unknown as Parameters<typeof cancelJob>[2];
    const cancelOf = (job: JobDefinition): JobDefinition => ({ ...job, taskId: `${job.taskId}-cancel` });

    async function expectGone(job: JobDefinition, workspaceFile: string) {
      await waitFor(() => env.cluster.list("pods", NAMESPACE, `rap-runner/job-id=${job.id}`).length === 0, {
        message: "the job's pods to go",
      });
      expect(env.cluster.list("jobs", NAMESPACE, `rap-runner/job-id=${job.id}`)).toEqual([]);
      expect(existsSync(path.join(env.volumesDir, job.id))).toBe(false);
      expect(existsSync(path.join(env.volumesDir, ".rap-runner", job.id))).toBe(false);
      // The workspace is not the job's to remove.
      expect(readFileSync(workspaceFile, "utf8")).toBe("kept\n");
    }

    function withWorkspace(config: { storage: Parameters<typeof highWorkspaceDir>[0] }, job: JobDefinition): string {
      const file = path.join(highWorkspaceDir(config.storage, job.workspace), "output/earlier.txt");
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, "kept\n");
      return file;
    }

    it("during prepare: no Job was made, the volume goes, the workspace stays", async () => {
      const { executor: k8s, config } = executor();
      const job = shellJob(GATED);
      const workspaceFile = withWorkspace(config, job);
      await k8s.prepare(job, signal);
      await cancelJob(k8s, cancelOf(job), reporter, signal);
      await expectGone(job, workspaceFile);
      expect((await k8s.getStatus(cancelOf(job), { cancelled: true }, signal)).state).toBe("finalized");
    });

    it("during execute: the Job and its pod go at once, the log so far is kept", async () => {
      const { executor: k8s, config } = executor();
      const job = shellJob(`echo before-cancel\n${GATED}`);
      const workspaceFile = withWorkspace(config, job);
      await k8s.prepare(job, signal);
      await k8s.execute(job, signal);
      await running(job);
      await waitFor(() => existsSync(path.join(env.volumesDir, job.id, "output/runs.txt")), { message: "the job to start" });
      await cancelJob(k8s, cancelOf(job), reporter, signal);
      await expectGone(job, workspaceFile);
      const log = jobLogText(config, cancelOf(job));
      expect(log).toContain("before-cancel\n");
      expect(log).toContain("Job cancelled by system");
    });

    it("during finalize: the finished Job goes, the log is kept", async () => {
      const { executor: k8s, config } = executor();
      const job = shellJob("echo finished-before-cancel\necho x > output/x.txt");
      const workspaceFile = withWorkspace(config, job);
      await k8s.prepare(job, signal);
      await k8s.execute(job, signal);
      expect((await k8s.waitForExit(job, signal)).state).toBe("executed");
      await cancelJob(k8s, cancelOf(job), reporter, signal);
      await expectGone(job, workspaceFile);
      expect(jobLogText(config, cancelOf(job))).toContain("finished-before-cancel\n");
    });
  });
});
