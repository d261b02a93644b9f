import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { persistOutputs, readManifest } from "../../../runtime-drivers/job-files/index.js";
import type { JobDefinition } from "../../../runtime-drivers/types.js";
import { makeJob, makeSandbox, writeVolumeFile, type Sandbox } from "./fixtures.js";

function sha(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function pythonMtime(file: string): number {
  const { mtimeNs } = statSync(file, { bigint: true });
  return Number(mtimeNs / 1_000_000_000n) + Number(mtimeNs % 1_000_000_000n) * 1e-9;
}

describe("persistOutputs", () => {
  let box: Sandbox;
  beforeEach(() => {
    box = makeSandbox();
  });
  afterEach(() => box.cleanup());

  const high = (...parts: string[]): string => path.join(box.layout.highPrivacyDir, "workspaces", "ws", ...parts);
  const medium = (...parts: string[]): string => path.join(box.layout.mediumPrivacyDir, "workspaces", "ws", ...parts);
  const persist = (job: JobDefinition, outputs: Record<string, JobDefinition["outputSpec"][string]>, actions?: Set<string>) =>
    persistOutputs({
      job,
      layout: box.layout,
      volumeDir: box.volumeDir,
      outputs,
      readStudyProjectActions: actions && (() => Promise.resolve(actions)),
    });

  it("writes an explanation instead of an excluded file, and swaps them back when it passes again", async () => {
    const job = makeJob({ level4MaxCsvRows: 1 });
    writeVolumeFile(box.volumeDir, "output/t.csv", "x\n1\n");
    expect(await persist(job, { "output/t.csv": "moderately_sensitive" })).toStrictEqual({});
    expect(readFileSync(medium("output", "t.csv"), "utf8")).toBe("x\n1\n");

    writeVolumeFile(box.volumeDir, "output/t.csv", "x\n1\n2\n");
    expect(await persist(makeJob({ level4MaxCsvRows: 1, id: "job2" }), { "output/t.csv": "moderately_sensitive" })).toStrictEqual(
      {
        "output/t.csv": "File row count (2) exceeds maximum allowed rows (1)",
      },
    );
    expect(existsSync(medium("output", "t.csv"))).toBe(false);
    expect(readFileSync(medium("output", "t.csv.txt"), "utf8")).toBe(
      "\nThe file:\n\noutput/t.csv\n\ncontained 2 rows, which is above the limit for moderately_sensitive files of\n1 rows.\n\n" +
        "As such, it has *not* been copied to Level 4 storage. Please contact tech-support for\nfurther assistance.\n",
    );
    expect(readFileSync(high("output", "t.csv"), "utf8")).toBe("x\n1\n2\n");

    writeVolumeFile(box.volumeDir, "output/t.csv", "x\n3\n");
    expect(await persist(makeJob({ level4MaxCsvRows: 1, id: "job3" }), { "output/t.csv": "moderately_sensitive" })).toStrictEqual(
      {},
    );
    expect(existsSync(medium("output", "t.csv.txt"))).toBe(false);
    expect(readFileSync(medium("output", "t.csv"), "utf8")).toBe("x\n3\n");
  });

  it("copies highly and minimally sensitive outputs to high privacy only", async () => {
    writeVolumeFile(box.volumeDir, "output/h.csv", "patient_id\n1\n");
    writeVolumeFile(box.volumeDir, "output/m.arrow", "bin");
    await persist(makeJob(), { "output/h.csv": "highly_sensitive", "output/m.arrow": "minimally_sensitive" });
    expect(readFileSync(high("output", "h.csv"), "utf8")).toBe("patient_id\n1\n");
    expect(readFileSync(high("output", "m.arrow"), "utf8")).toBe("bin");
    expect(existsSync(medium("output"))).toBe(false);
    const manifest = await readManifest(medium(), "ws");
    expect(manifest.outputs["output/h.csv"]).toStrictEqual({
      level: "highly_sensitive",
      job_id: "job1",
      job_request: "rap1",
      action: "generate",
      user: "alice",
      repo: "https://github.com/opensafely/study",
      commit: "abc123",
      size: 13,
      timestamp: pythonMtime(high("output", "h.csv")),
      content_hash: sha("patient_id\n1\n"),
      excluded: false,
      message: null,
      row_count: null,
      col_count: null,
    });
    expect(manifest.outputs["output/m.arrow"]?.level).toBe("minimally_sensitive");
  });

  it("records exclusions in the manifest", async () => {
    writeVolumeFile(box.volumeDir, "output/p.csv", "patient_id,n\n1,2\n");
    writeVolumeFile(box.volumeDir, "output/model.rds", "rds");
    const excluded = await persist(makeJob(), {
      "output/p.csv": "moderately_sensitive",
      "output/model.rds": "moderately_sensitive",
    });
    expect(excluded).toStrictEqual({
      "output/p.csv": "File has patient_id column",
      "output/model.rds": "File type of .rds is not valid level 4 file",
    });
    const manifest = await readManifest(medium(), "ws");
    const entry = (file: string, content: string, message: string, rows: number | null, cols: number | null) => ({
      level: "moderately_sensitive",
      job_id: "job1",
      job_request: "rap1",
      action: "generate",
      user: "alice",
      repo: "https://github.com/opensafely/study",
      commit: "abc123",
      size: content.length,
      timestamp: pythonMtime(high(...file.split("/"))),
      content_hash: sha(content),
      excluded: true,
      message,
      row_count: rows,
      col_count: cols,
    });
    expect(manifest.outputs["output/p.csv"]).toStrictEqual(
      entry("output/p.csv", "patient_id,n\n1,2\n", "File has patient_id column", 1, 2),
    );
    expect(manifest.outputs["output/model.rds"]).toStrictEqual(
      entry("output/model.rds", "rds", "File type of .rds is not valid level 4 file", null, null),
    );
    expect(existsSync(medium("output", "p.csv.txt"))).toBe(true);
    expect(existsSync(medium("output", "model.rds.txt"))).toBe(true);
  });

  it("flags out-of-date outputs and actions in the manifest", async () => {
    mkdirSync(medium("metadata"), { recursive: true });
    const old = (action: string, extra: Record<string, unknown> = {}) => ({
      level: "highly_sensitive",
      action,
      job_id: "old",
      ...extra,
    });
    writeFileSync(
      medium("metadata", "manifest.json"),
      JSON.stringify({
        workspace: "ws",
        repo: null,
        outputs: {
          "output/gone.csv": old("generate"),
          "output/kept.csv": old("generate"),
          "output/removed-action.csv": old("old_action"),
          "output/back.csv": old("other", { out_of_date_action: true }),
        },
      }),
    );
    writeVolumeFile(box.volumeDir, "output/kept.csv", "k");
    await persist(makeJob(), { "output/kept.csv": "highly_sensitive" }, new Set(["generate", "other"]));
    const manifest = JSON.parse(readFileSync(medium("metadata", "manifest.json"), "utf8")) as {
      outputs: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(manifest.outputs)).toStrictEqual([
      "output/gone.csv",
      "output/kept.csv",
      "output/removed-action.csv",
      "output/back.csv",
    ]);
    expect(manifest.outputs["output/gone.csv"]).toStrictEqual(
      old("generate", { out_of_date_action: false, out_of_date_output: true }),
    );
    expect(manifest.outputs["output/removed-action.csv"]).toStrictEqual(old("old_action", { out_of_date_action: true }));
    expect(manifest.outputs["output/back.csv"]).toStrictEqual(old("other", { out_of_date_action: false }));
    expect(manifest.outputs["output/kept.csv"]?.job_id).toBe("job1");
    expect("out_of_date_output" in manifest.outputs["output/kept.csv"]!).toBe(false);
    expect("out_of_date_action" in manifest.outputs["output/kept.csv"]!).toBe(false);
  });

  it("skips the out_of_date_action step when the project cannot be read", async () => {
    mkdirSync(medium("metadata"), { recursive: true });
    writeFileSync(
      medium("metadata", "manifest.json"),
      JSON.stringify({ workspace: "ws", repo: null, outputs: { "a.csv": { action: "gone" } } }),
    );
    writeVolumeFile(box.volumeDir, "output/k.csv", "k");
    await persistOutputs({
      job: makeJob(),
      layout: box.layout,
      volumeDir: box.volumeDir,
      outputs: { "output/k.csv": "highly_sensitive" },
      readStudyProjectActions: () => Promise.reject(new Error("git failed")),
    });
    await persist(makeJob(), { "output/k.csv": "highly_sensitive" }, undefined);
    expect((await readManifest(medium(), "ws")).outputs["a.csv"]).toStrictEqual({ action: "gone" });
  });

  it("refuses to copy an output that is a symlink leaving the volume", async () => {
    const outside = path.join(box.root, "secret.csv");
    writeFileSync(outside, "secret");
    mkdirSync(path.join(box.volumeDir, "output"));
    symlinkSync(outside, path.join(box.volumeDir, "output", "s.csv"));
    await expect(persist(makeJob(), { "output/s.csv": "highly_sensitive" })).rejects.toThrow(
      "Output output/s.csv is not a regular file inside the job volume",
    );
    expect(existsSync(high("output", "s.csv"))).toBe(false);
  });
});
