/**
 * The objects the driver creates, built as plain API JSON from a job definition (pure, so the
 * table tests pin them and the schema tests validate them). The job container is hardened as on
 * docker: non-root, no capabilities, no privilege escalation, RuntimeDefault seccomp, no service
 * account token, no network but what the NetworkPolicies allow.
 */
import type { JobDefinition } from "../types.js";
import type { KubeObject } from "./kube-api.js";
import {
  DATABASE_LABEL,
  JOB_ID_LABEL,
  ROLE_LABEL,
  SAFE_TO_EVICT_ANNOTATION,
  TASK_ID_ANNOTATION,
  TASK_ID_LABEL,
  jobName,
  labelValue,
  runTaskId,
  scopeLabels,
  taskStateSubPath,
} from "./names.js";
import type { DatabaseEgress, KubernetesDeadlines, Toleration } from "./options.js";
import { cpuQuantity, memoryLimitQuantity } from "./quantities.js";

export const JOB_CONTAINER = "job";
export const WORKSPACE_MOUNT = "/workspace";
export const STATE_MOUNT = "/rap-log";
export const LOG_FILE_NAME = "output.log";
export const STARTED_FILE_NAME = "started";
export const EXIT_CODE_FILE_NAME = "exit-code";
/**
 * Seconds between SIGTERM and SIGKILL when a job's pod is deleted. Cancelling is a kill on docker
 * too, so it is short; it is not 0 because only a graceful delete keeps the pod object until the
 * kubelet has stopped the container and released its volumes, which cleanup waits for.
 */
export const JOB_STOP_GRACE_SECONDS = 1;
export const DENY_EGRESS_POLICY = "rap-jobs-deny-all";
export const DATABASE_EGRESS_POLICY = "rap-database-jobs-egress";

/**
 * The job's command: mark the start, run the image's entrypoint with the job's arguments writing
 * everything to a file on the job volume (read by the agent, so kubelet log rotation and dropped
 * log streams cannot lose or repeat a line), then record the exit code next to it.
 */
export const WRAPPER_SCRIPT =
  `: > ${STATE_MOUNT}/${STARTED_FILE_NAME}; "$@" > ${STATE_MOUNT}/${LOG_FILE_NAME} 2>&1; code=$?; ` +
  `echo "$code" > ${STATE_MOUNT}/${EXIT_CODE_FILE_NAME}; exit "$code"`;

export interface JobManifestInput {
  readonly job: JobDefinition;
  readonly namespace: string;
  readonly backend: string;
  readonly image: string;
  readonly entrypoint: readonly string[];
  readonly jobVolumesClaim: string;
  readonly user: { readonly uid: number; readonly gid: number };
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: readonly Toleration[];
  readonly imagePullSecrets: readonly string[];
  readonly deadlines: Pick<KubernetesDeadlines, "activeDeadlineSeconds" | "ttlSecondsAfterFinishedSeconds">;
  /** For database jobs on a real backend: the secret and key holding DATABASE_URL. */
  readonly databaseSecret?: { readonly name: string; readonly key: string } | undefined;
}

export function jobLabels(job: Pick<JobDefinition, "id" | "taskId" | "allowDatabaseAccess">, backend: string) {
  return {
    ...scopeLabels(backend),
    [ROLE_LABEL]: "job",
    [JOB_ID_LABEL]: labelValue(job.id),
    [TASK_ID_LABEL]: labelValue(runTaskId(job.taskId, job.id)),
    [DATABASE_LABEL]: job.allowDatabaseAccess ? "true" : "false",
  };
}

function resources(job: JobDefinition) {
  const cpu = cpuQuantity(job.cpuCount);
  const memory = memoryLimitQuantity(job.memoryLimit);
  const amounts: Record<string, string> = {};
  if (cpu) amounts.cpu = cpu;
  if (memory) amounts.memory = memory;
  // Requests equal limits: the scheduler reserves what the job may use (Guaranteed QoS when both set).
  return Object.keys(amounts).length > 0 ? { requests: { ...amounts }, limits: { ...amounts } } : {};
}

