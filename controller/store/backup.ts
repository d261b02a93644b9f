/**
 * Consistent snapshots of the controller's SQLite file through SQLite's online backup API, taken
 * while the controller runs. A snapshot is written beside its target and renamed into place only
 * once complete and checked, so a crash mid-backup never leaves a truncated file under the name.
 */
import { readdirSync, renameSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import BetterSqlite3, { type Database } from "better-sqlite3";

/**
 * After the first step, copy every remaining page in one step: one step reads in one transaction,
 * so writers (even in other processes) cannot force the copy to restart, however busy they are.
 */
const ALL_REMAINING_PAGES = 1 << 30;

/** Copies `db` (an open connection) or the database file at `db` to `target`; returns its size. */
export async function backupDatabase(db: Database | string, target: string): Promise<number> {
  const source = typeof db === "string" ? new BetterSqlite3(db, { fileMustExist: true, timeout: 5000 }) : db;
  const partial = `${target}.partial`;
  try {
    rmSync(partial, { force: true });
    await source.backup(partial, { progress: () => ALL_REMAINING_PAGES });
    const copy = new BetterSqlite3(partial, { fileMustExist: true });
    try {
      const check = copy.pragma("quick_check", { simple: true });
      if (check !== "ok") throw new Error(`the snapshot failed its check: ${String(check)}`);
    } finally {
      copy.close();
    }
    renameSync(partial, target);
    return statSync(target).size;
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  } finally {
    if (typeof db === "string") source.close();
  }
}

const SNAPSHOT = /^db-\d{8}T\d{6}Z\.sqlite$/;

/** `db-20261202T070000Z.sqlite`: names that sort by time. */
export function snapshotName(at: Date): string {
  return `db-${at
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z")}.sqlite`;
}

/** Deletes all but the newest `keep` snapshots in `dir`; returns the names deleted. */
export function pruneSnapshots(dir: string, keep: number): string[] {
  const snapshots = readdirSync(dir)
    .filter((name) => SNAPSHOT.test(name))
    .sort();
  const old = snapshots.slice(0, Math.max(0, snapshots.length - keep));
  for (const name of old) rmSync(path.join(dir, name), { force: true });
  return old;
}
