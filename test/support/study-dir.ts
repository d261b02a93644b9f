/** Plain study directories (not git repositories) for `rap run`, and a listing of what a run left in them. */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const created: string[] = [];

function freshParent(): string {
  const parent = mkdtempSync(path.join(tmpdir(), "rap-run-study-"));
  created.push(parent);
  return parent;
}

/** Deletes every study directory made so far (call in afterEach/afterAll). */
export function removeStudyDirs(): void {
  for (const parent of created.splice(0)) rmSync(parent, { recursive: true, force: true });
}

/** A fresh temp folder holding `files` under a study directory called `name`; returns the study path. */
export function createStudyDir(files: Readonly<Record<string, string>>, name = "study"): string {
  const study = path.join(freshParent(), name);
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(study, file)), { recursive: true });
    writeFileSync(path.join(study, file), content, { mode: file.endsWith(".sh") ? 0o755 : 0o644 });
  }
  return study;
}

/** A copy of a directory (e.g. examples/study) as a fresh study directory. */
export function copyStudyDir(source: string, name = "study"): string {
  const study = path.join(freshParent(), name);
  cpSync(source, study, { recursive: true });
  return study;
}

/** Every file under `dir`, relative, sorted. */
export function listFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (rel: string) => {
    for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel === "" ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else found.push(child);
    }
  };
  walk("");
  return found.sort();
}

/** A study whose actions succeed, fail, depend on a failure and forget their output. */
export const FAILING_STUDY: Readonly<Record<string, string>> = {
  "project.yaml": [
    'version: "5.0"',
    "actions:",
    "  prepare:",
    "    run: python:v2 analysis/prepare.sh",
    "    outputs:",
    "      highly_sensitive:",
    "        data: output/prepared.csv",
    "  analyse:",
    "    run: python:v2 analysis/analyse.sh",
    "    needs: [prepare]",
    "    outputs:",
    "      moderately_sensitive:",
    "        table: output/table.csv",
    "  report:",
    "    run: python:v2 analysis/report.sh",
    "    needs: [analyse]",
    "    outputs:",
    "      moderately_sensitive:",
    "        report: output/report.txt",
    "  forgetful:",
    "    run: python:v2 analysis/forgetful.sh",
    "    outputs:",
    "      moderately_sensitive:",
    "        missing: output/missing.csv",
    "",
  ].join("\n"),
  "analysis/prepare.sh": "mkdir -p output\nprintf 'patient_id,value\\n1,10\\n2,20\\n' > output/prepared.csv\necho prepared\n",
  "analysis/analyse.sh":
    "mkdir -p output\nprintf 'rows\\n2\\n' > output/table.csv\necho 'analysis failed: no model' >&2\nexit 3\n",
  "analysis/report.sh": "mkdir -p output\necho report > output/report.txt\n",
  "analysis/forgetful.sh": "mkdir -p output\necho 'wrote nothing'\n",
};
