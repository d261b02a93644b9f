import { execFileSync } from "node:child_process";
import { mkdirSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findOutputs, findUnmatchedOutputs, globVolume } from "../../../runtime-drivers/job-files/index.js";
import { makeSandbox, writeTimestamp, writeVolumeFile, type Sandbox } from "./fixtures.js";

describe("output matching", () => {
  let box: Sandbox;
  beforeEach(() => {
    box = makeSandbox();
  });
  afterEach(() => box.cleanup());

  it("matches * within one segment, including dot-files, case-sensitively, files only", async () => {
    for (const file of [
      "output/a.csv",
      "output/.hidden.csv",
      "output/B.CSV",
      "output/sub/c.csv",
      "output/x.csv.gz",
      "other/a.csv",
    ]) {
      writeVolumeFile(box.volumeDir, file, "x");
    }
    mkdirSync(path.join(box.volumeDir, "output", "dir.csv"));
    expect(await globVolume(box.volumeDir, "output/*.csv")).toStrictEqual(["output/.hidden.csv", "output/a.csv"]);
    expect(await globVolume(box.volumeDir, "output/*.CSV")).toStrictEqual(["output/B.CSV"]);
    expect(await globVolume(box.volumeDir, "*/a.csv")).toStrictEqual(["other/a.csv", "output/a.csv"]);
    expect(await globVolume(box.volumeDir, "output/*")).toStrictEqual([
      "output/.hidden.csv",
      "output/B.CSV",
      "output/a.csv",
      "output/x.csv.gz",
    ]);
    expect(await globVolume(box.volumeDir, "output/a*c*v")).toStrictEqual(["output/a.csv"]);
    expect(await globVolume(box.volumeDir, "output/A.csv")).toStrictEqual([]);
    expect(await globVolume(box.volumeDir, "output/dir.csv")).toStrictEqual([]);
  });

  it("treats ? and [ literally and normalises . and empty segments as pathlib does", async () => {
    writeVolumeFile(box.volumeDir, "output/a?.csv", "x");
    writeVolumeFile(box.volumeDir, "output/[b].csv", "x");
    writeVolumeFile(box.volumeDir, "output/ab.csv", "x");
    expect(await globVolume(box.volumeDir, "output/a?.csv")).toStrictEqual(["output/a?.csv"]);
    expect(await globVolume(box.volumeDir, "output/[b].csv")).toStrictEqual(["output/[b].csv"]);
    expect(await globVolume(box.volumeDir, "./output//ab.csv")).toStrictEqual(["output/ab.csv"]);
  });

  it("supports a whole ** segment without descending symlinked folders", async () => {
    writeVolumeFile(box.volumeDir, "output/a.csv", "x");
    writeVolumeFile(box.volumeDir, "output/deep/er/b.csv", "x");
    symlinkSync(path.join(box.volumeDir, "output", "deep"), path.join(box.volumeDir, "output", "link"));
    expect(await globVolume(box.volumeDir, "output/**/*.csv")).toStrictEqual(["output/a.csv", "output/deep/er/b.csv"]);
    expect(await globVolume(box.volumeDir, "output/**")).toStrictEqual([]);
  });

  it("never escapes the volume with .. or absolute patterns", async () => {
    writeFileSync(path.join(box.layout.volumesDir, "secret.csv"), "s");
    writeVolumeFile(box.volumeDir, "output/a.csv", "x");
    expect(await globVolume(box.volumeDir, "../secret.csv")).toStrictEqual([]);
    expect(await globVolume(box.volumeDir, "output/../../secret.csv")).toStrictEqual([]);
    expect(await globVolume(box.volumeDir, "../*.csv")).toStrictEqual([]);
    expect(await globVolume(box.volumeDir, path.join(box.layout.volumesDir, "secret.csv"))).toStrictEqual([]);
    expect(await globVolume(box.volumeDir, "")).toStrictEqual([]);
    expect(await globVolume(box.volumeDir, "output/")).toStrictEqual([]);
  });

  it("drops symlinks to files or folders outside the volume and keeps ones inside", async () => {
    const outside = path.join(box.root, "outside");
    mkdirSync(outside);
    writeFileSync(path.join(outside, "secret.csv"), "s");
    writeVolumeFile(box.volumeDir, "output/real.csv", "r");
    symlinkSync(path.join(outside, "secret.csv"), path.join(box.volumeDir, "output", "leak.csv"));
    symlinkSync(outside, path.join(box.volumeDir, "output", "leakdir"));
    symlinkSync("../../../../outside/secret.csv", path.join(box.volumeDir, "output", "relative.csv"));
    symlinkSync("real.csv", path.join(box.volumeDir, "output", "alias.csv"));
    symlinkSync("missing.csv", path.join(box.volumeDir, "output", "dangling.csv"));
    mkfifoSafe(path.join(box.volumeDir, "output", "pipe.csv"));
    expect(await globVolume(box.volumeDir, "output/*.csv")).toStrictEqual(["output/alias.csv", "output/real.csv"]);
    expect(await globVolume(box.volumeDir, "output/leakdir/secret.csv")).toStrictEqual([]);
    expect(await globVolume(box.volumeDir, "output/*/secret.csv")).toStrictEqual([]);
    expect(await globVolume(box.volumeDir, "output/**/*.csv")).toStrictEqual(["output/alias.csv", "output/real.csv"]);
  });

  it("gives a file matched by several patterns the last pattern's privacy and lists unmatched patterns", async () => {
    writeVolumeFile(box.volumeDir, "output/a.csv", "x");
    writeVolumeFile(box.volumeDir, "output/b.csv", "x");
    const result = await findOutputs(box.volumeDir, {
      "output/*.csv": "highly_sensitive",
      "output/missing.txt": "moderately_sensitive",
      "output/a.csv": "moderately_sensitive",
      "output/none/*.csv": "highly_sensitive",
    });
    expect(result).toStrictEqual({
      outputs: { "output/a.csv": "moderately_sensitive", "output/b.csv": "highly_sensitive" },
      unmatchedPatterns: ["output/missing.txt", "output/none/*.csv"],
    });
    expect(Object.keys(result.outputs)).toStrictEqual(["output/a.csv", "output/b.csv"]);
  });

  it("lists files newer than .opensafely-timestamp that are not outputs", async () => {
    writeVolumeFile(box.volumeDir, "analysis.py", "code", true);
    writeVolumeFile(box.volumeDir, "lib/helpers.py", "code", true);
    writeTimestamp(box.volumeDir);
    writeVolumeFile(box.volumeDir, "output/a.csv", "x");
    writeVolumeFile(box.volumeDir, "outputs/b.csv", "x");
    writeVolumeFile(box.volumeDir, ".cache/z", "x");
    const outside = path.join(box.root, "outside.csv");
    writeFileSync(outside, "s");
    symlinkSync(outside, path.join(box.volumeDir, "escape.csv"));
    const equal = writeVolumeFile(box.volumeDir, "same-time.txt", "x");
    utimesSync(equal, new Date("2020-01-01T00:00:00Z"), new Date("2020-01-01T00:00:00Z"));
    expect(await findUnmatchedOutputs(box.volumeDir, { "output/a.csv": "highly_sensitive" })).toStrictEqual([
      ".cache/z",
      "outputs/b.csv",
    ]);
  });

  it("lists no unmatched outputs when the timestamp file is missing", async () => {
    writeVolumeFile(box.volumeDir, "outputs/b.csv", "x");
    expect(await findUnmatchedOutputs(box.volumeDir, {})).toStrictEqual([]);
  });
});

/** A named pipe: not a regular file, so never an output. */
function mkfifoSafe(file: string): void {
  execFileSync("mkfifo", [file]);
}
