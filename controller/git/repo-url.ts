/**
 * Study repository URLs: which ones may run (upstream's GitHub validation, reference/jobrunner.md
 * §4.1) and how they are fetched (through the proxy, with the access token).
 */
import { UserActionableError } from "../jobs/errors.js";

export type RepoLocation =
  | { readonly kind: "local"; readonly path: string }
  | { readonly kind: "github"; readonly org: string; readonly name: string; readonly url: string };

export interface RepoPolicy {
  readonly allowLocalGitRepos: boolean;
  readonly allowedGithubOrgs: readonly string[];
}

/** Classifies and validates a repo_url, throwing upstream's user-facing messages. */
export function locateRepo(repoUrl: string, policy: RepoPolicy): RepoLocation {
  if (policy.allowLocalGitRepos) {
    if (repoUrl.startsWith("/")) return { kind: "local", path: repoUrl };
    if (repoUrl.startsWith("file:///")) return { kind: "local", path: decodeURIComponent(repoUrl.slice("file://".length)) };
  }
  if (!repoUrl.startsWith("https://github.com")) {
    throw new UserActionableError(`Repository ${repoUrl} does not start with https://github.com`);
  }
  let parsed: URL;
  try {
    parsed = new URL(repoUrl);
  } catch {
    throw new UserActionableError(
      `Repository ${repoUrl} was not of the expected format: https://github.com/[organisation]/[project-name]`,
    );
  }
  const segments = parsed.pathname.replace(/^\/+/, "").replace(/\/+$/, "").split("/");
  const [org, name] = segments;
  if (parsed.host !== "github.com" || segments.length !== 2 || !org || !name || parsed.search || parsed.hash) {
    throw new UserActionableError(
      `Repository ${repoUrl} was not of the expected format: https://github.com/[organisation]/[project-name]`,
    );
  }
  if (!policy.allowedGithubOrgs.includes(org)) {
    throw new UserActionableError(
      `Repository ${repoUrl} does not belong to one of the following Github organisations: ${policy.allowedGithubOrgs.join(" ")}`,
    );
  }
  return { kind: "github", org, name, url: repoUrl };
}

/** The URL git actually fetches: github.com replaced by the proxy, credentials embedded if configured. */
export function fetchUrl(location: RepoLocation & { kind: "github" }, proxyDomain: string, token: string): string {
  const credentials = token ? `jobrunner-ctrl:${encodeURIComponent(token)}@` : "";
  return `https://${credentials}${proxyDomain}/${location.org}/${location.name}`;
}

/** Replaces any credentials in text (git errors echo URLs) so tokens never reach a client or log. */
export function redactCredentials(text: string): string {
  return text.replace(/(https?:\/\/)[^/@\s]+@/g, "$1********@");
}
