/**
 * The agent's durable outbox: every task update is written here before it is sent, with a per-task
 * sequence number, and deleted only when the controller acknowledges it. After a reconnect or a
 * restart everything still here is replayed in order, so a result produced while the controller is
 * down is never lost; the controller ignores a (task_id, seq) it already stored.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import BetterSqlite3, { type Database } from "better-sqlite3";
import { type Stage, type TaskResult, type TaskUpdate, TaskUpdateSchema } from "../gen/agent/v1/agent_pb.js";

export interface NewUpdate {
  readonly taskId: string;
  readonly stage: Stage;
  readonly complete: boolean;
  readonly timestampNs?: bigint | undefined;
  /** Required when `complete`. */
  readonly result?: TaskResult | undefined;
}

export class Outbox {
  private readonly db: Database;
  private readonly listeners = new Set<() => void>();

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new BetterSqlite3(path);
    this.db.pragma("journal_mode = WAL");
    // FULL: an update acknowledged to nobody yet must survive a power cut, not just a crash.
    this.db.pragma("synchronous = FULL");
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS updates (
        task_id TEXT NOT NULL, seq INTEGER NOT NULL, payload BLOB NOT NULL, PRIMARY KEY (task_id, seq));
      CREATE TABLE IF NOT EXISTS task_seq (task_id TEXT PRIMARY KEY, last_seq INTEGER NOT NULL);
    `);
  }

  /** Stores an update under the task's next sequence number and returns it. */
  append(update: NewUpdate): TaskUpdate {
    const stored = this.db.transaction(() => {
      const row = this.db
        .prepare<[string], { last_seq: number }>("SELECT last_seq FROM task_seq WHERE task_id = ?")
        .get(update.taskId);
      const seq = (row?.last_seq ?? 0) + 1;
      const message = create(TaskUpdateSchema, { ...update, seq: BigInt(seq) });
      this.db
        .prepare(
          "INSERT INTO task_seq (task_id, last_seq) VALUES (?, ?) ON CONFLICT (task_id) DO UPDATE SET last_seq = excluded.last_seq",
        )
        .run(message.taskId, seq);
      this.db
        .prepare("INSERT INTO updates (task_id, seq, payload) VALUES (?, ?, ?)")
        .run(message.taskId, seq, toBinary(TaskUpdateSchema, message));
      return message;
    })();
    for (const listener of this.listeners) listener();
    return stored;
  }

  /** Unacknowledged updates, oldest first. */
  pending(): TaskUpdate[] {
    return this.db
      .prepare<[], { payload: Buffer }>("SELECT payload FROM updates ORDER BY rowid")
      .all()
      .map((row) => fromBinary(TaskUpdateSchema, row.payload));
  }

  /** The controller has persisted everything of this task up to `seq`. */
  /** How many updates wait for the controller's acknowledgement. */
  depth(): number {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM updates").get() as { n: number }).n;
  }

  acknowledge(taskId: string, seq: bigint): void {
    this.db.prepare("DELETE FROM updates WHERE task_id = ? AND seq <= ?").run(taskId, Number(seq));
  }

  /** Drops the task's unsent updates (another agent holds the task now). */
  forget(taskId: string): void {
    this.db.prepare("DELETE FROM updates WHERE task_id = ?").run(taskId);
  }

  /** Called after every append (the session uses it to send at once). */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.db.close();
  }
}
