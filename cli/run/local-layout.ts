/**
 * Where a local run (`rap run`) keeps things, following opensafely-cli's local run: the study
 * directory is the (high-privacy) workspace, so outputs land at their own paths in it and each
 * action's log at `metadata/<action>.log`; the manifest is `metadata/manifest.json`. What a backend
 * keeps in its log store (each job's logs.txt and metadata.json, needed to find the inputs of a later
 * run) goes under `metadata/.rap/`; working directories and medium-privacy copies are temporary.
 */
import path from "node:path";
import type { StorageLayout } from "../../runtime-drivers/index.js";

export interface LocalLayout {
  readonly studyDir: string;
  /** The workspace name: the study directory's name, as opensafely-cli uses. */
  readonly workspace: string;
  readonly storage: StorageLayout;
  /** `metadata/.rap/`: job records kept between runs. */
  readonly stateDir: string;
  /** `metadata/.rap/jobs.json`: the latest job of each action. */
  readonly jobsFile: string;
  /** `metadata/manifest.json` in the study directory. */
  readonly manifestFile: string;
  /** The run's scratch directory, removed at the end. */
  readonly scratchDir: string;
}

export function localLayout(studyDir: string, scratchDir: string, gitCacheDir: string): LocalLayout {
  const study = path.resolve(studyDir);
  const stateDir = path.join(study, "metadata", ".rap");
  return {
    studyDir: study,
    workspace: path.basename(study),
    stateDir,
    jobsFile: path.join(stateDir, "jobs.json"),
    manifestFile: path.join(study, "metadata", "manifest.json"),
    scratchDir,
    storage: {
      // Job log folders: <stateDir>/logs/<YYYY-MM>/os-job-<id>/.
      highPrivacyDir: stateDir,
      highWorkspacesDir: path.dirname(study),
      mediumPrivacyDir: path.join(scratchDir, "medium"),
      volumesDir: path.join(scratchDir, "volumes"),
      archivesDir: path.join(scratchDir, "archives"),
      reposDir: gitCacheDir,
      tempDir: path.join(scratchDir, "temp"),
    },
  };
}
