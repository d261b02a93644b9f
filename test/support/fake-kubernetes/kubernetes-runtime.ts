/**
 * The kubernetes driver's side of the driver contract: a fake cluster (no real cluster was
 * available) whose pods run through real docker, the agent's YAML config pointing at it, and the
 * checks that nothing of a job is left in the cluster once it is gone.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { jobName } from "../../../runtime-drivers/kubernetes/names.js";
import type { ContractRuntime } from "../../drivers/driver-contract.js";
import { STANDIN_IMAGE_MAP, standinImage } from "../standin-images.js";
import { waitFor } from "../wait-for.js";
import { FakeCluster } from "./fake-cluster.js";

export const NAMESPACE = "rap-test";
export const JOB_VOLUMES_CLAIM = "rap-job-volumes";
export const MANAGED = "app.kubernetes.io/managed-by=rap-runner";

export interface KubernetesTestEnvironment {
  readonly cluster: FakeCluster;
  readonly dir: string;
  readonly volumesDir: string;
  /** Writes an agent config file for this cluster (extra `kubernetes:` keys merged in) and returns its path. */
  writeAgentConfig(extra?: Record<string, unknown>, top?: Record<string, unknown>): string;
  dispose(): Promise<void>;
}

export async function startKubernetesTestEnvironment(): Promise<KubernetesTestEnvironment> {
  const dir = mkdtempSync(path.join(tmpdir(), "rap-k8s-"));
  const volumesDir = path.join(dir, "job-volumes");
  const cluster = await FakeCluster.start({
    dataDir: path.join(dir, "cluster"),
    claimHostPaths: { [JOB_VOLUMES_CLAIM]: volumesDir },
  });
  // What `kubectl apply -f deploy/kubernetes/` provides before the agent starts: the shared claim.
  cluster.apply("persistentvolumeclaims", NAMESPACE, {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: JOB_VOLUMES_CLAIM },
    spec: { accessModes: ["ReadWriteMany"], storageClassName: "rap-azurefile", resources: { requests: { storage: "10Gi" } } },
  });
  let configs = 0;
  return {
    cluster,
    dir,
    volumesDir,
    writeAgentConfig(extra = {}, top = {}) {
      configs += 1;
      const file = path.join(dir, `agent-${configs}.yaml`);
      const kubernetes = {
        namespace: NAMESPACE,
        server: cluster.url,
        job_volumes_claim: JOB_VOLUMES_CLAIM,
        entrypoints: { default: ["/bin/sh"] },
        deadlines: { image_pull_grace_seconds: 2, pending_timeout_seconds: 30 },
        watch: { silence_seconds: 5, resync_seconds: 120, max_backoff_ms: 2000 },
        ...extra,
      };
      const driver = { kind: "kubernetes", image_map: STANDIN_IMAGE_MAP };
      writeFileSync(file, stringify({ driver, kubernetes, storage: { volumes_dir: volumesDir }, ...top }));
      return file;
    },
    async dispose() {
      await cluster.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Throws unless the cluster holds no Job or Pod of ours and the volumes hold no job's directory. */
export async function assertNothingLeft(env: KubernetesTestEnvironment): Promise<void> {
  const jobs = env.cluster.list("jobs", NAMESPACE, MANAGED).map((job) => job.metadata.name);
  const pods = env.cluster.list("pods", NAMESPACE, MANAGED).map((pod) => pod.metadata.name);
  // The kubelet removes a deleted pod's container just after the pod object goes: allow it that.
  const containers = await waitFor(
    async () => {
      const found = (await env.cluster.containers()).map((container) => container.pod);
      return found.filter((pod) => !pods.includes(pod)).length === 0 && found;
    },
    { timeoutMs: 15_000, message: "deleted pods' containers to be removed" },
  ).catch(async () => (await env.cluster.containers()).map((container) => container.pod));
  const list = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);
  const volumes = list(env.volumesDir).filter((name) => name !== ".rap-runner");
  const state = list(path.join(env.volumesDir, ".rap-runner"));
  const left = { jobs, pods, containers, volumes, state };
  if (Object.values(left).some((list) => list.length > 0)) throw new Error(`left in the fake cluster: ${JSON.stringify(left)}`);
}

export function kubernetesContractRuntime(): ContractRuntime {
  let env: KubernetesTestEnvironment | undefined;
  const current = () => {
    if (!env) throw new Error("the fake cluster has not been started");
    return env;
  };
  return {
    driver: "kubernetes",
    async setup() {
      env = await startKubernetesTestEnvironment();
      return { AGENT_CONFIG: env.writeAgentConfig() };
    },
    async teardown() {
      try {
        await assertNothingLeft(current());
      } finally {
        await current().dispose();
      }
    },
    async isGone(id) {
      const selector = `rap-runner/job-id=${id}`;
      const { cluster } = current();
      const pods = cluster.list("pods", NAMESPACE, selector).map((pod) => pod.metadata.name);
      const containers = (await cluster.containers()).filter((container) => container.pod.startsWith(`os-job-${id}`));
      return cluster.list("jobs", NAMESPACE, selector).length === 0 && pods.length === 0 && containers.length === 0;
    },
    leaveOtherAttempt(id, taskId) {
      const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
      current().cluster.apply("jobs", NAMESPACE, {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: {
          name: jobName(id, taskId),
          labels: {
            "app.kubernetes.io/managed-by": "rap-runner",
            "rap-runner/backend": "test",
            "rap-runner/role": "job",
            "rap-runner/job-id": id,
            "rap-runner/task-id": taskId,
          },
          annotations: { "rap-runner/task-id": taskId },
        },
        spec: {
          template: {
            spec: { restartPolicy: "Never", containers: [{ name: "job", image: standinImage("python:v2") }] },
          },
        },
        status: { succeeded: 1, conditions: [{ type: "Complete", status: "True", lastTransitionTime: now }] },
      });
      return Promise.resolve();
    },
    oomMessage: "Job exited with an error: Job ran out of memory (limit was 0.06GB)",
  };
}
