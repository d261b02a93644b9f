/**
 * Backups: `rap db backup` under write load gives a snapshot that restores to a working
 * controller; scheduled snapshots keep the newest BACKUP_KEEP.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { pruneSnapshots, snapshotName } from "../../controller/store/backup.js";
import { rapInProcess } from "../support/cli-runtime.js";
import { createBody, rest, startController, type ControllerHarness } from "../support/controller-harness.js";
import { createStudyRepo, TWO_ACTION_STUDY } from "../support/study-repo.js";
import { waitFor } from "../support/wait-for.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "rap-backup-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function rapIdFor(index: number): string {
  return `backup${String(index).padStart(10, "0")}`.replace(/[01]/g, (digit) => (digit === "0" ? "a" : "b"));
}

async function rapIdsKnown(controller: ControllerHarness, rapIds: string[]): Promise<string[]> {
  const response = await rest(controller, "POST", "/controller/v1/rap/status/", { rap_ids: rapIds });
  return [...new Set((response.json as { jobs: { rap_id: string }[] }).jobs.map((job) => job.rap_id))].sort();
}

describe("database backups", () => {
  it("takes a snapshot under write load that restores to a working controller", async () => {
    const controller = await startController();
    cleanups.push(() => controller.dispose());
    const study = createStudyRepo(TWO_ACTION_STUDY);
    const create = (rapId: string) =>
      rest(
        controller,
        "POST",
        "/controller/v1/rap/create/",
        createBody({ rap_id: rapId, workspace: rapId, repo_url: study.path, commit: study.commit }),
      );

    // Writers keep creating RAPs while the backup runs.
    let written = 0;
    let stop = false;
    const load = (async () => {
      while (!stop) {
        const created = await create(rapIdFor(written));
        if (created.status !== 201) throw new Error(`create failed: ${created.text}`);
        written += 1;
      }
    })();
    await waitFor(() => written >= 5, { message: "some writes before the backup" });
    const dir = tempDir();
    const target = path.join(dir, "snapshot.sqlite");
    const backedUp = await rapInProcess(["db", "backup", target, "--dbpath", controller.app.deps.config.databasePath]);
    const writtenAtBackup = written;
    await waitFor(() => written >= writtenAtBackup + 3, { message: "writes after the backup" });
    stop = true;
    await load;
    expect(backedUp.code).toBe(0);
    expect(backedUp.stdout).toMatch(new RegExp(`^backed up .*db\\.sqlite to ${target} \\(\\d+ bytes\\)\\n$`));

    // The snapshot is whole: it passes SQLite's integrity check.
    const check = new BetterSqlite3(target, { readonly: true });
    expect(check.pragma("integrity_check", { simple: true })).toBe("ok");
    const inSnapshot = (check.prepare("SELECT DISTINCT rap_id FROM job ORDER BY rap_id").pluck().all() as string[]).length;
    check.close();
    expect(inSnapshot).toBeGreaterThanOrEqual(5);
    expect(inSnapshot).toBeLessThan(written);

    // Restore: a new controller on a workdir holding only the snapshot.
    const restoredDir = tempDir();
    copyFileSync(target, path.join(restoredDir, "db.sqlite"));
    const restored = await startController({ workdir: restoredDir });
    cleanups.push(() => restored.stop());
    const ids = Array.from({ length: written }, (_, index) => rapIdFor(index));
    const known = await rapIdsKnown(restored, ids);
    expect(known).toEqual(ids.slice(0, inSnapshot).sort());
    // And it works: it takes new RAPs.
    const fresh = await rest(
      restored,
      "POST",
      "/controller/v1/rap/create/",
      createBody({ rap_id: "restoredaaaaaaaa", repo_url: study.path, commit: study.commit }),
    );
    expect(fresh.status).toBe(201);
    expect((await get(`${restored.url}/readyz`)).status).toBe(200);
  });

  it("takes scheduled snapshots and keeps the newest BACKUP_KEEP", async () => {
    const dir = tempDir();
    const backups = path.join(dir, "backups");
    mkdirSync(backups);
    const controller = await startController({ env: { BACKUP_DIR: backups, BACKUP_INTERVAL_SECONDS: "1", BACKUP_KEEP: "2" } });
    cleanups.push(() => controller.dispose());
    await waitFor(() => readdirSync(backups).filter((name) => name.endsWith(".sqlite")).length >= 1, {
      message: "a scheduled snapshot",
    });
    const [first] = readdirSync(backups);
    expect(first).toMatch(/^db-\d{8}T\d{6}Z\.sqlite$/);
    const snapshot = new BetterSqlite3(path.join(backups, first!), { readonly: true });
    expect(snapshot.pragma("integrity_check", { simple: true })).toBe("ok");
    snapshot.close();
  });

  it("prunes all but the newest snapshots", () => {
    const dir = tempDir();
    const names = [0, 1, 2, 3].map((hour) => snapshotName(new Date(Date.UTC(2026, 11, 2, hour))));
    for (const name of [...names, "keep-me.txt"]) writeFileSync(path.join(dir, name), "x");
    expect(pruneSnapshots(dir, 2)).toEqual(names.slice(0, 2));
    expect(readdirSync(dir).sort()).toEqual([...names.slice(2), "keep-me.txt"].sort());
    expect(names[0]).toBe("db-20261202T000000Z.sqlite");
  });
});

async function get(url: string): Promise<{ status: number }> {
  const response = await fetch(url);
  await response.text();
  return { status: response.status };
}
