/**
 * Every problem in a project.yaml, each with its line and column: what `rap validate` reports.
 * The rules are the controller's own (parse-project.ts) run in the collector's "all" mode, so the
 * first error is always the one the controller would reject the project with (its message without
 * upstream's `Invalid project: \n` prefix). Our advice (project-advice.ts) comes after upstream's
 * errors: first its errors, then every warning.
 */
import { Diagnostics, type Finding, type Severity } from "./diagnostics.js";
import { adviseOnProject, type AdviceOptions } from "./project-advice.js";
import { validateProject } from "./parse-project.js";
import type { Pipeline } from "./types.js";
import { readYaml } from "./yaml-load.js";
import { positionOf } from "./yaml-positions.js";

export interface Diagnostic {
  readonly severity: Severity;
  readonly message: string;
  readonly line: number;
  readonly column: number;
  /** The offending key as a path, e.g. `actions.a.needs[0]`; null for the whole document or a syntax error. */
  readonly key: string | null;
  /** e.g. `did you mean 'outputs'?` */
  readonly hint: string | null;
}

export interface ProjectDiagnosis {
  /** Errors first (the first is the controller's), then warnings. */
  readonly diagnostics: readonly Diagnostic[];
  /** The validated project, when there are no errors. */
  readonly pipeline: Pipeline | null;
}

export function diagnoseProject(text: string, options: AdviceOptions = {}): ProjectDiagnosis {
  const loaded = readYaml(text);
  const fromYaml = loaded.problems.map((problem): Diagnostic => {
    const { line, col } = loaded.lines.linePos(problem.offset);
    return { severity: "error", message: problem.message, line, column: col, key: null, hint: null };
  });
  if (loaded.value === null) return { diagnostics: fromYaml, pipeline: null };

  const upstream = new Diagnostics("all");
  const validated = validateProject(upstream, loaded.value);
  const ours = new Diagnostics("all");
  adviseOnProject(ours, validated, options);

  const located = (finding: Finding): Diagnostic => {
    const { line, column, key } = positionOf(loaded.doc, loaded.lines, finding.at);
    return { severity: finding.severity, message: finding.message, line, column, key, hint: finding.hint };
  };
  const all = [...upstream.findings, ...ours.findings];
  const errors = all.filter((f) => f.severity === "error").map(located);
  const warnings = all.filter((f) => f.severity === "warning").map(located);
  const diagnostics = [...fromYaml, ...errors, ...warnings];
  const valid = diagnostics.every((x) => x.severity !== "error");
  return { diagnostics, pipeline: valid ? validated.pipeline : null };
}
