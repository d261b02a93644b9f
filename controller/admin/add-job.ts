/**
 * Adding jobs without job-server, for local development (upstream's `add_job`, reference/jobrunner.md
 * §7): a create request with a fresh RAP id, codelists taken as fine, made by "controller" for
 * project "unknown", sent straight to job creation with no client token or backend check.
 * Without a commit, the head of the branch is looked up on the repository.
 */
import type { ControllerDeps } from "../deps.js";
import { gitIn } from "../git/git-runner.js";
import { shaFromRemoteRef } from "../git/remote-refs.js";
import { fetchUrl } from "../git/repo-url.js";
import type { CreateRequest } from "../jobs/create-request.js";
import { UserActionableError } from "../jobs/errors.js";
import { randomId } from "../jobs/ids.js";
import type { Job } from "../jobs/job.js";
import { createJobs } from "../rap/create-jobs.js";
import { AdminError, requireBackend } from "./admin-errors.js";

export interface AddJobInput {
  readonly repoUrl: string;
  readonly actions: readonly string[];
  readonly backend: string;
  /** Empty: the head of `branch`. */
  readonly commit: string;
  readonly branch: string;
  readonly workspace: string;
  readonly database: string;
  readonly forceRunDependencies: boolean;
}

export interface AddJobResult {
  readonly rapId: string;
  readonly commit: string;
  readonly jobs: readonly Job[];
}

async function branchHead(deps: ControllerDeps, repoUrl: string, branch: string): Promise<string> {
  try {
    const location = deps.projects.locate(repoUrl);
    const url =
      location.kind === "local"
        ? location.path
        : fetchUrl(location, deps.config.githubProxyDomain, deps.config.privateRepoAccessToken);
    return await shaFromRemoteRef(gitIn(deps.config.workdir, deps.config.childEnv), url, branch, repoUrl);
  } catch (error) {
    throw new AdminError("invalid_argument", error instanceof Error ? error.message : String(error));
  }
}

export async function addJob(deps: ControllerDeps, input: AddJobInput): Promise<AddJobResult> {
  const backend = requireBackend(deps, input.backend);
  if (input.repoUrl === "") throw new AdminError("invalid_argument", "repo_url is required");
  if (input.actions.length === 0) throw new AdminError("invalid_argument", "at least one action is required");
  const branch = input.branch || "main";
  const commit = input.commit || (await branchHead(deps, input.repoUrl, branch));
  const request: CreateRequest = {
    backend,
    rapId: randomId(),
    workspace: input.workspace || "test",
    repoUrl: input.repoUrl,
    branch,
    commit,
    databaseName: input.database || "default",
    requestedActions: [...input.actions],
    codelistsOk: true,
    forceRunDependencies: input.forceRunDependencies,
    createdBy: "controller",
    project: "unknown",
    orgs: [],
  };
  const result = await createJobs(deps, [backend], request);
  switch (result.kind) {
    case "created":
      return { rapId: request.rapId, commit, jobs: result.jobs };
    case "nothing_to_do":
      throw new AdminError("failed_precondition", result.details);
    case "user_error":
      throw new AdminError("invalid_argument", result.details);
    case "unexpected_error":
      throw result.error instanceof Error ? result.error : new UserActionableError(String(result.error));
    case "no_change":
    case "inconsistent":
    case "forbidden_backend":
      // Impossible with a fresh RAP id and the backend allowed; kept exhaustive.
      throw new AdminError("failed_precondition", `job creation answered '${result.kind}'`);
  }
}
