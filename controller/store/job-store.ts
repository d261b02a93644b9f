/**
 * Synchronous job repository. Status changes are compare-and-swap updates on the previous code, so
 * two writers can never both move a job from the same state.
 */
import { StatementCache } from "./statement-cache.js";
import type { Database, Statement } from "better-sqlite3";
import type { Job } from "../jobs/job.js";
import type { State } from "../jobs/status.js";
import { JOB_COLUMNS as COLUMNS, jobFromRow, jobToRow, type JobRow } from "./rows.js";

export interface StatusChange {
  readonly statusCode: string;
  readonly statusMessage: string;
  readonly atMs: number;
}

/** A running job as capacity accounting and resource weights see it. */
export type RunningForCapacity = Pick<Job, "id" | "backend" | "workspace" | "action" | "runCommand" | "requiresDb">;

interface RunningForCapacityRow {
  id: string;
  backend: string;
  workspace: string;
  action: string;
  run_command: string;
  requires_db: number;
}

export class JobStore {
  private readonly insertStatement: Statement;
  private readonly byIdStatement: Statement<[string], JobRow>;
  private readonly byRapIdStatement: Statement<[string], JobRow>;
  private readonly activeStatement: Statement<[], JobRow>;
  private readonly casStatement: Statement;
  private readonly byIdWithRowidStatement: Statement<[string], JobRow & { job_rowid: number }>;
  private readonly activeIdsStatement: Statement<[], { id: string; state: State }>;
  private readonly runningStatement: Statement<[], JobRow>;
  private readonly runningForCapacityStatement: Statement<[], RunningForCapacityRow>;
  private readonly refreshLiveStatement: Statement<[number, number, number], JobRow>;
  private readonly touchStatement: Statement<[number, string]>;

  private readonly statements: StatementCache;

  constructor(private readonly db: Database) {
    this.statements = new StatementCache(db);
    this.insertStatement = db.prepare(
      `INSERT INTO job (${COLUMNS.map((c) => `"${c}"`).join(", ")}) VALUES (${COLUMNS.map((c) => `@${c}`).join(", ")})`,
    );
    this.byIdStatement = db.prepare("SELECT * FROM job WHERE id = ?");
    this.byRapIdStatement = db.prepare("SELECT * FROM job WHERE rap_id = ? ORDER BY rowid");
    this.activeStatement = db.prepare("SELECT * FROM job WHERE state IN ('pending', 'running') ORDER BY rowid");
    this.byIdWithRowidStatement = db.prepare("SELECT rowid AS job_rowid, * FROM job WHERE id = ?");
    this.activeIdsStatement = db.prepare("SELECT id, state FROM job WHERE state IN ('pending', 'running') ORDER BY rowid");
    // The repeated IN term lets SQLite use the partial index on active jobs.
    this.runningStatement = db.prepare(
      "SELECT * FROM job WHERE state IN ('pending', 'running') AND state = 'running' ORDER BY rowid",
    );
    this.runningForCapacityStatement = db.prepare(
      `SELECT id, backend, workspace, action, run_command, requires_db FROM job
       WHERE state IN ('pending', 'running') AND state = 'running' ORDER BY rowid`,
    );
    this.refreshLiveStatement = db.prepare(
      `UPDATE job SET updated_at = ? WHERE rowid IN (
         SELECT rowid FROM job INDEXED BY job_live_updated WHERE state IN ('pending', 'running') AND updated_at <= ? LIMIT ?
       ) RETURNING *`,
    );
    this.touchStatement = db.prepare("UPDATE job SET updated_at = ? WHERE id = ?");
    const assignments = COLUMNS.filter((c) => c !== "id" && c !== "cancelled")
      .map((c) => `"${c}" = @${c}`)
      .join(", ");
    // `cancelled` is written only by the cancel API (as upstream), never by status changes.
    this.casStatement = db.prepare(
      `UPDATE job SET ${assignments} WHERE id = @id AND status_code = @previous_status_code AND cancelled = @previous_cancelled`,
    );
  }

  insert(job: Job): void {
    this.insertStatement.run(jobToRow(job));
  }

  get(id: string): Job | undefined {
    const row = this.byIdStatement.get(id);
    return row && jobFromRow(row);
  }

  byRapId(rapId: string): Job[] {
    return this.byRapIdStatement.all(rapId).map(jobFromRow);
  }

  byRapIds(rapIds: readonly string[], backends: readonly string[]): Job[] {
    if (rapIds.length === 0 || backends.length === 0) return [];
    const rows = this.statements
      .get<unknown[], JobRow>(
        `SELECT * FROM job WHERE rap_id IN (${rapIds.map(() => "?").join(",")}) AND backend IN (${backends.map(() => "?").join(",")}) ORDER BY rap_id, rowid`,
      )
      .all(...rapIds, ...backends);
    return rows.map(jobFromRow);
  }

  /** Pending and running jobs of every backend, oldest first. */
  active(): Job[] {
    return this.activeStatement.all().map(jobFromRow);
  }

