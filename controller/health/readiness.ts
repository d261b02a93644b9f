/**
 * What /readyz checks on the controller: the database is at the latest migration and takes a write
 * now. The probe has its own connection with a short lock wait, so a probe against a locked or
 * read-only database answers "not ready" quickly instead of stalling the event loop for the main
 * connection's 5 s busy timeout.
 */
import BetterSqlite3, { type Database } from "better-sqlite3";
import { currentVersion, latestVersion } from "../store/migrate.js";

/** How long a probe waits for another writer's lock before calling the database not writable. */
const PROBE_LOCK_WAIT_MS = 250;

export interface Readiness {
  readonly ready: boolean;
  readonly reason: string;
}

export class DatabaseReadiness {
  private db: Database | undefined;
  private readonly latest = latestVersion();

  constructor(private readonly path: string) {}

  check(): Readiness {
    try {
      this.db ??= this.open();
      const version = currentVersion(this.db);
      if (version !== this.latest) {
        return { ready: false, reason: `database is at migration ${version}, this controller needs ${this.latest}` };
      }
      // Rewriting the schema version with its own value is a real, committed write that changes nothing.
      this.db.pragma(`user_version = ${version}`);
      return { ready: true, reason: "database writable and migrations current" };
    } catch (error) {
      // A fresh connection next time: the file may have been replaced or its permissions fixed.
      this.close();
      return { ready: false, reason: `database not writable: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
  }

  private open(): Database {
    const db = new BetterSqlite3(this.path, { fileMustExist: true, timeout: PROBE_LOCK_WAIT_MS });
    return db;
  }
}
