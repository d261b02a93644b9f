/**
 * The agent's own check of what a RUNJOB task asks it to fetch (upstream #1077): the controller
 * already validated the repository, but a compromised controller must not be able to make an agent
 * fetch and run arbitrary code. The repository must be a GitHub repository of an allowed
 * organisation (or, where this agent allows them, a local one), and the commit a full sha.
 */
import type { AgentConfig } from "./config.js";

/** The task names code this agent will not fetch; retrying cannot help. */
export class RepositoryNotAllowedError extends Error {
  override readonly name = "RepositoryNotAllowedError";
}

const FULL_SHA = /^[0-9a-f]{40}$/;
const GITHUB_REPO = /^https:\/\/github\.com\/([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)\/?$/;

export function checkTaskRepository(
  policy: AgentConfig["repoPolicy"],
  job: { readonly repoUrl: string; readonly commit: string },
): void {
  if (!FULL_SHA.test(job.commit)) {
    throw new RepositoryNotAllowedError(`Commit '${job.commit}' is not a full 40-character sha; this agent will not fetch it`);
  }
  const local = job.repoUrl.startsWith("/") || job.repoUrl.startsWith("file://");
  if (local) {
    if (policy.allowLocalGitRepos) return;
    throw new RepositoryNotAllowedError(
      `Repository ${job.repoUrl} is a local path and this agent does not allow local repositories`,
    );
  }
  const org = GITHUB_REPO.exec(job.repoUrl)?.[1];
  if (org === undefined) {
    throw new RepositoryNotAllowedError(
      `Repository ${job.repoUrl} was not of the expected format: https://github.com/[organisation]/[project-name]`,
    );
  }
  if (!policy.allowedGithubOrgs.includes(org)) {
    throw new RepositoryNotAllowedError(
      `Repository ${job.repoUrl} does not belong to one of the following Github organisations: ${policy.allowedGithubOrgs.join(" ")}`,
    );
  }
}
