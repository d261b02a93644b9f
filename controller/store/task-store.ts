/** Synchronous task repository: tasks are what the controller pushes to agents. */
import { StatementCache } from "./statement-cache.js";
import type { Database, Statement } from "better-sqlite3";
import type { Task, TaskType } from "../jobs/job.js";
import type { TaskDefinition } from "../jobs/task-definition.js";
import type { Stage, TaskResult } from "../jobs/task-result.js";
import { taskFromRow, type TaskRow } from "./rows.js";

export interface NewTask {
  readonly id: string;
  readonly backend: string;
  readonly type: TaskType;
  readonly jobId: string | null;
  readonly definition: TaskDefinition;
  readonly attributes: Readonly<Record<string, string>>;
  readonly createdAt: number;
}

export interface AgentReport {
  readonly taskId: string;
  readonly seq: number;
  /** Null for database tasks, which have no stages. */
  readonly stage: Stage | null;
  readonly complete: boolean;
  readonly timestampNs: bigint | null;
  /** Set on the report that completes the task. */
  readonly result: TaskResult | null;
}

/** Who may work on a task, until when (controller clock, ms). */
export interface TaskLease {
  readonly agentId: string;
  readonly sessionId: string;
  readonly expiresAtMs: number;
}

export class TaskStore {
  private readonly byIdStatement: Statement<[string], TaskRow>;
  private readonly activeStatement: Statement<[string], TaskRow>;
  private readonly activeIdsStatement: Statement<[string], string>;

  private readonly statements: StatementCache;

  constructor(private readonly db: Database) {
    this.statements = new StatementCache(db);
    this.byIdStatement = db.prepare("SELECT * FROM tasks WHERE id = ?");
    // Database-status tasks first, so a maintenance result is acted on before job results (upstream #893).
    this.activeStatement = db.prepare("SELECT * FROM tasks WHERE backend = ? AND active = 1 ORDER BY type != 'dbstatus', rowid");
    this.activeIdsStatement = db
      .prepare<[string], string>("SELECT id FROM tasks WHERE backend = ? AND active = 1 ORDER BY type != 'dbstatus', rowid")
      .pluck();
  }

  insert(task: NewTask): void {
    this.statements
      .get(
        `INSERT INTO tasks (id, backend, type, job_id, definition, active, created_at, attributes)
         VALUES (?, ?, ?, ?, ?, 1, ?, ?)`,
      )
      .run(
        task.id,
        task.backend,
        task.type,
        task.jobId,
        JSON.stringify(task.definition),
        task.createdAt,
        JSON.stringify(task.attributes),
      );
  }

  /**
   * Who a task belongs to and which agent holds its lease, without reading its definition (the
   * agent stream asks on every update). leaseAgent is null for a task never given to an agent.
   */
  owner(id: string): { backend: string; type: TaskType; jobId: string | null; leaseAgent: string | null } | undefined {
    const row = this.statements
      .get<[string], { backend: string; type: TaskType; job_id: string | null; lease_agent: string | null }>(
        "SELECT backend, type, job_id, lease_agent FROM tasks WHERE id = ?",
      )
      .get(id);
    return row && { backend: row.backend, type: row.type, jobId: row.job_id, leaseAgent: row.lease_agent };
  }

  lease(id: string): TaskLease | undefined {
    const row = this.statements
      .get<[string], { lease_agent: string | null; lease_session: string | null; lease_expires_at_ms: number | null }>(
        "SELECT lease_agent, lease_session, lease_expires_at_ms FROM tasks WHERE id = ?",
      )
      .get(id);
    if (!row || row.lease_agent === null) return undefined;
    return { agentId: row.lease_agent, sessionId: row.lease_session ?? "", expiresAtMs: row.lease_expires_at_ms ?? 0 };
  }

  /**
   * Gives an active task's lease to this agent session unless another agent holds a lease that has
   * not run out. When the lease passes to a different agent, the stored sequence number restarts:
   * each agent numbers its own updates from 1. Returns whether the session now holds the lease.
   */
  acquireLease(id: string, lease: TaskLease, nowMs: number): boolean {
    return (
      this.statements
        .get(
          `UPDATE tasks SET
             last_seq = CASE WHEN lease_agent IS NULL OR lease_agent = @agent THEN last_seq ELSE 0 END,
             lease_agent = @agent, lease_session = @session, lease_expires_at_ms = @expires
           WHERE id = @id AND active = 1
             AND (lease_agent IS NULL OR lease_agent = @agent OR COALESCE(lease_expires_at_ms, 0) <= @now)`,
        )
        .run({ id, agent: lease.agentId, session: lease.sessionId, expires: lease.expiresAtMs, now: nowMs }).changes === 1
    );
  }

