/**
 * Scheduled snapshots (BACKUP_DIR, BACKUP_INTERVAL_SECONDS, BACKUP_KEEP): every interval the
 * controller copies its database into BACKUP_DIR and keeps the newest BACKUP_KEEP snapshots.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Database } from "better-sqlite3";
import type { Logger } from "../logger.js";
import { backupDatabase, pruneSnapshots, snapshotName } from "./backup.js";

export interface BackupSchedule {
  readonly dir: string;
  readonly intervalSeconds: number;
  readonly keep: number;
}

/** Starts the schedule; the returned function stops it (and waits for a snapshot in progress). */
export function scheduleBackups(db: Database, schedule: BackupSchedule, log: Logger, nowMs: () => number): () => Promise<void> {
  mkdirSync(schedule.dir, { recursive: true });
  let running: Promise<void> = Promise.resolve();
  const take = () => {
    running = running.then(async () => {
      const target = path.join(schedule.dir, snapshotName(new Date(nowMs())));
      try {
        const bytes = await backupDatabase(db, target);
        const pruned = pruneSnapshots(schedule.dir, schedule.keep);
        log.info("database snapshot taken", { path: target, bytes, pruned: pruned.length });
      } catch (error) {
        log.error("database snapshot failed", { path: target, error });
      }
    });
  };
  const timer = setInterval(take, schedule.intervalSeconds * 1000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
