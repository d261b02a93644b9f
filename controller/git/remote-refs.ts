/**
 * Resolving a ref name on a remote repository to a commit sha with `git ls-remote`, the way
 * upstream does (reference/jobrunner.md §5.14): ask for `<ref>` and `<ref>^{}` at once, then take
 * the first of: the exact ref, the branch `refs/heads/<ref>`, the peeled annotated tag
 * `refs/tags/<ref>^{}` (so an annotated tag gives its commit, not the tag object), the tag
 * `refs/tags/<ref>`.
 */
import type { Git } from "./git-runner.js";
import { redactCredentials } from "./repo-url.js";

/** The remote could not be listed at all (missing repository, network, permissions). */
export class RemoteNotReachableError extends Error {
  override readonly name = "RemoteNotReachableError";
}

/** The remote was listed but has no such ref. */
export class UnknownRefError extends Error {
  override readonly name = "UnknownRefError";
}

/** `git ls-remote` output as ref name -> sha (a later line for the same ref wins, as upstream's dict does). */
export function parseLsRemote(output: string): Map<string, string> {
  const refs = new Map<string, string>();
  for (const line of output.split("\n")) {
    const [sha, ref] = line.trim().split(/\s+/);
    if (sha && ref) refs.set(ref, sha);
  }
  return refs;
}

/** Picks the sha for `ref` from a listing, in upstream's lookup order; undefined if none matches. */
export function pickRef(refs: ReadonlyMap<string, string>, ref: string): string | undefined {
  const peeled = `${ref}^{}`;
  for (const candidate of [ref, `refs/heads/${ref}`, `refs/tags/${peeled}`, `refs/tags/${ref}`]) {
    const sha = refs.get(candidate);
    if (sha !== undefined) return sha;
  }
  return undefined;
}

/**
 * The commit `ref` names on the remote at `url`. `git` only has to be able to run somewhere (its
 * directory is irrelevant to ls-remote). `displayUrl` is what error messages show, never the
 * credentialled fetch URL.
 */
export async function shaFromRemoteRef(git: Git, url: string, ref: string, displayUrl: string): Promise<string> {
  let output: string;
  try {
    output = await git(["ls-remote", "--quiet", url, ref, `${ref}^{}`]);
  } catch (error) {
    const detail = redactCredentials(error instanceof Error ? error.message : String(error));
    throw new RemoteNotReachableError(`Could not read from ${displayUrl}`, { cause: new Error(detail) });
  }
  const sha = pickRef(parseLsRemote(output), ref);
  if (sha === undefined) throw new UnknownRefError(`Could not find ref '${ref}' in ${displayUrl}`);
  return sha;
}
