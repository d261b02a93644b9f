/**
 * The status changes of each job (dashboard history). A job's first recorded change also records
 * the status it left (the one it was created with), so the history starts at creation.
 */
import type { Database, Statement } from "better-sqlite3";
import type { Job } from "../jobs/job.js";

export interface StatusChange {
  readonly statusCode: string;
  readonly statusMessage: string;
  readonly atMs: number;
}

interface Row {
  status_code: string;
  status_message: string;
  at_ms: number;
}

export class JobHistoryStore {
  private readonly insert: Statement<[string, string, string, number]>;
  private readonly last: Statement<[string], Row>;
  private readonly select: Statement<[string], Row>;

  constructor(db: Database) {
    this.insert = db.prepare("INSERT INTO job_status_history (job_id, status_code, status_message, at_ms) VALUES (?, ?, ?, ?)");
    this.last = db.prepare(
      "SELECT status_code, status_message, at_ms FROM job_status_history WHERE job_id = ? ORDER BY at_ms DESC, rowid DESC LIMIT 1",
    );
    this.select = db.prepare(
      "SELECT status_code, status_message, at_ms FROM job_status_history WHERE job_id = ? ORDER BY at_ms, rowid",
    );
  }

  /** Records `job`'s new status (call inside the transaction that stores it). */
  record(job: Job, previous: Job): void {
    if (job.statusCode === previous.statusCode) return;
    const last = this.last.get(job.id);
    // Idempotent: the same change reported twice is stored once.
    if (last?.status_code === job.statusCode && last.at_ms === job.statusCodeUpdatedAtMs) return;
    if (!last) this.insert.run(previous.id, previous.statusCode, previous.statusMessage, previous.statusCodeUpdatedAtMs);
    this.insert.run(job.id, job.statusCode, job.statusMessage, job.statusCodeUpdatedAtMs);
  }

  /** The job's history, oldest first; a job that never changed status yields its current one. */
  list(job: Job): StatusChange[] {
    const rows = this.select.all(job.id);
    if (rows.length === 0)
      return [{ statusCode: job.statusCode, statusMessage: job.statusMessage, atMs: job.statusCodeUpdatedAtMs }];
    return rows.map((row) => ({ statusCode: row.status_code, statusMessage: row.status_message, atMs: row.at_ms }));
  }
}
