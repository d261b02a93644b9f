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
  // Upstream's checks, in upstream's order: scheme and host, then organisation, then exact shape.
  const parsed = splitUrl(repoUrl);
  if (parsed.scheme !== "https" || parsed.netloc !== "github.com") {
    throw new UserActionableError(`Repository URL ${repoUrl} does not start with https://github.com`);
  }
  const segments = parsed.path.replace(/^\/+/, "").replace(/\/+$/, "").split("/");
  const [org = "", name = ""] = segments;
  if (!policy.allowedGithubOrgs.includes(org)) {
    throw new UserActionableError(
      `Repository ${repoUrl} does not belong to one of the following Github organisations: ${policy.allowedGithubOrgs.join(" ")}`,
    );
  }
  if (repoUrl.replace(/\/+$/, "") !== `https://github.com/${segments.slice(0, 2).join("/")}` || segments.length !== 2) {
    throw new UserActionableError(
      `Repository ${repoUrl} was not of the expected format: https://github.com/[organisation]/[project-name]`,
    );
  }
  return { kind: "github", org, name, url: repoUrl };
}

/**
 * The parts of a URL that Python's urlparse gives upstream: lower-cased scheme, the raw authority
 * (user info and port included, so `user@github.com` is not `github.com`) and the path without
 * `;params`, query or fragment.
 */
function splitUrl(url: string): { scheme: string; netloc: string; path: string } {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/s.exec(url);
  if (!match) return { scheme: "", netloc: "", path: url };
  let rest = (match[2] ?? "").replace(/[?#].*$/s, "");
  let netloc = "";
  if (rest.startsWith("//")) {
    const slash = rest.indexOf("/", 2);
    netloc = slash === -1 ? rest.slice(2) : rest.slice(2, slash);
    rest = slash === -1 ? "" : rest.slice(slash);
  }
  const lastSlash = rest.lastIndexOf("/");
  const params = rest.indexOf(";", lastSlash + 1);
  return { scheme: (match[1] ?? "").toLowerCase(), netloc, path: params === -1 ? rest : rest.slice(0, params) };
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
