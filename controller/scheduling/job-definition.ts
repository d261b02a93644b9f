/**
 * The JobDefinition an agent receives for a RUNJOB or CANCELJOB task (upstream's
 * job_to_job_definition, reference/jobrunner.md §4.15).
 */
import type { BackendConfig, ControllerConfig } from "../config.js";
import type { Job } from "../jobs/job.js";
import { OUTPUT_PRIVACIES, type JobDefinition, type OutputPrivacy } from "../jobs/task-definition.js";
import { shellSplit } from "../pipeline/shell-words.js";

/** Upstream's Level 4 file types (the pipeline's list, sorted). */
export const LEVEL4_FILE_TYPES: readonly string[] = [
  ".csv",
  ".html",
  ".jpeg",
  ".jpg",
  ".json",
  ".log",
  ".md",
  ".png",
  ".svg",
  ".svgz",
  ".txt",
];

/** Python json.dumps of a list of strings: `["a", "b"]`. */
function pythonJsonList(values: readonly string[]): string {
  return `[${values.map((value) => JSON.stringify(value)).join(", ")}]`;
}

const isOutputPrivacy = (value: string): value is OutputPrivacy => (OUTPUT_PRIVACIES as readonly string[]).includes(value);

/** `{glob: privacy level}`, flattened from project.yaml's `{privacy: {name: glob}}` (already validated). */
export function flattenOutputSpec(spec: Job["outputSpec"]): Record<string, OutputPrivacy> {
  const flat: Record<string, OutputPrivacy> = {};
  for (const [privacy, outputs] of Object.entries(spec)) {
    if (!isOutputPrivacy(privacy)) throw new Error(`unknown privacy level ${JSON.stringify(privacy)} in a stored job`);
    for (const pattern of Object.values(outputs)) flat[pattern] = privacy;
  }
  return flat;
}

export interface DefinitionContext {
  readonly config: ControllerConfig;
  readonly backend: BackendConfig;
  readonly taskId: string;
  /** Latest uncancelled job id per needed action, at task-creation time. */
  readonly inputJobIds: readonly string[];
  /** The registry's digest for the job's image (RUNJOB tasks when resolution is on; else null). */
  readonly imageSha?: string | null;
}

/** The full image reference a job runs, tag included: `<DOCKER_REGISTRY>/<image:tag>` from its run command. */
export function jobImage(config: ControllerConfig, job: Job): string {
  const [imageWithTag = ""] = shellSplit(job.runCommand);
  return `${config.dockerRegistry}/${imageWithTag}`;
}

export function buildJobDefinition(job: Job, context: DefinitionContext): JobDefinition {
  const [imageWithTag = "", ...args] = shellSplit(job.runCommand);
  const env: Record<string, string> = { OPENSAFELY_BACKEND: job.backend };
  // Upstream sends the string "None" when no licence is configured; we omit the variable instead,
  // which no client can notice and no stata run can use either way.
  if (imageWithTag.startsWith("stata-mp") && context.config.stataLicense !== undefined) {
    env.STATA_LICENSE = context.config.stataLicense;
  }
  if (job.requiresDb) env.EHRQL_PERMISSIONS = pythonJsonList(Object.values(job.analysisScope).flat());
  const reusable = job.actionRepoUrl !== null && job.actionCommit !== null;
  return {
    kind: "job",
    id: job.id,
    rapId: job.rapId,
    taskId: context.taskId,
    repoUrl: reusable ? job.actionRepoUrl : job.repoUrl,
    commit: reusable ? job.actionCommit : job.commit,
    study: { gitRepoUrl: job.repoUrl, commit: job.commit, branch: job.branch },
    workspace: job.workspace,
    action: job.action,
    createdAt: job.createdAt,
    image: `${context.config.dockerRegistry}/${imageWithTag}`,
    imageSha: context.imageSha ?? null,
    args,
    env,
    inputJobIds: [...context.inputJobIds],
    outputSpec: flattenOutputSpec(job.outputSpec),
    allowDatabaseAccess: job.requiresDb,
    level4MaxCsvRows: context.config.level4MaxCsvRows,
    level4MaxFilesize: context.config.level4MaxFilesize,
    user: job.user,
    databaseName: job.requiresDb ? job.databaseName : null,
    cpuCount: context.backend.jobCpuCount,
    memoryLimit: context.backend.jobMemoryLimit,
    level4FileTypes: [...LEVEL4_FILE_TYPES],
    traceContext: { ...job.traceContext },
  };
}

export function taskAttributes(job: Job): Record<string, string> {
  return { user: job.user || "unknown", project: job.project || "unknown", orgs: job.orgs.join(",") };
}
