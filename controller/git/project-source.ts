/**
 * Reads files of a study repository at a commit. Local repositories (allowed in development and
 * tests) are read in place; GitHub repositories are fetched into a bare cache under WORKDIR/repos.
 */
import { mkdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { UserActionableError } from "../jobs/errors.js";
import { catFileBatch, gitIn, type Git } from "./git-runner.js";
import { isTransientGitError, withNetworkRetry, type NetworkRetryPolicy } from "./network-retry.js";
import { fetchUrl, locateRepo, redactCredentials, type RepoLocation, type RepoPolicy } from "./repo-url.js";

export interface ProjectSourceOptions extends RepoPolicy {
  readonly reposDir: string;
  readonly githubProxyDomain: string;
  readonly privateRepoAccessToken: string;
  readonly env: Readonly<Record<string, string>>;
  /** How transient network failures of fetches and listings are retried (default: a few tries in 30 s). */
  readonly networkRetry?: NetworkRetryPolicy | undefined;
}

function errorText(error: unknown): string {
  return redactCredentials(error instanceof Error ? error.message : String(error));
}

/**
 * How many files read at a commit are remembered. A commit names its content for good, so an entry
 * never goes stale; the bound only caps memory (project.yaml files are a few KiB).
 */
const REMEMBERED_FILES = 256;

export class ProjectSource {
  /** Reads by (repository, commit, path), finished or in flight: a burst of creates shares one git process. */
  private readonly files = new Map<string, Promise<string | undefined>>();

  constructor(private readonly options: ProjectSourceOptions) {}

  private git(dir: string): Git {
    return gitIn(dir, this.options.env);
  }

  /** A git command against the remote, retried while its failures are transient. */
  private remote(dir: string, args: readonly string[]): Promise<string> {
    return withNetworkRetry(() => this.git(dir)(args), this.options.networkRetry);
  }

  locate(repoUrl: string): RepoLocation {
    return locateRepo(repoUrl, this.options);
  }

  /**
   * Checks that `commit` is on `branch` of a GitHub repo (refusing commits only reachable from pull
   * requests), as upstream does. Local repositories skip the check.
   */
  async validateCommit(repoUrl: string, branch: string, commit: string): Promise<void> {
    const location = this.locate(repoUrl);
    if (location.kind === "local") return;
    if (!branch) throw new UserActionableError("A branch name must be supplied");
    const cache = await this.bareCache(location);
    const url = fetchUrl(location, this.options.githubProxyDomain, this.options.privateRepoAccessToken);
    let head: string | undefined;
    try {
      const listing = await this.remote(cache, ["ls-remote", "--quiet", url, `refs/heads/${branch}`]);
      head = listing
        .trim()
        .split("\n")
        .find((line) => line.endsWith(`\trefs/heads/${branch}`))
        ?.split("\t")[0];
    } catch (error) {
      throw new UserActionableError(
        `Network error when fetching commit ${commit} from ${repoUrl}\n(This may work if you try again later)`,
        { cause: new Error(errorText(error)) },
      );
    }
    if (!head) throw new UserActionableError(`Could not find branch '${branch}'`);
    if (head === commit) return;
    // A shallow cache is only deepened by an explicit depth; git's "infinite" depth is 2^31-1.
    for (const depth of [
      ["--depth", "10"],
      ["--depth", "2147483647"],
    ]) {
      try {
        await this.remote(cache, ["fetch", ...depth, "--force", url, `+refs/heads/${branch}:refs/remotes/origin/${branch}`]);
      } catch (error) {
        const text = errorText(error);
        if (!isTransientGitError(text)) throw new UserActionableError(`Could not find commit on branch '${branch}': ${commit}`);
        throw new UserActionableError(
          `Network error when fetching commit ${commit} from ${repoUrl}\n(This may work if you try again later)`,
          { cause: new Error(text) },
        );
      }
      const onBranch = await this.git(cache)(["merge-base", "--is-ancestor", commit, `refs/remotes/origin/${branch}`]).then(
        () => true,
        () => false,
      );
      if (onBranch) return;
      // Not found at this depth; try deeper, then give up.
    }
    throw new UserActionableError(`Could not find commit on branch '${branch}': ${commit}`);
  }

  /**
   * The text of `path` at `commit`, or undefined if the commit has no such file. Remembered once
   * read (failures are not: a network error may pass), so creates for a commit already seen start
   * no git process; job-server sends many creates for the same commit.
   */
  readFile(repoUrl: string, commit: string, path: string): Promise<string | undefined> {
    // Only a full object name is immutable; anything shorter could come to mean another commit.
    if (!/^[0-9a-f]{40}$/.test(commit)) return this.readFileNow(repoUrl, commit, path);
    // The repository policy is asked every time, remembered or not.
    this.locate(repoUrl);
    const key = `${repoUrl}\u0000${commit}\u0000${path}`;
    const known = this.files.get(key);
    if (known) {
      // Refreshed as most recently used (a Map keeps insertion order).
      this.files.delete(key);
      this.files.set(key, known);
      return known;
    }
    const reading = this.readFileNow(repoUrl, commit, path);
    this.files.set(key, reading);
    reading.catch(() => {
      if (this.files.get(key) === reading) this.files.delete(key);
    });
    if (this.files.size > REMEMBERED_FILES) this.files.delete(this.files.keys().next().value!);
    return reading;
  }

  private async readFileNow(repoUrl: string, commit: string, path: string): Promise<string | undefined> {
    const location = this.locate(repoUrl);
    const dir = location.kind === "local" ? location.path : await this.fetchCommit(location, commit, repoUrl);
    // One git process answers both questions: is the commit there, and what is the file's text.
    const [commitObject, file] = await catFileBatch(dir, [`${commit}^{commit}`, `${commit}:${path}`], this.options.env).catch(
      () => [undefined, undefined],
    );
    if (!commitObject) throw new UserActionableError(`Error fetching commit ${commit} from ${repoUrl}`);
    return file?.toString("utf8");
  }

  private async bareCache(location: RepoLocation & { kind: "github" }): Promise<string> {
    const dir = join(this.options.reposDir, `${location.org}__${location.name.replace(/\.git$/, "")}.git`);
    if (!existsSync(join(dir, "HEAD"))) {
      mkdirSync(dir, { recursive: true });
      await this.git(dir)(["init", "--bare", "--quiet"]);
    }
    return dir;
  }

  private async fetchCommit(location: RepoLocation & { kind: "github" }, commit: string, repoUrl: string): Promise<string> {
    const dir = await this.bareCache(location);
    const repo = this.git(dir);
    const have = await repo(["cat-file", "-e", `${commit}^{commit}`]).then(
      () => true,
      () => false,
    );
    if (have) return dir;
    const url = fetchUrl(location, this.options.githubProxyDomain, this.options.privateRepoAccessToken);
    try {
      await this.remote(dir, ["fetch", "--force", "--depth", "1", url, commit]);
    } catch (error) {
      const text = errorText(error);
      if (isTransientGitError(text)) {
        throw new UserActionableError(
          `Network error when fetching commit ${commit} from ${repoUrl}\n(This may work if you try again later)`,
          { cause: new Error(text) },
        );
      }
      throw new UserActionableError(`Error fetching commit ${commit} from ${repoUrl}`, { cause: new Error(text) });
    }
    return dir;
  }
}
