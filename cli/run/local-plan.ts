/**
 * Plans a local run with the controller's own code: project.yaml parsed and validated by the
 * controller's pipeline, jobs chosen by its planner (dependencies, run_all, force-run-dependencies,
 * reuse of earlier successes), reusable actions resolved as rap/create does, and each job's
 * definition built by the scheduler's builder and carried through the agent stream's conversion,
 * so a job runs here exactly as an agent would run it.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { BackendConfig, ControllerConfig } from "../../controller/config.js";
import type { ActionRepos } from "../../controller/git/action-repos.js";
import type { CreateRequest } from "../../controller/jobs/create-request.js";
import { UserActionableError } from "../../controller/jobs/errors.js";
import { newTraceContext, randomId, runJobTaskId } from "../../controller/jobs/ids.js";
import type { Job } from "../../controller/jobs/job.js";
import { planJobs } from "../../controller/jobs/plan-jobs.js";
import { parseProject } from "../../controller/pipeline/parse-project.js";
import type { Pipeline } from "../../controller/pipeline/types.js";
import { resolveReusableActions } from "../../controller/rap/reusable-actions.js";
import { taskToProto } from "../../controller/agents/agent-convert.js";
import { buildJobDefinition } from "../../controller/scheduling/job-definition.js";
import { jobFromProto } from "../../agent/convert.js";
import type { JobDefinition } from "../../runtime-drivers/index.js";
import type { LocalLayout } from "./local-layout.js";
import { workspaceState, type LocalJobRecords } from "./local-state.js";

/** The backend name local runs report to jobs (OPENSAFELY_BACKEND), as opensafely-cli's. */
export const LOCAL_BACKEND = "expectations";

export interface LocalPlan {
  readonly pipeline: Pipeline;
  /** New jobs in dependency order (every job after the jobs it needs). */
  readonly jobs: readonly Job[];
  /** Latest job per action before this run, as planned against. */
  readonly before: ReadonlyMap<string, Job>;
}

export interface PlanInput {
  readonly layout: LocalLayout;
  readonly actions: readonly string[];
  readonly forceRunDependencies: boolean;
  readonly records: LocalJobRecords;
  readonly user: string;
  readonly actionRepos: ActionRepos;
  readonly nowMs: number;
}

export async function readPipeline(layout: LocalLayout): Promise<Pipeline> {
  let text: string;
  try {
    text = await readFile(path.join(layout.studyDir, "project.yaml"), "utf8");
  } catch {
    throw new UserActionableError(`No project.yaml file found in ${layout.studyDir}`);
  }
  return parseProject(text);
}

/** Jobs reordered so that each comes after every job of this run it needs. */
export function dependencyOrder(jobs: readonly Job[]): Job[] {
  const byAction = new Map(jobs.map((job) => [job.action, job]));
  const ordered: Job[] = [];
  const placed = new Set<string>();
  const place = (job: Job): void => {
    if (placed.has(job.action)) return;
    placed.add(job.action);
    for (const need of job.requiresOutputsFrom) {
      const dependency = byAction.get(need);
      if (dependency) place(dependency);
    }
    ordered.push(job);
  };
  for (const job of jobs) place(job);
  return ordered;
}

export async function planLocalRun(pipeline: Pipeline, input: PlanInput): Promise<LocalPlan> {
  const { layout } = input;
  const request: CreateRequest = {
    backend: LOCAL_BACKEND,
    rapId: randomId(),
    workspace: layout.workspace,
    repoUrl: layout.studyDir,
    branch: "",
    commit: "",
    databaseName: "default",
    requestedActions: input.actions,
    codelistsOk: true,
    forceRunDependencies: input.forceRunDependencies,
    createdBy: input.user,
    project: "",
    orgs: [],
  };
  const before = workspaceState(layout, input.records, new Set(pipeline.actions.keys()), {
    backend: LOCAL_BACKEND,
    workspace: layout.workspace,
    repoUrl: layout.studyDir,
  });
  const planned = planJobs({
    request,
    pipeline,
    workspaceState: before,
    nowMs: input.nowMs,
    projectsWithEventLevelAccess: [],
    newTraceContext,
  });
  const jobs = await resolveReusableActions(input.actionRepos, planned);
  return { pipeline, jobs: dependencyOrder(jobs), before };
}

/** The definition an agent would receive for the job's first RUNJOB task. */
export function localJobDefinition(
  job: Job,
  latest: ReadonlyMap<string, Pick<Job, "id">>,
  config: ControllerConfig,
  backend: BackendConfig,
): JobDefinition {
  const taskId = runJobTaskId(job.id, 1);
  const inputJobIds = job.requiresOutputsFrom.flatMap((action) => {
    const found = latest.get(action);
    return found ? [found.id] : [];
  });
  const definition = buildJobDefinition(job, { config, backend, taskId, inputJobIds });
  const task = taskToProto({
    id: taskId,
    backend: job.backend,
    type: "runjob",
    jobId: job.id,
    definition,
    active: true,
    createdAt: job.createdAt,
    finishedAt: null,
    attributes: {},
    agentStage: null,
    agentComplete: false,
    agentResult: null,
    agentTimestampNs: null,
    lastSeq: 0,
  });
  if (task.definition.case !== "job") throw new Error("a RUNJOB task carries a job definition");
  return jobFromProto(task.definition.value);
}
