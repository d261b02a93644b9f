/**
 * Puts a study repository's tree at a commit into a job's working directory. Local repositories
 * (a path or file:// URL) are read in place; remote ones are fetched into a bare cache first. The
 * tree is exported with `git archive` (no .git, symlinks kept as symlinks), and an access token, if
 * any, is embedded only in the URL git sees and redacted from every error.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import type { CommandRunner } from "./exec.js";

export interface CheckoutOptions {
  readonly reposDir: string;
  /** Replaces `github.com` in fetch URLs (upstream's GITHUB_PROXY_DOMAIN); undefined keeps it. */
  readonly githubProxyDomain?: string | undefined;
  readonly accessToken?: string | undefined;
  /** Username paired with the token in fetch URLs. */
  readonly tokenUser: string;
  readonly runner: CommandRunner;
}

export class CheckoutError extends Error {
  override readonly name = "CheckoutError";
}

const GIT_ENV = { GIT_TERMINAL_PROMPT: "0", GIT_ASKPASS: "echo", GCM_INTERACTIVE: "never" };

export function redactUrlCredentials(text: string): string {
  return text.replace(/(https?:\/\/)[^/@\s]+@/g, "$1********@");
}

function localPath(repoUrl: string): string | undefined {
  if (repoUrl.startsWith("/")) return repoUrl;
  if (repoUrl.startsWith("file://")) return decodeURIComponent(repoUrl.slice("file://".length));
  return undefined;
}

function fetchUrl(repoUrl: string, options: CheckoutOptions): string {
  const url = new URL(repoUrl);
  if (options.githubProxyDomain && url.host === "github.com") url.host = options.githubProxyDomain;
  if (options.accessToken && !url.username) {
    url.username = options.tokenUser;
    url.password = options.accessToken;
  }
  return url.toString();
}

/**
 * `-c safe.directory=…` for a local repository read in place: it usually belongs to another user
 * than the agent (the host's checkout owner, while the image runs as 10000), which git refuses as
 * "dubious ownership" unless named in safe.directory (honoured only from the command line and the
 * system or global config). The repository policy has already allowed that path; only read
 * commands (cat-file, archive, show) run in it. The agent's own caches are unaffected.
 */
function trustDirectory(dir: string): string[] {
  return ["-c", `safe.directory=${dir}`, "-c", `safe.directory=${join(dir, ".git")}`];
}

async function git(options: CheckoutOptions, args: string[], signal: AbortSignal) {
  return options.runner.run("git", args, { signal, env: GIT_ENV, timeoutMs: 600_000 });
}

/** The git directory holding `commit`, fetching it into the cache when needed. */
async function gitDirWithCommit(repoUrl: string, commit: string, options: CheckoutOptions, signal: AbortSignal): Promise<string> {
  const local = localPath(repoUrl);
  if (local) return local;
  const name = new URL(repoUrl).pathname
    .split("/")
    .filter(Boolean)
    .join("__")
    .replace(/\.git$/, "");
  const cache = join(options.reposDir, `${name || "repo"}.git`);
  if (!existsSync(join(cache, "HEAD"))) {
    mkdirSync(cache, { recursive: true });
    await git(options, ["init", "--bare", "--quiet", cache], signal);
  }
  const have = await git(options, ["-C", cache, "cat-file", "-e", `${commit}^{commit}`], signal);
  if (have.exitCode === 0) return cache;
  const fetched = await git(
    options,
    ["-C", cache, "fetch", "--force", "--depth", "1", fetchUrl(repoUrl, options), commit],
    signal,
  );
  if (fetched.exitCode !== 0) {
    throw new CheckoutError(`Could not checkout commit ${commit} from ${repoUrl}`, {
      cause: new Error(redactUrlCredentials(fetched.stderr.trim())),
    });
  }
  return cache;
}

/** Writes the tree of `commit` into `targetDir` (which must exist). */
export async function checkoutCommit(
  repoUrl: string,
  commit: string,
  targetDir: string,
  options: CheckoutOptions,
  signal: AbortSignal,
): Promise<void> {
  const gitDir = await gitDirWithCommit(repoUrl, commit, options, signal);
  try {
    await execa("git", [...trustDirectory(gitDir), "-C", gitDir, "archive", "--format=tar", commit], {
      cancelSignal: signal,
      env: GIT_ENV,
    }).pipe("tar", ["-x", "--no-same-owner", "-C", targetDir], { cancelSignal: signal });
  } catch (error) {
    const detail = error instanceof Error ? redactUrlCredentials(error.message) : String(error);
    throw new CheckoutError(`Could not checkout commit ${commit} from ${repoUrl}`, { cause: new Error(detail) });
  }
}

/** The content of `filePath` at `commit` (fetching the commit into the cache when needed). */
export async function readFileAtCommit(
  repoUrl: string,
  commit: string,
  filePath: string,
  options: CheckoutOptions,
  signal: AbortSignal,
): Promise<string> {
  const gitDir = await gitDirWithCommit(repoUrl, commit, options, signal);
  const shown = await git(options, [...trustDirectory(gitDir), "-C", gitDir, "show", `${commit}:${filePath}`], signal);
  if (shown.exitCode !== 0) {
    throw new CheckoutError(`Could not read ${filePath} at commit ${commit} from ${repoUrl}`, {
      cause: new Error(redactUrlCredentials(shown.stderr.trim())),
    });
  }
  return shown.stdout;
}

/**
 * The commit at the head of `branch` in `repoUrl` (`git ls-remote`, through the proxy and with the
 * token as a fetch would use them); undefined when the repository has no such branch.
 */
export async function resolveBranchCommit(
  repoUrl: string,
  branch: string,
  options: CheckoutOptions,
  signal: AbortSignal,
): Promise<string | undefined> {
  const url = localPath(repoUrl) ?? fetchUrl(repoUrl, options);
  const listed = await git(options, ["ls-remote", "--heads", "--", url, `refs/heads/${branch}`], signal);
  if (listed.exitCode !== 0) {
    throw new CheckoutError(`Could not list branch ${branch} of ${repoUrl}`, {
      cause: new Error(redactUrlCredentials(listed.stderr.trim())),
    });
  }
  return /^([0-9a-f]{40,64})\t/m.exec(listed.stdout)?.[1];
}
