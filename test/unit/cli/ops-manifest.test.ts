/**
 * `rap manifest update-out-of-date-actions` and `rap manifest add-old-job` on a scratch backend
 * storage (real files, a real git study repository): exact stdout, exact manifest.json text, the
 * backup, and nothing written on --dry-run or on a refusal.
 */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { rapInProcess } from "../../support/cli-runtime.js";
import { createStudyRepo, type StudyRepo } from "../../support/study-repo.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function scratch() {
  const root = mkdtempSync(path.join(tmpdir(), "rap-ops-manifest-"));
  dirs.push(root);
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: root,
    AGENT_WORKDIR: path.join(root, "agent"),
    HIGH_PRIVACY_STORAGE_BASE: path.join(root, "high"),
    MEDIUM_PRIVACY_STORAGE_BASE: path.join(root, "medium"),
  };
  const medium = (file: string) => path.join(root, "medium/workspaces/ws", file);
  const high = (file: string) => path.join(root, "high/workspaces/ws", file);
  const write = (file: string, content: string) => {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
    // A fixed mtime, so the entry's timestamp is known exactly.
    utimesSync(file, 1_700_000_000.5, 1_700_000_000.5);
  };
  const manifestFile = medium("metadata/manifest.json");
  return { root, env, medium, high, write, manifestFile };
}

const sha = (text: string) => createHash("sha256").update(text).digest("hex");

function study(actions: readonly string[]): StudyRepo {
  const repo = createStudyRepo({
    "project.yaml": `version: "5.0"\nactions:\n${actions.map((a) => `  ${a}:\n    run: python:v2 x.py\n    outputs:\n      moderately_sensitive:\n        o: output/${a}.txt\n`).join("")}`,
  });
  dirs.push(repo.path);
  return repo;
}

function entry(action: string, repo: string, extra: Record<string, unknown> = {}) {
  return {
    level: "moderately_sensitive",
    job_id: "aaaaaaaaaaaaaaaa",
    job_request: "rap1",
    action,
    user: "someone",
    repo,
    commit: "c0ffee",
    size: 3,
    timestamp: 1.5,
    content_hash: "00",
    excluded: false,
    message: null,
    row_count: null,
    col_count: null,
    ...extra,
  };
}

describe("rap manifest update-out-of-date-actions", () => {
  function setUp() {
    const s = scratch();
    const repo = study(["keep", "also_kept"]);
    const manifest = {
      workspace: "ws",
      repo: null,
      outputs: {
        "output/a.csv": entry("keep", repo.path, { out_of_date_action: true }),
        "output/b.csv": entry("gone", repo.path),
        "output/c.csv": entry("also_kept", repo.path, { out_of_date_action: false }),
      },
    };
    s.write(s.manifestFile, JSON.stringify(manifest, null, 2));
    return { ...s, repo, manifest };
  }
  const changes = [
    `output/a.csv (action "keep"): out_of_date_action true -> false`,
    `output/b.csv (action "gone"): out_of_date_action (unset) -> true`,
  ];

  it("prints the entries whose flag would change and writes nothing with --dry-run", async () => {
    const s = setUp();
    const before = readFileSync(s.manifestFile, "utf8");
    const result = await rapInProcess(["manifest", "update-out-of-date-actions", "--dry-run", "ws", s.repo.path, s.repo.commit], {
      env: s.env,
    });
    expect(result).toEqual({
      code: 0,
      stdout: `${changes.join("\n")}\n2 of 3 entries would change (dry run: manifest.json not written)\n`,
      stderr: "",
    });
    expect(readFileSync(s.manifestFile, "utf8")).toBe(before);
  });

  it("rewrites the flags from project.yaml at the commit, atomically, and is a no-op the second time", async () => {
    const s = setUp();
    const args = ["manifest", "update-out-of-date-actions", "ws", s.repo.path, s.repo.commit];
    expect(await rapInProcess(args, { env: s.env })).toEqual({
      code: 0,
      stdout: `${changes.join("\n")}\n2 of 3 entries changed; wrote ${s.manifestFile}\n`,
      stderr: "",
    });
    const expected = structuredClone(s.manifest);
    Object.assign(expected.outputs["output/a.csv"], { out_of_date_action: false });
    Object.assign(expected.outputs["output/b.csv"], { out_of_date_action: true });
    expect(readFileSync(s.manifestFile, "utf8")).toBe(JSON.stringify(expected, null, 2));
    expect(readdirSync(path.dirname(s.manifestFile))).toEqual(["manifest.json"]);
    expect(await rapInProcess(args, { env: s.env })).toEqual({
      code: 0,
      stdout: "0 of 3 entries changed; manifest.json left as it was\n",
      stderr: "",
    });
  });

  it("refuses a commit whose project.yaml cannot be read, and leaves the manifest alone", async () => {
    const s = setUp();
    const before = readFileSync(s.manifestFile, "utf8");
    const bad = "0".repeat(40);
    expect(await rapInProcess(["manifest", "update-out-of-date-actions", "ws", s.repo.path, bad], { env: s.env })).toEqual({
      code: 1,
      stdout: "",
      stderr: `rap manifest update-out-of-date-actions: Could not read the actions of project.yaml at commit ${bad} of ${s.repo.path}\n`,
    });
    expect(readFileSync(s.manifestFile, "utf8")).toBe(before);
  });

  it("refuses a workspace without a manifest, and a hostile workspace name", async () => {
    const s = setUp();
    const missing = path.join(s.root, "medium/workspaces/other/metadata/manifest.json");
    expect(
      await rapInProcess(["manifest", "update-out-of-date-actions", "other", s.repo.path, s.repo.commit], { env: s.env }),
    ).toEqual({
      code: 1,
      stdout: "",
      stderr: `rap manifest update-out-of-date-actions: Could not find existing manifest file for workspace other (${missing})\n`,
    });
    for (const name of ["..", "a/b"]) {
      expect(
        await rapInProcess(["manifest", "update-out-of-date-actions", name, s.repo.path, s.repo.commit], { env: s.env }),
      ).toEqual({
        code: 2,
        stdout: "",
        stderr: `rap manifest update-out-of-date-actions: Unsafe workspace name: ${JSON.stringify(name)}: a workspace name is one folder name (not empty, '.', '..', or with / or \\)\n`,
      });
    }
  });
});

