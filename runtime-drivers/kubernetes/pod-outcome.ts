/**
 * What a Job and its pod say about the job, mapped to what the job's user needs to know. Pure: the
 * executor feeds it the cached objects and the clock. Kubernetes-level failures fall in two kinds:
 * the job's own (it cannot run as written: image, scheduling, deadline, memory) fail the job with a
 * clear message; the platform's (eviction, node loss, a pod deleted from outside) are executor
 * errors, which the controller answers with a fresh attempt, as upstream does.
 */
import type { ContainerStateTerminated, KubeObject } from "./kube-api.js";
import { JOB_CONTAINER } from "./manifests.js";
import type { KubernetesDeadlines } from "./options.js";

/** Waiting reasons that mean the image cannot be had (agent-stack-k8s's list). */
export const IMAGE_ERRORS: ReadonlySet<string> = new Set([
  "ImagePullBackOff",
  "ErrImagePull",
  "ErrImageNeverPull",
  "InvalidImageName",
]);
/** Waiting reasons that will not clear on their own (a missing secret or config). */
const CONFIG_ERRORS: ReadonlySet<string> = new Set(["CreateContainerConfigError", "CreateContainerError", "RunContainerError"]);
/** Pod-level reasons of a pod the platform took away. */
const DISRUPTIONS: ReadonlySet<string> = new Set(["Evicted", "NodeLost", "Shutdown", "NodeShutdown", "Terminated", "Preempting"]);

export type FailureKind = "job" | "executor";

export interface Failure {
  readonly kind: FailureKind;
  /** Short machine reason: ImagePull, Unschedulable, DeadlineExceeded, Evicted, PodDeleted, … */
  readonly reason: string;
  readonly message: string;
  /** When events of the pod/Job should be appended to the message (pending too long). */
  readonly withEvents?: boolean;
}

export type Observation =
  | { readonly kind: "absent" }
  | { readonly kind: "pending"; readonly sinceMs: number }
  | { readonly kind: "running"; readonly startedAt: string | undefined }
  | {
      readonly kind: "terminated";
      readonly terminated: ContainerStateTerminated;
      readonly imageId: string;
      readonly podName: string;
      readonly podUid: string;
    }
  | { readonly kind: "failed"; readonly failure: Failure; readonly podName: string | undefined };

function condition(object: KubeObject | undefined, type: string) {
  return object?.status?.conditions?.find((c) => c.type === type && c.status === "True");
}

function ms(timestamp: string | undefined, fallback: number): number {
  const parsed = timestamp ? Date.parse(timestamp) : Number.NaN;
  return Number.isFinite(parsed) ? parsed : fallback;
}

/** The pod that ran (or runs) the Job: the newest one. */
export function currentPod(pods: readonly KubeObject[]): KubeObject | undefined {
  return [...pods].sort((a, b) => ms(b.metadata?.creationTimestamp, 0) - ms(a.metadata?.creationTimestamp, 0))[0];
}

