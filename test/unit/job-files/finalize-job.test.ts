import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  finalizeJobFiles,
  readJobMetadata,
  redactResultsForController,
  type ContainerFacts,
} from "../../../runtime-drivers/job-files/index.js";
import { makeJob, makeSandbox, writeTimestamp, writeVolumeFile, type Sandbox } from "./fixtures.js";

const NOW = new Date("2024-04-06T10:00:00.000Z");
const LOGS = "2024-04-06T09:59:58.000000000Z starting\n2024-04-06T09:59:59.000000000Z done\n";

function container(overrides: Partial<ContainerFacts> = {}): ContainerFacts {
  return {
    exitCode: 0,
    oomKilled: false,
    memoryLimitBytes: 0,
    imageId: "sha256:actual",
    labels: { "org.opencontainers.image.version": "v2.1", "org.opensafely.base.vcs-ref": "base123" },
    inspect: {
      Id: "c0ffee",
      Image: "sha256:actual",
      Config: { Env: ["PATH=/usr/bin", "DATABASE_URL=mssql://secret@db", "EHRQL_PERMISSIONS=[]", "HOME=/tmp"] },
      State: { ExitCode: 0, OOMKilled: false },
    },
    ...overrides,
  };
}

/** Python's `os.stat().st_mtime`: seconds plus nanoseconds * 1e-9, as a double. */
function pythonMtime(file: string): number {
  const { mtimeNs } = statSync(file, { bigint: true });
  return Number(mtimeNs / 1_000_000_000n) + Number(mtimeNs % 1_000_000_000n) * 1e-9;
}

function read(file: string): string {
  return readFileSync(file, "utf8");
}

