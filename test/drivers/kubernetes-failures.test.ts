/**
 * How the kubernetes driver maps what goes wrong in a cluster to job outcomes, against the fake API
 * server (no real cluster was available): image pull errors, unschedulable pods, volume attach
 * failures, eviction, deadlines, pods and Jobs deleted from outside; and that nothing is left behind.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobName, runTaskId } from "../../runtime-drivers/kubernetes/names.js";
import { kubernetesExecutor, runThrough, shellJob, type ExecutorUnderTest } from "../support/fake-kubernetes/executor-harness.js";
import {
  assertNothingLeft,
  JOB_VOLUMES_CLAIM,
  NAMESPACE,
  startKubernetesTestEnvironment,
  type KubernetesTestEnvironment,
} from "../support/fake-kubernetes/kubernetes-runtime.js";
import { waitFor } from "../support/wait-for.js";

describe("kubernetes driver failure modes (fake API server, real docker)", () => {
  let env: KubernetesTestEnvironment;
  const opened: ExecutorUnderTest[] = [];
  const signal = new AbortController().signal;

  beforeAll(async () => {
    env = await startKubernetesTestEnvironment();
  });
  afterAll(async () => {
    await Promise.all(opened.map((o) => o.close()));
    try {
      await assertNothingLeft(env);
    } finally {
      await env.dispose();
    }
  });

  function executor(extra: Record<string, unknown> = {}) {
    const made = kubernetesExecutor(env, extra);
    opened.push(made);
    return made;
  }

  /** The job's pod once it runs (its container started). */
  async function runningPod(job: { id: string; taskId: string }) {
    return waitFor(
      () =>
        env.cluster
          .list("pods", NAMESPACE, `job-name=${jobName(job.id, job.taskId)}`)
          .find((pod) => (pod.status as { phase?: string } | undefined)?.phase === "Running"),
      { timeoutMs: 30_000, message: "the job's pod to run" },
    );
  }

  it("fails a job whose image cannot be pulled, after the grace period, with the pull error", async () => {
    const { executor: k8s } = executor();
    const job = shellJob("echo never", { image: "ghcr.io/opensafely-core/no-such-image:v9" });
    const status = await runThrough(k8s, job, signal);
    expect(status.state).toBe("finalized");
    expect(status.results.exit_code).toBe("-1");
    expect(status.results.status_message).toBe(
      'Image rap-standin/no-such-image:v9 could not be pulled (ImagePullBackOff: Back-off pulling image "rap-standin/no-such-image:v9")',
    );
    await k8s.cleanup(job, signal);
  });

  it("fails an unschedulable job after the pending timeout, naming the pod's events", async () => {
    const { executor: k8s } = executor({
      node_selector: { agentpool: "gpu" },
      deadlines: { image_pull_grace_seconds: 2, pending_timeout_seconds: 3 },
    });
    const job = shellJob("echo never");
    const status = await runThrough(k8s, job, signal);
    const scheduling =
      "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.";
    expect(status.results.status_message).toBe(
      `The job did not start within 3 seconds (unschedulable: ${scheduling})\nEvents:\n  Pod FailedScheduling: ${scheduling}`,
    );
    await k8s.cleanup(job, signal);
  });

  it("fails a job whose volume cannot be attached after the pending timeout, with the attach events", async () => {
    const { executor: k8s } = executor({ deadlines: { image_pull_grace_seconds: 2, pending_timeout_seconds: 3 } });
    env.cluster.failVolumeAttach(JOB_VOLUMES_CLAIM);
    try {
      const job = shellJob("echo never");
      const status = await runThrough(k8s, job, signal);
      expect(status.results.status_message).toBe(
        "The job did not start within 3 seconds\nEvents:\n" +
          `  Pod FailedAttachVolume: Multi-Attach error for volume "pvc-${JOB_VOLUMES_CLAIM}" Volume is already exclusively attached to one node and can't be attached to another`,
      );
      await k8s.cleanup(job, signal);
    } finally {
      env.cluster.failVolumeAttach(JOB_VOLUMES_CLAIM, false);
    }
  });

  it("reports an evicted pod as an executor error (the controller retries such jobs), not a job failure", async () => {
    const { executor: k8s } = executor();
    const job = shellJob("while [ ! -f go ]; do sleep 0.05; done");
    await k8s.prepare(job, signal);
    await k8s.execute(job, signal);
    const pod = await runningPod(job);
    await env.cluster.evictPod(NAMESPACE, pod.metadata.name);
    expect((await k8s.waitForExit(job, signal)).state).toBe("executed");
    const status = await k8s.finalize(job, {}, signal);
    expect(status.state).toBe("error");
    expect(status.results.error).toEqual({
      type: "KubernetesError",
      message: "The job's pod was stopped by the cluster: The node was low on resource: memory.",
    });
    await k8s.cleanup(job, signal);
  });

  it("stops a job at its deadline and says so", async () => {
    const { executor: k8s } = executor({
      deadlines: { active_deadline_seconds: 2, image_pull_grace_seconds: 2, pending_timeout_seconds: 30 },
    });
    const job = shellJob("echo started > output/started.txt\nwhile true; do sleep 0.05; done");
    const status = await runThrough(k8s, job, signal);
    expect([status.state, status.results.exit_code, status.results.status_message]).toEqual([
      "finalized",
      "137",
      "Job exceeded its time limit of 2 seconds and was stopped",
    ]);
    await k8s.cleanup(job, signal);
  });

  it("cancelled while its kubelet is still starting the pod, leaves no volume or state directory", async () => {
    const { executor: k8s } = executor();
    const job = shellJob("while [ ! -f go ]; do sleep 0.05; done");
    const selector = `job-name=${jobName(job.id, job.taskId)}`;
    env.cluster.holdContainerStarts();
    try {
      await k8s.prepare(job, signal);
      await k8s.execute(job, signal);
      await waitFor(
        () => env.cluster.list("pods", NAMESPACE, selector).find((pod) => (pod.spec as { nodeName?: string }).nodeName),
        { message: "the pod to be scheduled" },
      );
      expect((await k8s.terminate(job, signal)).state).toBe("executed");
      await k8s.finalize(job, { cancelled: true }, signal);
      const cleaning = k8s.cleanup(job, signal);
      // The kubelet finishes its start (creating the mount directories) only now.
      env.cluster.releaseContainerStarts();
      await cleaning;
    } finally {
      env.cluster.releaseContainerStarts();
    }
    await env.cluster.settled();
    expect(env.cluster.list("pods", NAMESPACE, selector)).toEqual([]);
    expect(existsSync(path.join(env.volumesDir, job.id))).toBe(false);
    expect(existsSync(path.join(env.volumesDir, ".rap-runner", job.id))).toBe(false);
  });

  it("force-deletes a pod its kubelet never stops, after pod_stop_timeout_seconds, and leaves nothing", async () => {
    const counted: string[] = [];
    const sink = { increment: (name: string) => counted.push(name), limiterTokens: () => undefined };
    const made = kubernetesExecutor(env, { deadlines: { pod_stop_timeout_seconds: 1 } }, undefined, { kubernetesMetrics: sink });
    opened.push(made);
    const k8s = made.executor;
    const job = shellJob("while [ ! -f go ]; do sleep 0.05; done");
    await k8s.prepare(job, signal);
    await k8s.execute(job, signal);
    const pod = await runningPod(job);
    env.cluster.wedgeKubelet();
    try {
      expect((await k8s.terminate(job, signal)).state).toBe("executed");
      // The graceful delete is stuck: the pod is terminating but still there.
      const terminating = env.cluster.list("pods", NAMESPACE, `job-name=${jobName(job.id, job.taskId)}`);
      expect(terminating.map((found) => [found.metadata.name, typeof found.metadata.deletionTimestamp])).toEqual([
        [pod.metadata.name, "string"],
      ]);
      await k8s.finalize(job, { cancelled: true }, signal);
      await k8s.cleanup(job, signal);
    } finally {
      env.cluster.wedgeKubelet(false);
    }
    expect(counted.filter((name) => name === "pods_forcefully_deleted_total")).toEqual(["pods_forcefully_deleted_total"]);
    expect(env.cluster.list("pods", NAMESPACE, `job-name=${jobName(job.id, job.taskId)}`)).toEqual([]);
    expect(existsSync(path.join(env.volumesDir, job.id))).toBe(false);
    expect(existsSync(path.join(env.volumesDir, ".rap-runner", job.id))).toBe(false);
  });

  it("reports a pod deleted from outside the agent as an executor error", async () => {
    const { executor: k8s } = executor();
    const job = shellJob("while [ ! -f go ]; do sleep 0.05; done");
    await k8s.prepare(job, signal);
    await k8s.execute(job, signal);
    const pod = await runningPod(job);
    const response = await fetch(`${env.cluster.url}/api/v1/namespaces/${NAMESPACE}/pods/${pod.metadata.name}`, {
      method: "DELETE",
      body: JSON.stringify({ gracePeriodSeconds: 1 }),
    });
    expect(response.status).toBe(200);
    expect((await k8s.waitForExit(job, signal)).state).toBe("executed");
    const status = await k8s.finalize(job, {}, signal);
    expect(status.results.error).toEqual({
      type: "KubernetesError",
      message: "The job's pod was deleted before the job finished",
    });
    await k8s.cleanup(job, signal);
  });

  it("reports a Job deleted with its pod from outside, while no agent watched, as vanished", async () => {
    const first = executor();
    const job = shellJob("while [ ! -f go ]; do sleep 0.05; done");
    await first.executor.prepare(job, signal);
    await first.executor.execute(job, signal);
    await runningPod(job);
    await waitFor(() => existsSync(path.join(env.volumesDir, ".rap-runner", job.id)), { message: "the job's state directory" });
    await first.close();
    const name = jobName(job.id, job.taskId);
    await fetch(`${env.cluster.url}/apis/batch/v1/namespaces/${NAMESPACE}/jobs/${name}`, {
      method: "DELETE",
      body: JSON.stringify({ propagationPolicy: "Background", gracePeriodSeconds: 0 }),
    });
    await waitFor(() => env.cluster.list("pods", NAMESPACE, `job-name=${name}`).length === 0, { message: "the pod to go" });
    // A new agent (same workdir) finds the started marker but no Job: the job vanished, it never runs again.
    const second = kubernetesExecutor(env, {}, first.config.workdir);
    opened.push(second);
    expect((await second.executor.getStatus(job, {}, signal)).state).toBe("executed");
    const status = await second.executor.finalize(job, {}, signal);
    expect(status.results.error).toEqual({
      type: "KubernetesError",
      message: "The job's Job and pod disappeared before the job finished (deleted from outside the agent)",
    });
    expect(env.cluster.list("jobs", NAMESPACE, `rap-runner/task-id=${runTaskId(job.taskId, job.id)}`)).toEqual([]);
    await second.executor.cleanup(job, signal);
  });

  it("rejects a config with an unknown key under kubernetes:", () => {
    expect(() => kubernetesExecutor(env, { namespaces: "typo" })).toThrow(
      "invalid agent config: kubernetes: unknown key(s) namespaces",
    );
  });
});
