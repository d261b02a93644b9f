/** Shared helpers for the job-files tests: real temp directories, a job definition, a volume. */
import { mkdtempSync, mkdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { JobDefinition, StorageLayout } from "../../../runtime-drivers/types.js";

/** A fixed instant long before any test runs: pre-existing files get it, new files are newer. */
export const PAST = new Date("2020-01-01T00:00:00Z");

export interface Sandbox {
  readonly root: string;
  readonly layout: StorageLayout;
  readonly volumeDir: string;
  cleanup(): void;
}

export function makeSandbox(): Sandbox {
  const root = mkdtempSync(path.join(os.tmpdir(), "job-files-"));
  const high = path.join(root, "high");
  const layout: StorageLayout = {
    highPrivacyDir: high,
    mediumPrivacyDir: path.join(root, "medium"),
    volumesDir: path.join(high, "volumes"),
    archivesDir: path.join(high, "archives"),
    reposDir: path.join(root, "repos"),
    tempDir: path.join(root, "temp"),
  };
  const volumeDir = path.join(layout.volumesDir, "job1");
  mkdirSync(volumeDir, { recursive: true });
  return { root, layout, volumeDir, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** Writes the prepare-time timestamp file, dated in the past so everything written later is newer. */
export function writeTimestamp(volumeDir: string): void {
  const file = path.join(volumeDir, ".opensafely-timestamp");
  writeFileSync(file, "1577836800000000000");
  utimesSync(file, PAST, PAST);
}

/** Writes a file (creating folders); `old` dates it before the timestamp file, like checked-out code. */
export function writeVolumeFile(volumeDir: string, relative: string, content: string | Uint8Array, old = false): string {
  const file = path.join(volumeDir, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  if (old) {
    const earlier = new Date(PAST.getTime() - 60_000);
    utimesSync(file, earlier, earlier);
  }
  return file;
}

export function makeJob(overrides: Partial<JobDefinition> = {}): JobDefinition {
  return {
    id: "job1",
    rapId: "rap1",
    taskId: "job1-001",
    repoUrl: "https://github.com/opensafely/study",
    commit: "abc123",
    study: { gitRepoUrl: "https://github.com/opensafely/study", commit: "abc123", branch: "main" },
    workspace: "ws",
    action: "generate",
    createdAt: 1712345678, // 2024-04-05T19:34:38Z
    image: "ghcr.io/opensafely-core/python:v2",
    imageSha: "sha256:expected",
    args: ["python", "analysis.py"],
    env: {},
    inputJobIds: [],
    outputSpec: {},
    allowDatabaseAccess: false,
    level4MaxCsvRows: 5000,
    level4MaxFilesize: 16 * 1024 * 1024,
    level4FileTypes: [".csv", ".txt", ".json"],
    user: "alice",
    ...overrides,
  };
}
