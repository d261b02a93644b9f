/**
 * The exec audit log: one JSON line per interactive session, appended when the session ends (and a
 * line when it starts, so a session that never ends, or a crashed agent, still leaves a trace).
 * Who is the user the client reports; the socket's owner-only permissions decide who can connect.
 */
import { appendFile, mkdir } from "node:fs/promises";
import path from "node:path";

export interface AuditEntry {
  readonly event: "exec_started" | "exec_ended" | "exec_refused";
  readonly session: string;
  readonly user: string;
  readonly job_id: string;
  readonly command: readonly string[];
  /** ISO time the session started. */
  readonly started_at: string;
  readonly ended_at?: string;
  readonly duration_ms?: number;
  readonly exit_code?: number;
  readonly reason?: string;
}

export class AuditLog {
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly file: string) {}

  /** Appends one line; lines are written in call order. */
  write(entry: AuditEntry): Promise<void> {
    const line = `${JSON.stringify(entry)}\n`;
    // A failed write fails its own session (exec is refused) but not every later one.
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
        await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
        await appendFile(this.file, line, { mode: 0o600 });
      });
    return this.writing;
  }
}