  /**
   * Lets go of the lease the session holds on a task its agent declined, but only while no update
   * of the task was ever stored (no agent has touched its job): a task that was started keeps its
   * lease until it runs out, so a second copy cannot start beside a first. Returns whether it did.
   */
  releaseUntouchedLease(id: string, sessionId: string): boolean {
    return (
      this.statements
        .get(
          `UPDATE tasks SET lease_agent = NULL, lease_session = NULL, lease_expires_at_ms = NULL
           WHERE id = ? AND lease_session = ? AND active = 1 AND agent_stage IS NULL AND last_seq = 0`,
        )
        .run(id, sessionId).changes === 1
    );
  }

  /** Extends every active lease the session holds (the agent has just shown it is alive). */
  renewLeases(sessionId: string, expiresAtMs: number): void {
    this.statements
      .get("UPDATE tasks SET lease_expires_at_ms = ? WHERE lease_session = ? AND active = 1")
      .run(expiresAtMs, sessionId);
  }

  get(id: string): Task | undefined {
    const row = this.byIdStatement.get(id);
    return row && taskFromRow(row);
  }

  active(backend: string): Task[] {
    return this.activeStatement.all(backend).map(taskFromRow);
  }

  /** Ids of the backend's active tasks, in the order of active(), without reading their definitions. */
  activeIds(backend: string): string[] {
    return this.activeIdsStatement.all(backend);
  }

  /**
   * Ids of the backend's active tasks of one type, oldest first: the scheduled-tasks pass runs
   * after every scheduling round and needs only these, not the definitions parsed and checked.
   */
  activeIdsOfType(backend: string, type: TaskType): string[] {
    return this.statements
      .get<[string, string], string>("SELECT id FROM tasks WHERE backend = ? AND active = 1 AND type = ? ORDER BY rowid")
      .pluck()
      .all(backend, type);
  }

  /** The backend's most recently inserted task of one type (scheduled tasks look at the last one). */
  latestOfType(backend: string, type: TaskType): Task | undefined {
    const row = this.statements
      .get<[string, string], TaskRow>("SELECT * FROM tasks WHERE backend = ? AND type = ? ORDER BY rowid DESC LIMIT 1")
      .get(backend, type);
    return row && taskFromRow(row);
  }

  /** The job's tasks of one type, newest (lexically greatest id) last. */
  forJob(jobId: string, type: TaskType): Task[] {
    return this.statements
      .get<[string, string], TaskRow>("SELECT * FROM tasks WHERE job_id = ? AND type = ? ORDER BY id")
      .all(jobId, type)
      .map(taskFromRow);
  }

  /** Marks a task inactive; returns false if it already was. */
  deactivate(id: string, finishedAt: number): boolean {
    return (
      this.statements.get("UPDATE tasks SET active = 0, finished_at = ? WHERE id = ? AND active = 1").run(finishedAt, id)
        .changes === 1
    );
  }

  /**
   * Persists one agent report unless its sequence number was already stored (a replay after a
   * reconnect). Returns whether it was new.
   */
  recordReport(report: AgentReport, now: number): boolean {
    const result = this.statements
      .get(
        `UPDATE tasks SET agent_stage = @stage, agent_results = COALESCE(@results, agent_results), agent_complete = @complete,
           agent_timestamp_ns = COALESCE(@timestamp, agent_timestamp_ns), last_seq = @seq,
           active = CASE WHEN @complete = 1 THEN 0 ELSE active END,
           finished_at = CASE WHEN @complete = 1 AND active = 1 THEN @now ELSE finished_at END
         WHERE id = @id AND last_seq < @seq`,
      )
      .run({
        id: report.taskId,
        seq: report.seq,
        stage: report.stage,
        complete: report.complete ? 1 : 0,
        timestamp: report.timestampNs === null ? null : report.timestampNs.toString(),
        results: report.result === null ? null : JSON.stringify(report.result),
        now,
      });
    return result.changes === 1;
  }

  list(filter: { backend?: string; activeOnly?: boolean; limit: number }): Task[] {
    const clauses: string[] = [];
    const params: (string | number)[] = [];
    if (filter.backend) {
      clauses.push("backend = ?");
      params.push(filter.backend);
    }
    if (filter.activeOnly) clauses.push("active = 1");
    const where = clauses.length > 0 ? `WHERE ${clauses.join(" AND ")}` : "";
    return this.statements
      .get<(string | number)[], TaskRow>(`SELECT * FROM tasks ${where} ORDER BY rowid DESC LIMIT ?`)
      .all(...params, filter.limit)
      .map(taskFromRow);
  }
}
