/** Opens the controller's SQLite file with the pragmas every connection needs. */
import { existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import BetterSqlite3, { type Database } from "better-sqlite3";
import { currentVersion, latestVersion, migrate, MigrationNeededError } from "./migrate.js";

function applyPragmas(db: Database): void {
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
}

/** `rap migrate`: create the database or bring it up to date. */
export function migrateDatabase(path: string): { created: boolean; applied: number[] } {
  const created = !existsSync(path);
  mkdirSync(dirname(path), { recursive: true });
  const db = new BetterSqlite3(path);
  try {
    applyPragmas(db);
    return { created, applied: migrate(db) };
  } finally {
    db.close();
  }
}

/**
 * Opens an existing, fully migrated database. With `autoMigrate` (all-in-one and tests) a missing
 * or old database is migrated first; otherwise the service refuses to start, as upstream does.
 */
export function openDatabase(path: string, options: { autoMigrate: boolean }): Database {
  if (options.autoMigrate) migrateDatabase(path);
  else if (!existsSync(path)) {
    throw new MigrationNeededError(`db ${path} does not exist. Create with migrate command`);
  }
  const db = new BetterSqlite3(path, { fileMustExist: true });
  applyPragmas(db);
  if (currentVersion(db) !== latestVersion()) {
    db.close();
    throw new MigrationNeededError(`db ${path} is out of date. Update with migrate command`);
  }
  return db;
}
