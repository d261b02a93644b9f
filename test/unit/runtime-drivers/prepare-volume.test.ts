import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createCommandRunner } from "../../../runtime-drivers/exec.js";
import { assertNotArchived, prepareVolume } from "../../../runtime-drivers/prepare-volume.js";
import type { JobDefinition, StorageLayout } from "../../../runtime-drivers/types.js";
import { createStudyRepo } from "../../support/study-repo.js";
import { makeSandbox } from "../job-files/fixtures.js";

/** A fresh storage layout in a temp directory (the job-files fixtures' sandbox). */
function freshLayout(): StorageLayout {
  return makeSandbox().layout;
}

const runner = createCommandRunner({
  baseEnv: { PATH: process.env.PATH ?? "" },
  debug: false,
  log: { debug() {}, info() {}, warn() {}, error() {} },
});

function job(repo: { path: string; commit: string }, overrides: Partial<JobDefinition> = {}): JobDefinition {
  return {
    id: "preparejob000001",
    rapId: "r",
    taskId: "preparejob000001-001",
    repoUrl: repo.path,
    commit: repo.commit,
    study: { gitRepoUrl: repo.path, commit: repo.commit, branch: "main" },
    workspace: "ws",
    action: "a",
    createdAt: 1795389104,
    image: "i",
    args: [],
    env: {},
    inputJobIds: [],
    outputSpec: {},
    allowDatabaseAccess: false,
    level4MaxCsvRows: 5000,
    level4MaxFilesize: 1,
    level4FileTypes: [".csv"],
    user: "u",
    ...overrides,
  };
}

describe("prepareVolume", () => {
  it("checks out the tree without .git, copies the needed job's outputs and writes the marker last", async () => {
    const layout = freshLayout();
    const repo = createStudyRepo({ "analysis/run.sh": "echo hi\n", "project.yaml": "x: 1\n" });
    // A finished dependency: its metadata names its outputs, which sit in the workspace.
    const logDir = path.join(layout.highPrivacyDir, "logs", "2026-11", "os-job-dependency0000001");
    mkdirSync(logDir, { recursive: true });
    writeFileSync(
      path.join(logDir, "metadata.json"),
      JSON.stringify({ outputs: { "output/data.csv": "highly_sensitive" }, task_id: "dependency0000001-001" }),
    );
    mkdirSync(path.join(layout.highPrivacyDir, "workspaces/ws/output"), { recursive: true });
    writeFileSync(path.join(layout.highPrivacyDir, "workspaces/ws/output/data.csv"), "a,b\n1,2\n");

    const volume = path.join(layout.volumesDir, "preparejob000001");
    await prepareVolume(
      job(repo, { inputJobIds: ["dependency0000001"] }),
      { layout, volumeDir: volume, checkout: { reposDir: layout.reposDir, tokenUser: "t", runner }, nowNs: () => 42n },
      AbortSignal.timeout(30_000),
    );

    expect(readFileSync(path.join(volume, "analysis/run.sh"), "utf8")).toBe("echo hi\n");
    expect(readFileSync(path.join(volume, "output/data.csv"), "utf8")).toBe("a,b\n1,2\n");
    expect(readFileSync(path.join(volume, ".opensafely-timestamp"), "utf8")).toBe("42");
    expect(existsSync(path.join(volume, ".git"))).toBe(false);
  });

  it("fails with upstream's message when a needed output is missing, and leaves no marker", async () => {
    const layout = freshLayout();
    const repo = createStudyRepo({ "a.txt": "a\n" });
    const logDir = path.join(layout.highPrivacyDir, "logs", "2026-11", "os-job-dependency0000001");
    mkdirSync(logDir, { recursive: true });
    writeFileSync(path.join(logDir, "metadata.json"), JSON.stringify({ outputs: { "output/gone.csv": "highly_sensitive" } }));
    const volume = path.join(layout.volumesDir, "preparejob000001");
    await expect(
      prepareVolume(
        job(repo, { inputJobIds: ["dependency0000001"] }),
        { layout, volumeDir: volume, checkout: { reposDir: layout.reposDir, tokenUser: "t", runner }, nowNs: () => 1n },
        AbortSignal.timeout(30_000),
      ),
    ).rejects.toThrow("The file output/gone.csv doesn't exist in workspace ws as requested for job preparejob000001");
    expect(existsSync(path.join(volume, ".opensafely-timestamp"))).toBe(false);
  });

  it("fails with upstream's message for a commit the repository does not have", async () => {
    const layout = freshLayout();
    const repo = createStudyRepo({ "a.txt": "a\n" });
    const missing = "0".repeat(40);
    await expect(
      prepareVolume(
        job({ path: repo.path, commit: missing }),
        {
          layout,
          volumeDir: path.join(layout.volumesDir, "v"),
          checkout: { reposDir: layout.reposDir, tokenUser: "t", runner },
          nowNs: () => 1n,
        },
        AbortSignal.timeout(30_000),
      ),
    ).rejects.toThrow(`Could not checkout commit ${missing} from ${repo.path}`);
  });
});

describe("assertNotArchived", () => {
  it("refuses a workspace that only exists as an archive", () => {
    const layout = freshLayout();
    mkdirSync(layout.archivesDir, { recursive: true });
    writeFileSync(path.join(layout.archivesDir, "old.tar.zstd"), "");
    expect(() => assertNotArchived(layout, "old")).toThrow(
      "Workspace old has been archived. Contact the OpenSAFELY tech team to resolve",
    );
    expect(() => assertNotArchived(layout, "new")).not.toThrow();
  });

  it("lets a workspace run when it exists, archive or not", () => {
    const layout = freshLayout();
    mkdirSync(layout.archivesDir, { recursive: true });
    writeFileSync(path.join(layout.archivesDir, "live.tar.gz"), "");
    mkdirSync(path.join(layout.highPrivacyDir, "workspaces/live"), { recursive: true });
    expect(() => assertNotArchived(layout, "live")).not.toThrow();
  });
});
