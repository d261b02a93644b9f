/**
 * rap/create (reference/jobrunner.md §1.4 and §4.1): validate, read project.yaml at the commit,
 * plan the jobs and insert them in one transaction. Idempotent per rap_id, because job-server cannot
 * tell whether a failed call created jobs.
 */
import type { ControllerDeps } from "../deps.js";
import { type CreateRequest, VALID_DATABASE_NAMES } from "../jobs/create-request.js";
import { NothingToDoError, UserActionableError } from "../jobs/errors.js";
import { newTraceContext } from "../jobs/ids.js";
import type { Job } from "../jobs/job.js";
import { planJobs } from "../jobs/plan-jobs.js";
import { parseProject } from "../pipeline/parse-project.js";
import { ProjectValidationError, type Pipeline } from "../pipeline/types.js";
import { resolveReusableActions } from "./reusable-actions.js";

export type CreateResult =
  | { readonly kind: "created"; readonly count: number; readonly jobs: readonly Job[] }
  | { readonly kind: "no_change"; readonly count: number }
  | { readonly kind: "nothing_to_do"; readonly details: string }
  | { readonly kind: "forbidden_backend" }
  | { readonly kind: "inconsistent" }
  | { readonly kind: "user_error"; readonly details: string }
  | { readonly kind: "unexpected_error"; readonly error: unknown };

function validateRequest(deps: ControllerDeps, request: CreateRequest): void {
  if (request.requestedActions.length === 0) throw new UserActionableError("At least one action must be supplied");
  if (request.workspace === "") throw new UserActionableError("Workspace name cannot be blank");
  if (!/^[a-zA-Z0-9_-]+$/.test(request.workspace)) {
    throw new UserActionableError("Invalid workspace name (allowed are alphanumeric, dash and underscore)");
  }
  const slugs = deps.config.backends.map((backend) => backend.slug);
  if (!slugs.includes(request.backend)) {
    throw new UserActionableError(`Invalid backend '${request.backend}', allowed are: ${slugs.join(", ")}`);
  }
  if (!VALID_DATABASE_NAMES.includes(request.databaseName)) {
    throw new UserActionableError(
      `Invalid database name '${request.databaseName}', allowed are: ${VALID_DATABASE_NAMES.join(", ")}`,
    );
  }
}

/** Upstream compares the *sets* of {repo_url, workspace, commit}; we keep that quirk for parity. */
function consistentWith(job: Job, request: CreateRequest): boolean {
  const stored = new Set([job.repoUrl, job.workspace, job.commit]);
  const asked = new Set([request.repoUrl, request.workspace, request.commit]);
  return stored.size === asked.size && [...stored].every((value) => asked.has(value));
}

function existingOutcome(deps: ControllerDeps, request: CreateRequest): CreateResult | undefined {
  const existing = deps.jobs.byRapId(request.rapId);
  const first = existing[0];
  if (!first) return undefined;
  return consistentWith(first, request) ? { kind: "no_change", count: existing.length } : { kind: "inconsistent" };
}

/**
 * Pipelines parsed from project.yaml texts, most recently used last. Parsing is pure, so the same
 * text (job-server sends many creates for one commit) is parsed once; failures are not kept. The
 * bound only caps memory.
 */
const PARSED_PROJECTS = 64;
const parsedProjects = new Map<string, Pipeline>();

function parseProjectOnce(text: string): Pipeline {
  const known = parsedProjects.get(text);
  if (known) {
    parsedProjects.delete(text);
    parsedProjects.set(text, known);
    return known;
  }
  const pipeline = parseProject(text);
  parsedProjects.set(text, pipeline);
  if (parsedProjects.size > PARSED_PROJECTS) parsedProjects.delete(parsedProjects.keys().next().value!);
  return pipeline;
}

async function planFromRepository(deps: ControllerDeps, request: CreateRequest): Promise<Job[]> {
  validateRequest(deps, request);
  await deps.projects.validateCommit(request.repoUrl, request.branch, request.commit);
  const text = await deps.projects.readFile(request.repoUrl, request.commit, "project.yaml");
  if (text === undefined) throw new UserActionableError(`No project.yaml file found in ${request.repoUrl}`);
  const pipeline = parseProjectOnce(text);
  const planned = planJobs({
    request,
    pipeline,
    workspaceState: new Map(
      [...deps.jobs.latestPerAction(request.backend, request.workspace)].filter(([action]) => pipeline.actions.has(action)),
    ),
    nowMs: deps.clock.nowMs(),
    projectsWithEventLevelAccess: deps.config.projectsWithEventLevelAccess,
    newTraceContext,
  });
  const jobs = await resolveReusableActions(deps.actionRepos, planned);
  if (!request.codelistsOk) {
    const needsDb = jobs.find((job) => job.requiresDb);
    if (needsDb) throw new UserActionableError(`Codelists are out of date (required by action ${needsDb.action})`);
  }
  return jobs;
}

export async function createJobs(
  deps: ControllerDeps,
  allowedBackends: readonly string[],
  request: CreateRequest,
): Promise<CreateResult> {
  if (!allowedBackends.includes(request.backend)) return { kind: "forbidden_backend" };
  const before = existingOutcome(deps, request);
  if (before) return before;
  let jobs: Job[];
  try {
    jobs = await planFromRepository(deps, request);
  } catch (error) {
    if (error instanceof NothingToDoError) return { kind: "nothing_to_do", details: error.message };
    if (error instanceof UserActionableError || error instanceof ProjectValidationError) {
      return { kind: "user_error", details: error.message };
    }
    return { kind: "unexpected_error", error };
  }
  // A concurrent create for the same rap_id may have finished while we read the repository:
  // checking again inside the inserting transaction keeps create idempotent.
  let result: CreateResult;
  try {
    result = deps.db.transaction((): CreateResult => {
      const raced = existingOutcome(deps, request);
      if (raced) return raced;
      for (const job of jobs) deps.jobs.insert(job);
      return { kind: "created", count: jobs.length, jobs };
    })();
  } catch (error) {
    // The transaction rolled back, so no job of the request is left behind; upstream's 400 "Unknown error".
    return { kind: "unexpected_error", error };
  }
  if (result.kind === "created") {
    deps.log.info("jobs created", { rap_id: request.rapId, backend: request.backend, count: result.count });
    deps.scheduler.jobsChanged(result.jobs.map((job) => job.id));
  }
  return result;
}
