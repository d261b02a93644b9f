/**
 * Real local reusable-action repositories for tests: `<base>/<name>`, a git repo with `main`, as
 * ACTIONS_REPO_BASE=<base> expects. Tags may be lightweight or annotated, and commits may be made
 * on a side branch to get a tag that was never merged into main.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { createStudyRepo, type StudyRepo } from "./study-repo.js";

const git = (dir: string, ...args: string[]) =>
  execFileSync("git", ["-C", dir, "-c", "user.name=test", "-c", "user.email=test@example.com", ...args], {
    encoding: "utf8",
  }).trim();

export interface ActionRepo extends StudyRepo {
  /** Tags `commit` (default: main's head); annotated tags get a tag object of their own. */
  tag(name: string, options?: { commit?: string; annotated?: boolean }): void;
  /** Commits files on a new branch off main, returns that commit, and goes back to main. */
  commitOnBranch(branch: string, files: Readonly<Record<string, string>>): string;
}

export function createActionRepo(base: string, name: string, files: Readonly<Record<string, string>>): ActionRepo {
  const repo = createStudyRepo(files, path.join(base, name));
  return {
    ...repo,
    tag: (tag, options = {}) => {
      const target = options.commit ?? git(repo.path, "rev-parse", "main");
      if (options.annotated) git(repo.path, "tag", "--force", "-a", "-m", `release ${tag}`, tag, target);
      else git(repo.path, "tag", "--force", tag, target);
    },
    commitOnBranch: (branch, more) => {
      git(repo.path, "checkout", "--quiet", "-b", branch);
      const commit = repo.commitFiles(more);
      git(repo.path, "checkout", "--quiet", "main");
      return commit;
    },
  };
}

/** An action.yaml whose entry point is `run`. */
export function actionYaml(run: string): Record<string, string> {
  return { "action.yaml": `run: ${run}\n` };
}