describe("rap manifest add-old-job", () => {
  const JOB_A = "oldjobaaaaaaaaa1";
  const JOB_B = "oldjobaaaaaaaaa2";

  function metadata(id: string, action: string, workspace = "ws") {
    return {
      outputs: {
        "output/existing.txt": "moderately_sensitive",
        "output/counts.csv": "moderately_sensitive",
        "output/patients.csv": "highly_sensitive",
        "output/leak.csv": "moderately_sensitive",
      },
      job_definition_id: id,
      job_definition_rap_id: "oldrap",
      user: "olduser",
      commit: "1111111111111111111111111111111111111111",
      level4_excluded_files: { "output/leak.csv": "File has patient_id column" },
      container_metadata: { Config: { Labels: { workspace, action } } },
    };
  }

  function setUp(projectActions: readonly string[]) {
    const s = scratch();
    const repo = study(projectActions);
    const existing = entry("keep", repo.path);
    s.write(
      s.manifestFile,
      JSON.stringify({ workspace: "ws", repo: null, outputs: { "output/existing.txt": existing } }, null, 2),
    );
    const logs = (id: string) => path.join(s.root, "high/logs/2025-11", `os-job-${id}`, "metadata.json");
    s.write(logs(JOB_A), JSON.stringify(metadata(JOB_A, "old_action")));
    s.write(logs(JOB_B), JSON.stringify(metadata(JOB_B, "old_action", "another-ws")));
    s.write(s.high("output/counts.csv"), "a,b\n1,2\n3,4\n");
    s.write(s.high("output/patients.csv"), "patient_id\n1\n");
    s.write(s.medium("output/leak.csv.txt"), "excluded\n");
    return { ...s, repo, existing };
  }

  const added = (repo: string, flags: Record<string, boolean>) => ({
    "output/counts.csv": {
      level: "moderately_sensitive",
      job_id: JOB_A,
      job_request: "oldrap",
      action: "old_action",
      user: "olduser",
      repo,
      commit: "1111111111111111111111111111111111111111",
      size: 12,
      timestamp: 1_700_000_000.5,
      content_hash: sha("a,b\n1,2\n3,4\n"),
      excluded: false,
      message: null,
      row_count: 2,
      col_count: 2,
      ...flags,
    },
    "output/patients.csv": {
      level: "highly_sensitive",
      job_id: JOB_A,
      job_request: "oldrap",
      action: "old_action",
      user: "olduser",
      repo,
      commit: "1111111111111111111111111111111111111111",
      size: 13,
      timestamp: 1_700_000_000.5,
      content_hash: sha("patient_id\n1\n"),
      excluded: false,
      message: null,
      row_count: null,
      col_count: null,
      ...flags,
    },
    "output/leak.csv": {
      level: "moderately_sensitive",
      job_id: JOB_A,
      job_request: "oldrap",
      action: "old_action",
      user: "olduser",
      repo,
      commit: "1111111111111111111111111111111111111111",
      size: 9,
      timestamp: 1_700_000_000.5,
      content_hash: sha("excluded\n"),
      excluded: true,
      message: "File has patient_id column",
      row_count: null,
      col_count: null,
      ...flags,
    },
  });

  const lines = [
    "output/existing.txt exists in manifest.json, skipping",
    "Updating manifest output metadata for output/counts.csv",
    "Updating manifest output metadata for output/patients.csv",
    "Updating manifest output metadata for output/leak.csv",
  ];

  it("adds the job's outputs, never replacing an entry, after backing the manifest up (action still in project.yaml)", async () => {
    const s = setUp(["keep", "old_action"]);
    const before = readFileSync(s.manifestFile, "utf8");
    const backup = `${s.manifestFile}${JOB_A}.bu`;
    const result = await rapInProcess(["manifest", "add-old-job", "ws", JOB_A, "main"], { env: s.env });
    expect(result).toEqual({
      code: 0,
      stdout: `${lines.join("\n")}\n3 entries added for job ${JOB_A}; the previous manifest.json is in ${backup}\n`,
      stderr: "",
    });
    expect(readFileSync(backup, "utf8")).toBe(before);
    const flags = { out_of_date_output: true, out_of_date_action: false };
    expect(readFileSync(s.manifestFile, "utf8")).toBe(
      JSON.stringify(
        { workspace: "ws", repo: null, outputs: { "output/existing.txt": s.existing, ...added(s.repo.path, flags) } },
        null,
        2,
      ),
    );
  });

  it("flags out_of_date_action when the action has left project.yaml at the branch head", async () => {
    const s = setUp(["keep"]);
    expect((await rapInProcess(["manifest", "add-old-job", "ws", JOB_A, "main"], { env: s.env })).code).toBe(0);
    const flags = { out_of_date_action: true, out_of_date_output: false };
    const manifest = JSON.parse(readFileSync(s.manifestFile, "utf8")) as { outputs: Record<string, unknown> };
    expect(manifest.outputs).toEqual({ "output/existing.txt": s.existing, ...added(s.repo.path, flags) });
  });

  it("asks which job when the partial id matches several, and refuses another workspace's job", async () => {
    const s = setUp(["keep", "old_action"]);
    const before = readFileSync(s.manifestFile, "utf8");
    const result = await rapInProcess(["manifest", "add-old-job", "ws", "oldjob", "main"], { env: s.env, answers: ["2"] });
    expect(result).toEqual({
      code: 1,
      stdout: `Multiple matches found for 'oldjob':\n  1: ${JOB_A}\n  2: ${JOB_B}\n\nEnter number: `,
      stderr: `rap manifest add-old-job: Metadata for job ${JOB_B} does not match workspace provided. Expected ws, found another-ws\n`,
    });
    expect(readFileSync(s.manifestFile, "utf8")).toBe(before);
    expect(readdirSync(path.dirname(s.manifestFile))).toEqual(["manifest.json"]);
    const chosen = await rapInProcess(["manifest", "add-old-job", "--dry-run", "ws", "oldjob", "main"], {
      env: s.env,
      answers: ["1"],
    });
    expect(chosen).toEqual({
      code: 0,
      stdout: `Multiple matches found for 'oldjob':\n  1: ${JOB_A}\n  2: ${JOB_B}\n\nEnter number: ${lines.join("\n")}\n3 entries would be added for job ${JOB_A} (dry run: manifest.json not written, no backup made)\n`,
      stderr: "",
    });
    expect(readFileSync(s.manifestFile, "utf8")).toBe(before);
    expect(readdirSync(path.dirname(s.manifestFile))).toEqual(["manifest.json"]);
  });

  it("says so when no job matches, or the branch does not exist", async () => {
    const s = setUp(["keep"]);
    expect(await rapInProcess(["manifest", "add-old-job", "ws", "nosuchjob", "main"], { env: s.env })).toEqual({
      code: 1,
      stdout: "",
      stderr: "rap manifest add-old-job: No match found for job id nosuchjob\n",
    });
    expect(await rapInProcess(["manifest", "add-old-job", "ws", JOB_A, "no-branch"], { env: s.env })).toEqual({
      code: 1,
      stdout: "",
      stderr: `rap manifest add-old-job: Branch no-branch not found in ${s.repo.path}\n`,
    });
  });
});
