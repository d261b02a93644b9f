/** Real git repositories for tests: a study with the given files, committed on `main`. */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const git = (dir: string, ...args: string[]) =>
  execFileSync("git", ["-C", dir, "-c", "user.name=test", "-c", "user.email=test@example.com", ...args], {
    encoding: "utf8",
  }).trim();

export interface StudyRepo {
  readonly path: string;
  readonly commit: string;
  /** Adds or replaces files and commits; returns the new commit. */
  commitFiles(files: Readonly<Record<string, string>>): string;
}

export function createStudyRepo(files: Readonly<Record<string, string>>, dir?: string): StudyRepo {
  const repo = dir ?? mkdtempSync(path.join(tmpdir(), "rap-study-"));
  mkdirSync(repo, { recursive: true });
  git(repo, "init", "--quiet", "--initial-branch=main");
  const commitFiles = (more: Readonly<Record<string, string>>) => {
    for (const [file, content] of Object.entries(more)) {
      mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
      writeFileSync(path.join(repo, file), content);
    }
    git(repo, "add", "-A");
    git(repo, "commit", "--quiet", "-m", "update");
    return git(repo, "rev-parse", "HEAD");
  };
  const commit = commitFiles(files);
  return { path: repo, commit, commitFiles };
}

/** A two-action study: `generate` writes a patient-level CSV, `summarise` needs it and writes aggregates. */
export const TWO_ACTION_STUDY: Readonly<Record<string, string>> = {
  "project.yaml": [
    'version: "5.0"',
    "actions:",
    "  generate:",
    "    run: python:v2 analysis/generate.sh",
    "    outputs:",
    "      highly_sensitive:",
    "        dataset: output/dataset.csv",
    "  summarise:",
    "    run: python:v2 analysis/summarise.sh",
    "    needs: [generate]",
    "    outputs:",
    "      moderately_sensitive:",
    "        summary: output/summary.csv",
    "",
  ].join("\n"),
  "analysis/generate.sh": "mkdir -p output\nprintf 'patient_id,age\\n1,40\\n2,50\\n' > output/dataset.csv\necho generated\n",
  "analysis/summarise.sh":
    "mkdir -p output\nrows=$(($(wc -l < output/dataset.csv) - 1))\nprintf 'count\\n%s\\n' \"$rows\" > output/summary.csv\n",
};

/**
 * A study whose one action, `gated`, appends "run" to output/runs.txt and then blocks until the
 * test drops a file named `go` into its working directory (so a test decides when it ends, and can
 * count how many times it started).
 */
export function createGatedStudy(): StudyRepo {
  return createStudyRepo({
    "project.yaml": [
      'version: "5.0"',
      "actions:",
      "  gated:",
      "    run: python:v2 analysis/gated.sh",
      "    outputs:",
      "      moderately_sensitive:",
      "        runs: output/runs.txt",
      "",
    ].join("\n"),
    "analysis/gated.sh": "mkdir -p output\necho run >> output/runs.txt\nwhile [ ! -f go ]; do sleep 0.05; done\n",
  });
}
