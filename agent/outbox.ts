/**
 * The agent's durable outbox: every task update is written here before it is sent, with a per-task
 * sequence number, and deleted only when the controller acknowledges it. After a reconnect or a
 * restart everything still here is replayed in order, so a result produced while the controller is
 * down is never lost; the controller ignores a (task_id, seq) it already stored.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import BetterSqlite3, { type Database, type Statement } from "better-sqlite3";
import { type Stage, type TaskResult, type TaskUpdate, TaskUpdateSchema } from "../gen/agent/v1/agent_pb.js";

export interface NewUpdate {
  readonly taskId: string;
  readonly stage: Stage;
  readonly complete: boolean;
  readonly timestampNs?: bigint | undefined;
  /** Required when `complete`. */
  readonly result?: TaskResult | undefined;
}

/** What an outbox tells its listeners: an update stored, or a task's unsent updates dropped. */
export interface OutboxListener {
  appended(update: TaskUpdate): void;
  forgot?(taskId: string): void;
}

export class Outbox {
  private readonly db: Database;
  private readonly listeners = new Set<OutboxListener>();
  private readonly lastSeq: Statement<[string], number>;
  private readonly storeSeq: Statement<[string, number]>;
  private readonly storeUpdate: Statement<[string, number, Uint8Array]>;
  private readonly deleteAcknowledged: Statement<[string, number]>;
  private readonly deleteTask: Statement<[string]>;
  private readonly storeUpdateTransaction: (update: NewUpdate) => TaskUpdate;

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
    // Prepared once: an append is on the path of every task update.
    this.lastSeq = this.db.prepare<[string], number>("SELECT last_seq FROM task_seq WHERE task_id = ?").pluck();
    this.storeSeq = this.db.prepare<[string, number]>(
      "INSERT INTO task_seq (task_id, last_seq) VALUES (?, ?) ON CONFLICT (task_id) DO UPDATE SET last_seq = excluded.last_seq",
    );
    this.storeUpdate = this.db.prepare<[string, number, Uint8Array]>(
      "INSERT INTO updates (task_id, seq, payload) VALUES (?, ?, ?)",
    );
    this.deleteAcknowledged = this.db.prepare<[string, number]>("DELETE FROM updates WHERE task_id = ? AND seq <= ?");
    this.deleteTask = this.db.prepare<[string]>("DELETE FROM updates WHERE task_id = ?");
    this.storeUpdateTransaction = this.db.transaction((update: NewUpdate): TaskUpdate => {
      const seq = (this.lastSeq.get(update.taskId) ?? 0) + 1;
      const message = create(TaskUpdateSchema, { ...update, seq: BigInt(seq) });
      this.storeSeq.run(message.taskId, seq);
      this.storeUpdate.run(message.taskId, seq, toBinary(TaskUpdateSchema, message));
      return message;
    });
  }

  /** Stores an update under the task's next sequence number and returns it. */
  append(update: NewUpdate): TaskUpdate {
    const message = this.storeUpdateTransaction(update);
    for (const listener of this.listeners) listener.appended(message);
    return message;
  }

  /** Unacknowledged updates, oldest first. */
  pending(): TaskUpdate[] {
    return this.db
      .prepare<[], { payload: Buffer }>("SELECT payload FROM updates ORDER BY rowid")
      .all()
      .map((row) => fromBinary(TaskUpdateSchema, row.payload));
  }

  /** How many updates wait for the controller's acknowledgement. */
  depth(): number {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM updates").get() as { n: number }).n;
  }

  /**
   * The controller has persisted everything of this task up to `seq`. The delete is not synced to
   * disk on its own (it is by the next append's sync): lost to a power cut, it only means the
   * updates are sent again, and the controller ignores a (task_id, seq) it already stored.
   */
  acknowledge(taskId: string, seq: bigint): void {
    this.db.pragma("synchronous = NORMAL");
    try {
      this.deleteAcknowledged.run(taskId, Number(seq));
    } finally {
      this.db.pragma("synchronous = FULL");
    }
  }

  /** Drops the task's unsent updates (another agent holds the task now). */
  forget(taskId: string): void {
    this.deleteTask.run(taskId);
    for (const listener of this.listeners) listener.forgot?.(taskId);
  }

  /** Told of every append (the session uses it to send at once) and every forget. */
  onAppend(listener: OutboxListener | ((update: TaskUpdate) => void)): () => void {
    const entry: OutboxListener = typeof listener === "function" ? { appended: listener } : listener;
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  close(): void {
    this.db.close();
  }
}