export function observe(
  job: KubeObject | undefined,
  pods: readonly KubeObject[],
  nowMs: number,
  deadlines: Pick<KubernetesDeadlines, "imagePullGraceSeconds" | "pendingTimeoutSeconds" | "activeDeadlineSeconds">,
): Observation {
  if (!job) return { kind: "absent" };
  const pod = currentPod(pods);
  const podName = pod?.metadata?.name;
  const container = pod?.status?.containerStatuses?.find((status) => status.name === JOB_CONTAINER);
  const failedCondition = condition(job, "Failed");
  if (failedCondition?.reason === "DeadlineExceeded") {
    return {
      kind: "failed",
      podName,
      failure: {
        kind: "job",
        reason: "DeadlineExceeded",
        message: `Job exceeded its time limit of ${deadlines.activeDeadlineSeconds} seconds and was stopped`,
      },
    };
  }
  const disrupted = condition(pod, "DisruptionTarget");
  if (
    pod &&
    (disrupted || DISRUPTIONS.has(pod.status?.reason ?? "") || (pod.status?.phase === "Failed" && !container?.state?.terminated))
  ) {
    const detail = disrupted?.message ?? pod.status?.message ?? pod.status?.reason ?? "the pod failed before its container ran";
    return {
      kind: "failed",
      podName,
      failure: {
        kind: "executor",
        reason: disrupted?.reason ?? pod.status?.reason ?? "PodFailed",
        message: `The job's pod was stopped by the cluster: ${detail}`,
      },
    };
  }
  const terminated = container?.state?.terminated;
  if (terminated && pod) {
    return {
      kind: "terminated",
      terminated,
      imageId: container.imageID ?? "",
      podName: pod.metadata?.name ?? "",
      podUid: pod.metadata?.uid ?? "",
    };
  }
  if (pod?.metadata?.deletionTimestamp) {
    return {
      kind: "failed",
      podName,
      failure: { kind: "executor", reason: "PodDeleted", message: "The job's pod was deleted before the job finished" },
    };
  }
  if (!pod && (failedCondition || condition(job, "Complete"))) {
    return {
      kind: "failed",
      podName: undefined,
      failure: {
        kind: "executor",
        reason: "FinishedWithoutPod",
        message: `The job's pod disappeared before the job finished (deleted, or its node was lost)${failedCondition?.message ? `: ${failedCondition.message}` : ""}`,
      },
    };
  }
  if (container?.state?.running) return { kind: "running", startedAt: container.state.running.startedAt };
  const createdMs = ms(pod?.metadata?.creationTimestamp ?? job.metadata?.creationTimestamp, nowMs);
  const waiting = container?.state?.waiting;
  if (waiting?.reason && IMAGE_ERRORS.has(waiting.reason) && nowMs - createdMs >= deadlines.imagePullGraceSeconds * 1000) {
    const image = container?.image ?? "";
    return {
      kind: "failed",
      podName,
      failure: {
        kind: "job",
        reason: "ImagePull",
        message: `Image ${image} could not be pulled (${waiting.reason}${waiting.message ? `: ${waiting.message}` : ""})`,
      },
    };
  }
  if (waiting?.reason && CONFIG_ERRORS.has(waiting.reason) && nowMs - createdMs >= deadlines.imagePullGraceSeconds * 1000) {
    return {
      kind: "failed",
      podName,
      failure: {
        kind: "job",
        reason: waiting.reason,
        message: `The job's container could not be created (${waiting.reason}: ${waiting.message ?? ""})`,
      },
    };
  }
  if (nowMs - createdMs >= deadlines.pendingTimeoutSeconds * 1000) {
    const unschedulable = pod?.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False");
    const detail = unschedulable?.message ? `: ${unschedulable.message}` : "";
    return {
      kind: "failed",
      podName,
      failure: {
        kind: "job",
        reason: unschedulable ? "Unschedulable" : "PendingTimeout",
        message: `The job did not start within ${deadlines.pendingTimeoutSeconds} seconds${unschedulable ? ` (unschedulable${detail})` : ""}`,
        withEvents: true,
      },
    };
  }
  return { kind: "pending", sinceMs: createdMs };
}

/** The next time the observation could change by the clock alone (a grace or timeout running out). */
export function nextDeadlineMs(
  observation: Observation,
  deadlines: Pick<KubernetesDeadlines, "imagePullGraceSeconds" | "pendingTimeoutSeconds">,
): number | undefined {
  if (observation.kind !== "pending") return undefined;
  return Math.min(
    observation.sinceMs + deadlines.imagePullGraceSeconds * 1000,
    observation.sinceMs + deadlines.pendingTimeoutSeconds * 1000,
  );
}

export function formatEvents(events: readonly KubeObject[]): string {
  const lines = events
    .filter((event) => event.type === "Warning")
    .slice(-10)
    .map((event) => `${event.involvedObject?.kind ?? ""} ${event.reason ?? ""}: ${event.message ?? ""}`.trim());
  return lines.length > 0 ? `\nEvents:\n${lines.map((line) => `  ${line}`).join("\n")}` : "";
}
