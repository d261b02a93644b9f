/**
 * The JobDefinition an agent receives for a RUNJOB or CANCELJOB task (upstream's
 * job_to_job_definition, reference/jobrunner.md §4.15), as the JSON dict stored on the task.
 */
import type { BackendConfig, ControllerConfig } from "../config.js";
import type { Job } from "../jobs/job.js";
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

/** `{glob: privacy level}`, flattened from project.yaml's `{privacy: {name: glob}}`. */
export function flattenOutputSpec(spec: Job["outputSpec"]): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [privacy, outputs] of Object.entries(spec)) {
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
}

export function buildJobDefinition(job: Job, context: DefinitionContext): Record<string, unknown> {
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
    id: job.id,
    rap_id: job.rapId,
    task_id: context.taskId,
    repo_url: reusable ? job.actionRepoUrl : job.repoUrl,
    commit: reusable ? job.actionCommit : job.commit,
    study: { git_repo_url: job.repoUrl, commit: job.commit, branch: job.branch },
    workspace: job.workspace,
    action: job.action,
    created_at: job.createdAt,
    image: `${context.config.dockerRegistry}/${imageWithTag}`,
    // Image digests come from the registry, which this controller does not reach; agents run the tag.
    image_sha: null,
    args,
    env,
    inputs: [],
    input_job_ids: [...context.inputJobIds],
    output_spec: flattenOutputSpec(job.outputSpec),
    allow_database_access: job.requiresDb,
    level4_max_csv_rows: context.config.level4MaxCsvRows,
    level4_max_filesize: context.config.level4MaxFilesize,
    user: job.user,
    database_name: job.requiresDb ? job.databaseName : null,
    cpu_count: context.backend.jobCpuCount,
    memory_limit: context.backend.jobMemoryLimit,
    level4_file_types: [...LEVEL4_FILE_TYPES],
    // Agent-only (job-server never sees definitions): the agent's spans join the job's trace.
    trace_context: { ...job.traceContext },
  };
}

export function taskAttributes(job: Job): Record<string, string> {
  return { user: job.user || "unknown", project: job.project || "unknown", orgs: job.orgs.join(",") };
}
