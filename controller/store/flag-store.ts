/**
 * Per-backend flags (paused, mode, manual-db-maintenance, …). A flag's timestamp changes only when
 * its value changes, so `since` in backend/status is the time of the last real transition.
 */
import { StatementCache } from "./statement-cache.js";
import type { Database } from "better-sqlite3";

export interface Flag {
  readonly id: string;
  readonly backend: string;
  readonly value: string | null;
  /** Unix seconds (float) of the last value change. */
  readonly timestamp: number;
}

export class FlagStore {
  private readonly statements: StatementCache;

  constructor(private readonly db: Database) {
    this.statements = new StatementCache(db);
  }

  get(backend: string, id: string): Flag | undefined {
    return this.statements
      .get<[string, string], Flag>("SELECT id, backend, value, timestamp FROM flags WHERE backend = ? AND id = ?")
      .get(backend, id);
  }

  all(backend: string): Flag[] {
    return this.statements
      .get<[string], Flag>("SELECT id, backend, value, timestamp FROM flags WHERE backend = ? ORDER BY id")
      .all(backend);
  }

  /** Sets a flag; writing the value it already has is a no-op that keeps its timestamp. */
  set(backend: string, id: string, value: string | null, nowSeconds: number): Flag {
    this.statements
      .get(
        `INSERT INTO flags (id, backend, value, timestamp) VALUES (?, ?, ?, ?)
         ON CONFLICT (id, backend) DO UPDATE SET value = excluded.value, timestamp = excluded.timestamp
         WHERE flags.value IS NOT excluded.value`,
      )
      .run(id, backend, value, nowSeconds);
    return this.get(backend, id)!;
  }
}
