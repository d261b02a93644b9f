/**
 * Decides which jobs a create request adds (upstream's get_new_jobs_to_run and
 * recursively_build_jobs, reference/jobrunner.md §4.1 step 5): reuse pending/running jobs, re-run
 * failed dependencies, skip succeeded ones unless forced. Pure: no I/O, the caller inserts.
 */
import type { ActionSpec, Pipeline } from "../pipeline/types.js";
import type { CreateRequest } from "./create-request.js";
import { RUN_ALL } from "./create-request.js";
import { NothingToDoError, UserActionableError } from "./errors.js";
import { jobId } from "./ids.js";
import type { AnalysisScope, Job } from "./job.js";
import { MESSAGES } from "./status.js";

export interface PlanContext {
  readonly request: CreateRequest;
  readonly pipeline: Pipeline;
  /** Latest uncancelled job per action in this backend and workspace. */
  readonly workspaceState: ReadonlyMap<string, Job>;
  readonly nowMs: number;
  readonly projectsWithEventLevelAccess: readonly string[];
  readonly newTraceContext: () => Record<string, string>;
}

function isActive(job: Job): boolean {
  return job.state === "pending" || job.state === "running";
}

/** Upstream's job_should_be_rerun table. */
export function shouldRerun(job: Job, explicitlyRequested: boolean, forceRunDependencies: boolean): boolean {
  if (isActive(job)) return false;
  if (explicitlyRequested) return true;
  if (forceRunDependencies) return true;
  return job.state === "failed";
}

/** Scope passed to ehrQL, for database actions only (§4.6). */
export function analysisScopeFor(
  action: ActionSpec,
  request: CreateRequest,
  projectsWithEventLevelAccess: readonly string[],
): AnalysisScope {
  if (!action.isDatabaseAction) return {};
  // Only the two keys upstream rewrites are sorted; any other key keeps the client's order.
  const scope: Record<string, string[]> = {};
  for (const [key, values] of Object.entries(request.analysisScope ?? {})) scope[key] = [...values];
  scope.dataset_permissions = [...(scope.dataset_permissions ?? [])].sort();
  if (projectsWithEventLevelAccess.includes(request.project)) {
    scope.component_access = [...new Set([...(scope.component_access ?? []), "event_level_data"])].sort();
  }
  return scope;
}

/** Returns the new jobs in upstream's order (see inUpstreamOrder); throws NothingToDoError when there are none. */
export function planJobs(context: PlanContext): Job[] {
  const { request, pipeline } = context;
  const runAll = request.requestedActions.includes(RUN_ALL);
  const requested = runAll ? [...pipeline.actions.keys()] : [...request.requestedActions];
  // "Explicitly requested" means named in requested_actions, as upstream tests it: with run_all
  // alone nothing is, so only failed or never-run actions re-run; run_all plus a name re-runs that one.
  const explicitly = new Set(request.requestedActions);
  const current = new Map(context.workspaceState);
  const created: Job[] = [];
  const building = new Set<string>();
  const nowSeconds = Math.floor(context.nowMs / 1000);

  const build = (actionName: string): Job => {
    const existing = current.get(actionName);
    if (existing && !shouldRerun(existing, explicitly.has(actionName), request.forceRunDependencies)) return existing;
    const action = pipeline.actions.get(actionName);
    if (!action) throw new UserActionableError(`Action '${actionName}' not found in project.yaml`);
    if (building.has(actionName)) throw new UserActionableError(`Action '${actionName}' depends on itself`);
    building.add(actionName);
    const dependencies = action.needs.map(build);
    building.delete(actionName);
    const job: Job = {
      id: jobId(request.rapId, actionName),
      rapId: request.rapId,
      backend: request.backend,
      state: "pending",
      statusCode: "created",
      statusMessage: MESSAGES.created,
      repoUrl: request.repoUrl,
      commit: request.commit,
      branch: request.branch,
      workspace: request.workspace,
      databaseName: request.databaseName,
      action: actionName,
      actionRepoUrl: null,
      actionCommit: null,
      requiresOutputsFrom: [...action.needs],
      waitForJobIds: dependencies.filter(isActive).map((dependency) => dependency.id),
      runCommand: action.runCommand,
      outputSpec: action.outputs,
      cancelled: false,
      createdAt: nowSeconds,
      updatedAt: nowSeconds,
      startedAt: null,
      completedAt: null,
      statusCodeUpdatedAtMs: context.nowMs,
      traceContext: context.newTraceContext(),
      requiresDb: action.isDatabaseAction,
      user: request.createdBy,
      project: request.project,
      orgs: [...request.orgs],
      analysisScope: analysisScopeFor(action, request, context.projectsWithEventLevelAccess),
    };
    current.set(actionName, job);
    created.push(job);
    return job;
  };

  for (const actionName of requested) build(actionName);

  if (created.length === 0) {
    if (runAll) throw new NothingToDoError("All actions have already completed successfully");
    if (
      requested.every((name) => {
        const job = current.get(name);
        return job !== undefined && isActive(job);
      })
    ) {
      throw new NothingToDoError("All requested actions were already scheduled to run");
    }
    throw new Error("no new jobs were planned, but not every requested action is pending or running");
  }
  return inUpstreamOrder(created, context.workspaceState);
}

/**
 * Upstream's order of new jobs, which decides which action a stale-codelists or reusable-action
 * error names and the insertion order: re-runs of actions already in the workspace first, by action
 * name (upstream's workspace state is grouped by sorted action name and a re-run keeps its dict
 * slot), then never-run actions in the order they were planned.
 */
function inUpstreamOrder(created: readonly Job[], workspaceState: ReadonlyMap<string, Job>): Job[] {
  const byAction = new Map(created.map((job) => [job.action, job]));
  const reruns = [...workspaceState.keys()]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .flatMap((action) => byAction.get(action) ?? []);
  return [...reruns, ...created.filter((job) => !workspaceState.has(job.action))];
}
