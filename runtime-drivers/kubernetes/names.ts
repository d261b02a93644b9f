/**
 * Deterministic Kubernetes names and labels from a task id. The same task always maps to the same
 * Job name, so a create answered AlreadyExists is the Job an earlier agent made (adopt it, never run
 * twice), while another attempt of the same job gets a name of its own.
 */
import { createHash } from "node:crypto";

export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const MANAGED_BY = "rap-runner";
export const BACKEND_LABEL = "rap-runner/backend";
export const ROLE_LABEL = "rap-runner/role";
export const JOB_ID_LABEL = "rap-runner/job-id";
export const TASK_ID_LABEL = "rap-runner/task-id";
export const DATABASE_LABEL = "rap-runner/database";
/** Set by the Job controller on the pods it creates. */
export const JOB_NAME_LABEL = "job-name";
export const TASK_ID_ANNOTATION = "rap-runner/task-id";
export const SAFE_TO_EVICT_ANNOTATION = "cluster-autoscaler.kubernetes.io/safe-to-evict";

const MAX_NAME = 63;

function shortHash(text: string, length = 8): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/** Lower-case, `[a-z0-9-]`, no leading or trailing dash. */
function dnsLabelPart(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/**
 * A DNS-1123 label (≤ 63 chars) `<prefix>-<hash>`; the prefix is cut to fit, the hash of the whole
 * input keeps names of long or similar inputs distinct.
 */
export function boundedName(prefix: string, uniqueBy: string): string {
  const hash = shortHash(uniqueBy);
  const head = dnsLabelPart(prefix)
    .slice(0, MAX_NAME - hash.length - 1)
    .replace(/-+$/, "");
  return head ? `${head}-${hash}` : `rap-${hash}`;
}

/** A label value (≤ 63 chars, alphanumerics, `-_.`, alphanumeric at both ends), hashed if too long. */
export function labelValue(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
  if (cleaned.length <= MAX_NAME && cleaned === text) return cleaned;
  return boundedName(cleaned.slice(0, 40) || "x", text);
}

/** A CANCELJOB's definition (`<task>-cancel`) acts on its RUNJOB's Job. */
export function runTaskId(taskId: string, jobId: string): string {
  if (!taskId) return jobId;
  return taskId.endsWith("-cancel") ? taskId.slice(0, -"-cancel".length) : taskId;
}

/** The Job for one task: `os-job-<job id>-<hash of task id>`. */
export function jobName(jobId: string, taskId: string): string {
  return boundedName(`os-job-${jobId}`, runTaskId(taskId, jobId));
}

/** Selector for everything this driver made for one backend. */
export function scopeSelector(backend: string): string {
  return `${MANAGED_BY_LABEL}=${MANAGED_BY},${BACKEND_LABEL}=${labelValue(backend)}`;
}

export function scopeLabels(backend: string): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY, [BACKEND_LABEL]: labelValue(backend) };
}

/** Where the job's own log, start marker and exit code live, relative to the job-volumes root. */
export function taskStateSubPath(jobId: string, taskId: string): string {
  return `.rap-runner/${jobId}/${shortHash(runTaskId(taskId, jobId), 12)}`;
}

export function jobStateRootSubPath(jobId: string): string {
  return `.rap-runner/${jobId}`;
}