  /** A job with its rowid: the scheduler's tie-break between jobs created in the same second. */
  getWithRowid(id: string): { job: Job; rowid: number } | undefined {
    const row = this.byIdWithRowidStatement.get(id);
    return row && { job: jobFromRow(row), rowid: row.job_rowid };
  }

  /** Ids and states of every pending and running job, oldest first (the scheduler's full pass). */
  activeIds(): { id: string; state: State }[] {
    return this.activeIdsStatement.all();
  }

  /** Ids of the backend's pending and running jobs. */
  activeIdsOf(backend: string): string[] {
    return this.statements
      .get<[string], { id: string }>("SELECT id FROM job WHERE state IN ('pending', 'running') AND backend = ? ORDER BY rowid")
      .all(backend)
      .map((row) => row.id);
  }

  /** Running jobs of every backend (bounded by the worker limits), oldest first. */
  running(): Job[] {
    return this.runningStatement.all().map(jobFromRow);
  }

  /** What capacity accounting needs of every running job (no JSON columns parsed), oldest first. */
  runningForCapacity(): RunningForCapacity[] {
    return this.runningForCapacityStatement.all().map((row) => ({
      id: row.id,
      backend: row.backend,
      workspace: row.workspace,
      action: row.action,
      runCommand: row.run_command,
      requiresDb: row.requires_db === 1,
    }));
  }

  /**
   * The 60 s liveness refresh, in bulk: sets updated_at on up to `limit` pending or running jobs not
   * refreshed since `cutoff`, and returns them as stored.
   */
  refreshLive(updatedAt: number, cutoff: number, limit: number): Job[] {
    return this.refreshLiveStatement.all(updatedAt, cutoff, limit).map(jobFromRow);
  }

  /** Writes `next` if the stored job still has `previous`'s status code and cancelled flag. */
  compareAndSwap(previous: Job, next: Job): boolean {
    const result = this.casStatement.run({
      ...jobToRow(next),
      previous_status_code: previous.statusCode,
      previous_cancelled: previous.cancelled ? 1 : 0,
    });
    return result.changes === 1;
  }

  /** The job's status changes, oldest first (recorded by the job_status_history triggers). */
  history(id: string): StatusChange[] {
    return this.db
      .prepare<[string], { status_code: string; status_message: string; at_ms: number }>(
        "SELECT status_code, status_message, at_ms FROM job_status_history WHERE job_id = ? ORDER BY at_ms, rowid",
      )
      .all(id)
      .map((row) => ({ statusCode: row.status_code, statusMessage: row.status_message, atMs: row.at_ms }));
  }

  /** Bumps updated_at without a status change (the heartbeat clients see on live jobs). */
  touch(id: string, updatedAt: number): void {
    this.touchStatement.run(updatedAt, id);
  }

  /** The cancel API's write: every job of the rap with one of the actions (any state, any backend). */
  markCancelled(rapId: string, actions: readonly string[], completedAt: number): number {
    if (actions.length === 0) return 0;
    return this.statements
      .get(`UPDATE job SET cancelled = 1, completed_at = ? WHERE rap_id = ? AND action IN (${actions.map(() => "?").join(",")})`)
      .run(completedAt, rapId, ...actions).changes;
  }

  /**
   * Workspace state: the latest uncancelled job per action for (backend, workspace), ignoring the
   * legacy `__error__` action.
   */
  latestPerAction(backend: string, workspace: string): Map<string, Job> {
    const rows = this.statements
      .get<[string, string], JobRow>(
        `SELECT * FROM job WHERE backend = ? AND workspace = ? AND cancelled = 0 AND action != '__error__'
         ORDER BY created_at, rowid`,
      )
      .all(backend, workspace);
    const latest = new Map<string, Job>();
    for (const row of rows) latest.set(row.action, jobFromRow(row));
    return latest;
  }

  /** States of the given jobs by id (missing ids are absent from the map). */
  statesById(ids: readonly string[]): Map<string, State> {
    if (ids.length === 0) return new Map();
    const rows = this.statements
      .get<string[], { id: string; state: State }>(`SELECT id, state FROM job WHERE id IN (${ids.map(() => "?").join(",")})`)
      .all(...ids);
    return new Map(rows.map((r) => [r.id, r.state]));
  }

  list(filter: {
    backend?: string;
    rapId?: string;
    workspace?: string;
    state?: string;
    action?: string;
    statusCode?: string;
    limit: number;
  }): Job[] {
    const clauses: string[] = [];
    const params: (string | number)[] = [];
    for (const [column, value] of [
      ["backend", filter.backend],
      ["rap_id", filter.rapId],
      ["workspace", filter.workspace],
      ["state", filter.state],
      ["action", filter.action],
      ["status_code", filter.statusCode],
    ] as const) {
      if (value) {
        clauses.push(`${column} = ?`);
        params.push(value);
      }
    }
    const where = clauses.length > 0 ? `WHERE ${clauses.join(" AND ")}` : "";
    return this.statements
      .get<(string | number)[], JobRow>(`SELECT * FROM job ${where} ORDER BY created_at DESC, rowid DESC LIMIT ?`)
      .all(...params, filter.limit)
      .map(jobFromRow);
  }
}
