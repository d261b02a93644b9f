/**
 * Git access to reusable-action repositories (reference/jobrunner.md §4.5): `<base>/<name>` for a
 * configurable base (upstream's https://github.com/opensafely-actions, or a local directory or
 * file:// base for tests and offline sites). Commits are fetched into a bare cache under
 * WORKDIR/repos/actions, one per action, as upstream caches study repositories; a fetch counts only
 * once a `fetched/<sha>` tag marks it complete, so an interrupted fetch is simply repeated.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { gitIn, type Git } from "./git-runner.js";
import { shaFromRemoteRef, UnknownRefError } from "./remote-refs.js";
import { fetchUrl, redactCredentials } from "./repo-url.js";

export interface ActionReposOptions {
  /** ACTIONS_REPO_BASE, without a trailing slash. */
  readonly base: string;
  readonly reposDir: string;
  readonly githubProxyDomain: string;
  readonly privateRepoAccessToken: string;
  readonly env: Readonly<Record<string, string>>;
}

/** A git operation on an action repository failed (network, missing objects, corrupt cache). */
export class ActionGitError extends Error {
  override readonly name = "ActionGitError";
}

const FETCHED_TAG_PREFIX = "fetched/";
/** git's "infinite" depth: deepens a shallow cache to the full history. */
const FULL_DEPTH = "2147483647";

export class ActionRepos {
  constructor(private readonly options: ActionReposOptions) {}

  /** The repository URL of an action, as stored on jobs and shown in messages. */
  repoUrl(name: string): string {
    return `${this.options.base}/${name}`;
  }

  /** The URL git talks to: GitHub through the proxy with the access token, anything else as given. */
  private remote(name: string): string {
    const github = /^https:\/\/github\.com\/([^/]+)$/.exec(this.options.base);
    if (!github?.[1]) return this.repoUrl(name);
    const location = { kind: "github", org: github[1], name, url: this.repoUrl(name) } as const;
    return fetchUrl(location, this.options.githubProxyDomain, this.options.privateRepoAccessToken);
  }

  private git(dir: string): Git {
    return gitIn(dir, this.options.env);
  }

  /** The bare cache of one action (created on first use). */
  private async cache(name: string): Promise<Git> {
    const dir = join(this.options.reposDir, "actions", `${name.replace(/\/+$/, "")}.git`);
    if (!existsSync(join(dir, "HEAD"))) {
      mkdirSync(dir, { recursive: true });
      await this.git(dir)(["init", "--bare", "--quiet"]);
    }
    return this.git(dir);
  }

  /**
   * The commit a tag (or any ref) names. Throws RemoteNotReachableError or UnknownRefError
   * (remote-refs.ts).
   */
  async resolveRef(name: string, ref: string): Promise<string> {
    mkdirSync(this.options.reposDir, { recursive: true });
    return shaFromRemoteRef(this.git(this.options.reposDir), this.remote(name), ref, this.repoUrl(name));
  }

  /**
   * Whether `sha` is reachable from the action's `main` branch: its head, or an ancestor found in
   * the last 10 commits, then in the whole history. No `main` branch means not approved. Throws
   * ActionGitError when git itself fails.
   */
  async isOnMain(name: string, sha: string): Promise<boolean> {
    let head: string;
    try {
      head = await this.resolveRef(name, "refs/heads/main");
    } catch (error) {
      if (error instanceof UnknownRefError) return false;
      throw new ActionGitError(`could not list ${this.repoUrl(name)}`, { cause: error });
    }
    if (head === sha) return true;
    const cache = await this.cache(name);
    for (const depth of ["10", FULL_DEPTH]) {
      await this.fetch(cache, name, head, depth);
      const isAncestor = await cache(["merge-base", "--is-ancestor", sha, head]).then(
        () => true,
        () => false,
      );
      if (isAncestor) return true;
    }
    return false;
  }

  /**
   * The text of `path` at `sha`, or undefined when the commit has no such file. Throws
   * ActionGitError when the commit cannot be fetched or read.
   */
  async readFile(name: string, sha: string, path: string): Promise<string | undefined> {
    const cache = await this.cache(name);
    if (!(await this.isFetched(cache, sha))) await this.fetch(cache, name, sha, "1");
    try {
      return await cache(["show", `${sha}:${path}`]);
    } catch (error) {
      const stderr = error instanceof Error ? error.message : String(error);
      if (stderr.startsWith("fatal: path ") && stderr.includes("does not exist")) return undefined;
      throw new ActionGitError(`Error reading from ${this.repoUrl(name)} @ ${sha}`, { cause: error });
    }
  }

  private async isFetched(cache: Git, sha: string): Promise<boolean> {
    const listing = await cache(["tag", "--list", `${FETCHED_TAG_PREFIX}${sha}`, "--points-at", sha, "--format", "exists"]).catch(
      () => "",
    );
    return listing.trim() === "exists";
  }

  private async fetch(cache: Git, name: string, sha: string, depth: string): Promise<void> {
    try {
      await cache(["fetch", "--force", "--quiet", "--depth", depth, this.remote(name), sha]);
      await cache(["tag", "--force", `${FETCHED_TAG_PREFIX}${sha}`, sha]);
    } catch (error) {
      const text = redactCredentials(error instanceof Error ? error.message : String(error));
      throw new ActionGitError(`Error fetching commit ${sha} from ${this.repoUrl(name)}`, { cause: new Error(text) });
    }
  }
}
