/**
 * The one way the controller runs git: through execa, never through a shell, with a scrubbed
 * environment in which git can never stop to ask for a password. Study repositories
 * (project-source.ts) and reusable-action repositories (action-repos.ts) both use it.
 */
import path from "node:path";
import { execa } from "execa";

// Git must never wait for a password prompt.
const GIT_ENV = { GIT_TERMINAL_PROMPT: "0", GIT_ASKPASS: "echo", GCM_INTERACTIVE: "never" };
/** Variables git may see: enough to find itself, certificates and proxies, nothing that runs programs. */
const PASSED_THROUGH =
  /^(PATH|HOME|LANG|LC_ALL|TZ|TMPDIR|SSL_CERT_FILE|SSL_CERT_DIR|GIT_SSL_CAINFO|HTTPS?_PROXY|https?_proxy|NO_PROXY|no_proxy)$/;

/**
 * `-c safe.directory=…` for the directory a command runs in. A local study or action repository
 * (ALLOW_LOCAL_GIT_REPOS, already allowed by the repository policy) is read in place, and it
 * usually belongs to another user than the service (the host's checkout owner, while the image
 * runs as 10000; root's checkout under a `rap` unit): git refuses such a repository as "dubious
 * ownership" unless it is named in safe.directory, which is only honoured from the command line or
 * the system and global config. Only that one directory is trusted (the work tree and its .git),
 * and only read commands (cat-file, ls-remote, show) run in it. The service's own caches are its
 * own, so the option changes nothing there.
 */
export function trustDirectory(dir: string): string[] {
  return ["-c", `safe.directory=${dir}`, "-c", `safe.directory=${path.join(dir, ".git")}`];
}

/** A git command that exited non-zero; the message is git's stderr (which may echo URLs: redact before showing). */
export class GitFailure extends Error {
  override readonly name = "GitFailure";
}

/** A git command in one directory; resolves with stdout, rejects with GitFailure carrying stderr. */
export type Git = (args: readonly string[]) => Promise<string>;

/** Binds git to `dir` (`git -C dir …`) with only the safe part of `env` passed through. */
export function gitIn(dir: string, env: Readonly<Record<string, string>>): Git {
  const passed = Object.fromEntries(Object.entries(env).filter(([name]) => PASSED_THROUGH.test(name)));
  return async (args) => {
    const result = await execa("git", [...trustDirectory(dir), "-C", dir, ...args], {
      env: { ...passed, ...GIT_ENV },
      extendEnv: false,
      reject: false,
      timeout: 120_000,
      stdin: "ignore",
      stripFinalNewline: false,
    });
    if (result.exitCode !== 0) throw new GitFailure(result.stderr || result.shortMessage);
    return result.stdout;
  };
}

/**
 * `git cat-file --batch` for several object names: each one's content, or undefined when missing.
 * The output is `<oid> <type> <size>\n<content>\n` per found object, `<name> missing\n` otherwise.
 */
export async function catFileBatch(
  dir: string,
  names: readonly string[],
  env: Readonly<Record<string, string>>,
): Promise<(Buffer | undefined)[]> {
  const passed = Object.fromEntries(Object.entries(env).filter(([name]) => PASSED_THROUGH.test(name)));
  const result = await execa("git", [...trustDirectory(dir), "-C", dir, "cat-file", "--batch"], {
    env: { ...passed, ...GIT_ENV },
    extendEnv: false,
    input: names.map((name) => `${name}\n`).join(""),
    encoding: "buffer",
    stripFinalNewline: false,
    timeout: 120_000,
  });
  const out = Buffer.from(result.stdout);
  const objects: (Buffer | undefined)[] = [];
  let offset = 0;
  for (let index = 0; index < names.length; index++) {
    const end = out.indexOf(0x0a, offset);
    const header = out.subarray(offset, end).toString("utf8");
    offset = end + 1;
    const match = /^[0-9a-f]+ \w+ (\d+)$/.exec(header);
    if (!match) {
      objects.push(undefined);
      continue;
    }
    const size = Number(match[1]);
    objects.push(out.subarray(offset, offset + size));
    offset += size + 1;
  }
  return objects;
}