describe("finalizeJobFiles", () => {
  let box: Sandbox;
  beforeEach(() => {
    box = makeSandbox();
    writeTimestamp(box.volumeDir);
  });
  afterEach(() => box.cleanup());

  const logDir = (): string => path.join(box.layout.highPrivacyDir, "logs", "2024-04", "os-job-job1");
  const high = (...parts: string[]): string => path.join(box.layout.highPrivacyDir, "workspaces", "ws", ...parts);
  const medium = (...parts: string[]): string => path.join(box.layout.mediumPrivacyDir, "workspaces", "ws", ...parts);

  it("persists outputs, logs, manifest and metadata for a successful job", async () => {
    writeVolumeFile(box.volumeDir, "analysis.py", "print('hi')\n", true);
    writeVolumeFile(box.volumeDir, "output/a.csv", "patient_id,x\n1,2\n");
    writeVolumeFile(box.volumeDir, "output/table.csv", "group,count\na,10\nb,20\n");
    const job = makeJob({ outputSpec: { "output/a.csv": "highly_sensitive", "output/table.csv": "moderately_sensitive" } });

    const metadata = await finalizeJobFiles({
      job,
      layout: box.layout,
      volumeDir: box.volumeDir,
      container: container(),
      logs: LOGS,
      cancelled: false,
      metrics: { cpu_peak: 12.5 },
      now: () => NOW,
    });

    const expectedMetadata = {
      outputs: { "output/a.csv": "highly_sensitive", "output/table.csv": "moderately_sensitive" },
      unmatched_patterns: [],
      unmatched_outputs: [],
      status_message: "Completed successfully",
      hint: null,
      timestamp_ns: 1712397600000000000,
      job_definition_id: "job1",
      job_definition_rap_id: "rap1",
      task_id: "job1-001",
      created_at: 1712345678,
      user: "alice",
      completed_at: 1712397600,
      docker_image_id: "sha256:actual",
      expected_image_id: "sha256:expected",
      exit_code: "0",
      oom_killed: false,
      container_metadata: {
        Id: "c0ffee",
        Image: "sha256:actual",
        Config: { Env: ["PATH=/usr/bin", "DATABASE_URL=xxxx-REDACTED-xxxx", "EHRQL_PERMISSIONS=[]", "HOME=xxxx-REDACTED-xxxx"] },
        State: { ExitCode: 0, OOMKilled: false },
      },
      commit: "abc123",
      database_name: null,
      action_version: "v2.1",
      action_revision: "unknown",
      action_created: "unknown",
      base_revision: "base123",
      base_created: "unknown",
      level4_excluded_files: {},
      cancelled: false,
      error: null,
      job_metrics: { cpu_peak: 12.5 },
    };
    expect(metadata).toStrictEqual(expectedMetadata);
    expect(read(path.join(logDir(), "metadata.json"))).toBe(JSON.stringify(expectedMetadata, null, 2));
    expect(Object.keys(JSON.parse(read(path.join(logDir(), "metadata.json"))) as object)).toStrictEqual(
      Object.keys(expectedMetadata),
    );

    const expectedLog =
      LOGS +
      "\n=============JOB SUMMARY=============\n" +
      "job_definition_id: job1\n" +
      "job_definition_rap_id: rap1\n" +
      "commit: abc123\n" +
      "docker_image_id: sha256:actual\n" +
      "exit_code: 0\n" +
      "created_at: 1712345678\n" +
      "completed_at: 1712397600\n" +
      "status_message: Completed successfully\n" +
      "\noutputs:\n" +
      "  output/a.csv      - highly_sensitive    \n" +
      "  output/table.csv  - moderately_sensitive\n";
    expect(read(path.join(logDir(), "logs.txt"))).toBe(expectedLog);
    expect(read(high("metadata", "generate.log"))).toBe(expectedLog);
    expect(read(medium("metadata", "generate.log"))).toBe(expectedLog);

    expect(readdirSync(high(), { recursive: true }).map(String).sort()).toStrictEqual([
      "metadata",
      "metadata/generate.log",
      "output",
      "output/a.csv",
      "output/table.csv",
    ]);
    expect(read(high("output", "a.csv"))).toBe("patient_id,x\n1,2\n");
    expect(readdirSync(medium(), { recursive: true }).map(String).sort()).toStrictEqual([
      "metadata",
      "metadata/generate.log",
      "metadata/manifest.json",
      "output",
      "output/table.csv",
    ]);
    expect(read(medium("output", "table.csv"))).toBe("group,count\na,10\nb,20\n");

    const manifest = JSON.parse(read(medium("metadata", "manifest.json"))) as {
      outputs: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(manifest)).toStrictEqual(["workspace", "repo", "outputs"]);
    expect(manifest.outputs["output/table.csv"]).toStrictEqual({
      level: "moderately_sensitive",
      job_id: "job1",
      job_request: "rap1",
      action: "generate",
      user: "alice",
      repo: "https://github.com/opensafely/study",
      commit: "abc123",
      size: 22,
      timestamp: pythonMtime(high("output", "table.csv")),
      content_hash: "ec6904a7905d3551ab41d8558ce53ce7045a777aff112a29482940a750529e91",
      excluded: false,
      message: null,
      row_count: 2,
      col_count: 2,
    });
  });

  it("records a cancelled job that had a container: log and metadata only, no outputs", async () => {
    writeVolumeFile(box.volumeDir, "output/a.csv", "x\n1\n");
    const job = makeJob({ outputSpec: { "output/a.csv": "highly_sensitive" } });
    const metadata = await finalizeJobFiles({
      job,
      layout: box.layout,
      volumeDir: box.volumeDir,
      container: container({ exitCode: 137 }),
      logs: LOGS,
      cancelled: true,
      metrics: {},
      now: () => NOW,
    });
    expect(metadata.outputs).toStrictEqual({});
    expect(metadata.status_message).toBe("Job cancelled by system");
    expect(metadata.exit_code).toBe("137");
    expect(metadata.cancelled).toBe(true);
    expect(metadata.error).toBe(null);
    expect(readdirSync(logDir()).sort()).toStrictEqual(["logs.txt", "metadata.json"]);
    expect(read(path.join(logDir(), "logs.txt"))).toBe(
      LOGS +
        "\n=============JOB SUMMARY=============\n" +
        "job_definition_id: job1\njob_definition_rap_id: rap1\ncommit: abc123\ndocker_image_id: sha256:actual\n" +
        "exit_code: 137\ncreated_at: 1712345678\ncompleted_at: 1712397600\nstatus_message: Job cancelled by system\n" +
        "\noutputs:\n  (no outputs)\n",
    );
    expect(existsSync(high())).toBe(false);
    expect(existsSync(medium())).toBe(false);
  });

  it("records a job cancelled before it started: metadata only", async () => {
    const job = makeJob({ outputSpec: { "output/a.csv": "highly_sensitive" } });
    const metadata = await finalizeJobFiles({
      job,
      layout: box.layout,
      volumeDir: box.volumeDir,
      container: undefined,
      logs: "",
      cancelled: true,
      metrics: {},
      now: () => NOW,
    });
    expect(readdirSync(logDir())).toStrictEqual(["metadata.json"]);
    expect(metadata.status_message).toBe("Job cancelled by system");
    expect(metadata.exit_code).toBe("None");
    expect(metadata.docker_image_id).toBe(null);
    expect(metadata.oom_killed).toBe(null);
    expect(metadata.container_metadata).toStrictEqual({});
    expect(metadata.action_version).toBe("unknown");
  });

  it("records an executor error with the error dict", async () => {
    const job = makeJob();
    const metadata = await finalizeJobFiles({
      job,
      layout: box.layout,
      volumeDir: box.volumeDir,
      container: undefined,
      logs: "",
      cancelled: false,
      error: { type: "LocalDockerError", message: "boom" },
      metrics: {},
      now: () => NOW,
    });
    expect(metadata.status_message).toBe("Job errored");
    expect(metadata.error).toStrictEqual({ type: "LocalDockerError", message: "boom" });
    expect(readdirSync(logDir())).toStrictEqual(["metadata.json"]);
  });

  it("refuses to finalize the same task twice, and a new task ignores an older task's metadata", async () => {
    const job = makeJob();
    const first = await finalizeJobFiles({
      job,
      layout: box.layout,
      volumeDir: box.volumeDir,
      container: undefined,
      logs: "",
      cancelled: true,
      metrics: {},
      now: () => NOW,
    });
    await expect(
      finalizeJobFiles({
        job,
        layout: box.layout,
        volumeDir: box.volumeDir,
        container: undefined,
        logs: "",
        cancelled: true,
        metrics: {},
        now: () => NOW,
      }),
    ).rejects.toThrow("task job1-001 for job job1 has already been finalized");
    expect(await readJobMetadata(box.layout, job)).toStrictEqual(first);
    expect(await readJobMetadata(box.layout, makeJob({ taskId: "job1-002" }))).toStrictEqual({});
    expect(await readJobMetadata(box.layout, makeJob({ taskId: "" }))).toStrictEqual(first);
    const redacted = redactResultsForController(first);
    expect(redacted.has_unmatched_patterns).toBe(false);
    expect("outputs" in redacted).toBe(false);
  });

  it("records unmatched patterns with the hint, lists exclusions in the log, and still persists outputs", async () => {
    writeVolumeFile(box.volumeDir, "analysis.py", "code", true);
    writeVolumeFile(box.volumeDir, "output/p.csv", "patient_id\n1\n");
    writeVolumeFile(box.volumeDir, "outputs/model.csv", "a\n1\n");
    const job = makeJob({ outputSpec: { "output/p.csv": "moderately_sensitive", "output/model.csv": "highly_sensitive" } });
    const metadata = await finalizeJobFiles({
      job,
      layout: box.layout,
      volumeDir: box.volumeDir,
      container: container(),
      logs: "",
      cancelled: false,
      metrics: {},
      now: () => NOW,
    });

    expect(metadata.outputs).toStrictEqual({ "output/p.csv": "moderately_sensitive" });
    expect(metadata.unmatched_patterns).toStrictEqual(["output/model.csv"]);
    expect(metadata.unmatched_outputs).toStrictEqual(["outputs/model.csv"]);
    expect(metadata.status_message).toBe("\n  No outputs found matching patterns:\n - output/model.csv");
    expect(metadata.hint).toBe("\n  Did you mean to match one of these files instead?\n - outputs/model.csv");
    expect(metadata.level4_excluded_files).toStrictEqual({ "output/p.csv": "File has patient_id column" });
    expect(read(path.join(logDir(), "logs.txt"))).toBe(
      "\n=============JOB SUMMARY=============\n" +
        "job_definition_id: job1\njob_definition_rap_id: rap1\ncommit: abc123\ndocker_image_id: sha256:actual\n" +
        "exit_code: 0\ncreated_at: 1712345678\ncompleted_at: 1712397600\n" +
        "status_message: \n  No outputs found matching patterns:\n - output/model.csv\n" +
        "hint: \n  Did you mean to match one of these files instead?\n - outputs/model.csv\n" +
        "\noutputs:\n  output/p.csv  - moderately_sensitive\n" +
        "\nInvalid moderately_sensitive outputs:\n  output/p.csv  - File has patient_id column\n",
    );
    expect(read(high("output", "p.csv"))).toBe("patient_id\n1\n");
    expect(existsSync(medium("output", "p.csv"))).toBe(false);
    expect(read(medium("output", "p.csv.txt")).startsWith("\nThe file:\n\noutput/p.csv\n\nhas not been made available")).toBe(
      true,
    );
    const redacted = redactResultsForController(metadata);
    expect([
      redacted.status_message,
      redacted.hint,
      redacted.has_unmatched_patterns,
      redacted.has_level4_excluded_files,
    ]).toStrictEqual(["", "", true, true]);
    expect(
      ["outputs", "unmatched_patterns", "unmatched_outputs", "level4_excluded_files"].filter((key) => key in redacted),
    ).toStrictEqual([]);
  });

  it("reports the out-of-memory limit and the database name", async () => {
    const job = makeJob({ databaseName: "default" });
    const facts = container({ exitCode: 137, oomKilled: true, memoryLimitBytes: 2 * 1024 ** 3, labels: {} });
    const metadata = await finalizeJobFiles({
      job,
      layout: box.layout,
      volumeDir: box.volumeDir,
      container: facts,
      logs: "",
      cancelled: false,
      metrics: {},
      now: () => NOW,
    });
    expect([metadata.status_message, metadata.exit_code, metadata.database_name, metadata.action_version]).toStrictEqual([
      "Job ran out of memory (limit was 2.00GB)",
      "137",
      "default",
      "unknown",
    ]);
    expect(read(path.join(logDir(), "logs.txt"))).toContain(
      "database_name: default\nstatus_message: Job ran out of memory (limit was 2.00GB)\n",
    );
  });

  it("files logs under the UTC month of creation", async () => {
    const job = makeJob({ createdAt: Date.UTC(2024, 0, 31, 23, 59, 59) / 1000 });
    await finalizeJobFiles({
      job,
      layout: box.layout,
      volumeDir: box.volumeDir,
      container: undefined,
      logs: "",
      cancelled: true,
      metrics: {},
      now: () => NOW,
    });
    expect(readdirSync(path.join(box.layout.highPrivacyDir, "logs"))).toStrictEqual(["2024-01"]);
  });

  it("fills defaults for keys missing from old metadata files and rejects duplicates across months", async () => {
    const dir = path.join(box.layout.highPrivacyDir, "logs", "2023-01", "os-job-job1");
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, "metadata.json"),
      JSON.stringify({ outputs: { "a.csv": "highly_sensitive" }, status_message: "old", timestamp_ns: 5 }),
    );
    expect(await readJobMetadata(box.layout, makeJob())).toStrictEqual({
      hint: null,
      unmatched_patterns: [],
      unmatched_outputs: [],
      timestamp_ns: 5,
      action_version: null,
      action_revision: null,
      action_created: null,
      base_revision: null,
      base_created: null,
      level4_excluded_files: {},
      cancelled: false,
      error: false,
      job_metrics: {},
      user: null,
      outputs: { "a.csv": "highly_sensitive" },
      status_message: "old",
    });
    const other = path.join(box.layout.highPrivacyDir, "logs", "2023-02", "os-job-job1");
    mkdirSync(other, { recursive: true });
    writeFileSync(path.join(other, "metadata.json"), "{}");
    await expect(readJobMetadata(box.layout, makeJob())).rejects.toThrow("Expected at most one metadata file for job job1");
  });

  it("never copies a symlinked output that points outside the volume", async () => {
    const outside = path.join(box.root, "secret.csv");
    writeFileSync(outside, "secret");
    mkdirSync(path.join(box.volumeDir, "output"), { recursive: true });
    symlinkSync(outside, path.join(box.volumeDir, "output", "leak.csv"));
    symlinkSync(box.root, path.join(box.volumeDir, "output", "up"));
    const job = makeJob({
      outputSpec: {
        "output/*.csv": "moderately_sensitive",
        "output/up/*.csv": "highly_sensitive",
        "../../../secret.csv": "highly_sensitive",
      },
    });
    const metadata = await finalizeJobFiles({
      job,
      layout: box.layout,
      volumeDir: box.volumeDir,
      container: container(),
      logs: "",
      cancelled: false,
      metrics: {},
      now: () => NOW,
    });
    expect(metadata.outputs).toStrictEqual({});
    expect(metadata.unmatched_patterns).toStrictEqual(["output/*.csv", "output/up/*.csv", "../../../secret.csv"]);
    expect(metadata.unmatched_outputs).toStrictEqual([]);
    expect(readdirSync(high(), { recursive: true }).map(String).sort()).toStrictEqual(["metadata", "metadata/generate.log"]);
  });
});
