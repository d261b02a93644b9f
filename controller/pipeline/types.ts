/**
 * The parsed, validated form of a study's project.yaml: what job creation needs from it.
 * Produced only by `parseProject` (parse-project.ts); everything here is already validated.
 */

/** Output privacy levels a project.yaml may use. */
export type PrivacyLevel = "highly_sensitive" | "moderately_sensitive" | "minimally_sensitive";

/** `image:version args…` split the way upstream's pipeline library does. */
export interface RunCommand {
  /** The text of `run` as written (after YAML parsing). */
  readonly raw: string;
  /** Shell-style split of `raw`. */
  readonly parts: readonly string[];
  /** Image name (text before `:` of the first part), e.g. `python`, `ehrql`, or a reusable action name. */
  readonly name: string;
  /** Version/tag (text after `:` of the first part), e.g. `v2`. */
  readonly version: string;
  /** Everything after the first part. */
  readonly args: readonly string[];
}

export interface ActionSpec {
  readonly name: string;
  readonly run: RunCommand;
  /** The job's run command: shell-joined parts, plus `--config '<json>'` when the action has `config:`. */
  readonly runCommand: string;
  readonly needs: readonly string[];
  /** privacy level -> output name -> glob pattern, in file order. */
  readonly outputs: Readonly<Partial<Record<PrivacyLevel, Readonly<Record<string, string>>>>>;
  /** Upstream's `is_database_action`. */
  readonly isDatabaseAction: boolean;
  readonly config?: unknown;
  /** `dummy_data_file` as written, when given (not validated as a path, as upstream). */
  readonly dummyDataFile?: string;
}

export interface Pipeline {
  readonly version: number;
  /** Actions in file order. A user action named `run_all` is ignored, as upstream. */
  readonly actions: ReadonlyMap<string, ActionSpec>;
  /** Upstream's warnings (old version, user-defined run_all), in the order issued. */
  readonly warnings?: readonly string[];
  /**
   * `expectations.population_size` in effect: as given for v3, 1000 for versions below 4 other
   * than 3, null from v4 on.
   */
  readonly populationSize?: number | null;
}

/**
 * A project.yaml that upstream would reject; `message` is upstream's text, verbatim: the parser's
 * message for YAML errors, otherwise `Invalid project: \n<validation message>`.
 */
export class ProjectValidationError extends Error {
  override readonly name = "ProjectValidationError";
  /** The message without upstream's `Invalid project: \n` prefix (equal to `message` for YAML errors). */
  readonly detail: string;

  constructor(message: string, detail?: string) {
    super(message);
    this.detail = detail ?? message;
  }
}