export function buildJobManifest(input: JobManifestInput): KubeObject {
  const { job } = input;
  const labels = jobLabels(job, input.backend);
  const env: Record<string, unknown>[] = Object.entries(job.env)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => ({ name, value }));
  // As on docker: jobs run as a user with no home directory.
  if (!("HOME" in job.env)) env.push({ name: "HOME", value: "/tmp" });
  if (input.databaseSecret) {
    env.push({
      name: "DATABASE_URL",
      valueFrom: { secretKeyRef: { name: input.databaseSecret.name, key: input.databaseSecret.key } },
    });
  }
  const seccompProfile = { type: "RuntimeDefault" };
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: jobName(job.id, job.taskId),
      namespace: input.namespace,
      labels,
      annotations: {
        [TASK_ID_ANNOTATION]: runTaskId(job.taskId, job.id),
        "rap-runner/workspace": job.workspace,
        "rap-runner/action": job.action,
      },
    },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: input.deadlines.activeDeadlineSeconds,
      ttlSecondsAfterFinished: input.deadlines.ttlSecondsAfterFinishedSeconds,
      template: {
        metadata: { labels, annotations: { [SAFE_TO_EVICT_ANNOTATION]: "false" } },
        spec: {
          restartPolicy: "Never",
          terminationGracePeriodSeconds: JOB_STOP_GRACE_SECONDS,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: {
            runAsUser: input.user.uid,
            runAsGroup: input.user.gid,
            runAsNonRoot: true,
            seccompProfile,
          },
          ...(Object.keys(input.nodeSelector).length > 0 ? { nodeSelector: { ...input.nodeSelector } } : {}),
          ...(input.tolerations.length > 0 ? { tolerations: input.tolerations.map((t) => ({ ...t })) } : {}),
          ...(input.imagePullSecrets.length > 0 ? { imagePullSecrets: input.imagePullSecrets.map((name) => ({ name })) } : {}),
          containers: [
            {
              name: JOB_CONTAINER,
              image: input.image,
              command: ["/bin/sh", "-c", WRAPPER_SCRIPT, "rap-job", ...input.entrypoint, ...job.args],
              workingDir: WORKSPACE_MOUNT,
              env,
              resources: resources(job),
              securityContext: {
                allowPrivilegeEscalation: false,
                privileged: false,
                runAsNonRoot: true,
                capabilities: { drop: ["ALL"] },
                seccompProfile,
              },
              volumeMounts: [
                { name: "job-volume", mountPath: WORKSPACE_MOUNT, subPath: job.id },
                { name: "job-volume", mountPath: STATE_MOUNT, subPath: taskStateSubPath(job.id, job.taskId) },
              ],
            },
          ],
          volumes: [{ name: "job-volume", persistentVolumeClaim: { claimName: input.jobVolumesClaim } }],
        },
      },
    },
  };
}

/** Denies every job pod all egress and ingress; other policies may only add to what is allowed. */
export function buildDenyAllPolicy(namespace: string, backend: string): KubeObject {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: DENY_EGRESS_POLICY, namespace, labels: scopeLabels(backend) },
    spec: {
      podSelector: { matchLabels: { ...scopeLabels(backend), [ROLE_LABEL]: "job" } },
      policyTypes: ["Ingress", "Egress"],
      ingress: [],
      egress: [],
    },
  };
}

/** Lets database jobs (and only them) reach the database's addresses and ports. */
export function buildDatabaseEgressPolicy(namespace: string, backend: string, egress: readonly DatabaseEgress[]): KubeObject {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: DATABASE_EGRESS_POLICY, namespace, labels: scopeLabels(backend) },
    spec: {
      podSelector: { matchLabels: { ...scopeLabels(backend), [ROLE_LABEL]: "job", [DATABASE_LABEL]: "true" } },
      policyTypes: ["Egress"],
      egress: egress.map((rule) => ({ to: [{ ipBlock: { cidr: rule.cidr } }], ports: [{ protocol: "TCP", port: rule.port }] })),
    },
  };
}
