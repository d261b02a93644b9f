/**
 * Prepared statements by SQL text. better-sqlite3 compiles on every prepare(), which costs more
 * than running a small indexed query, so the stores prepare each text once. Texts built for IN
 * lists vary with the list's length; the cache stops growing at a bound rather than hold every one.
 */
import type { Database, Statement } from "better-sqlite3";

const MAX_CACHED = 256;

export class StatementCache {
  private readonly statements = new Map<string, Statement<unknown[], unknown>>();

  constructor(private readonly db: Database) {}

  get<Params extends unknown[], Row = unknown>(sql: string): Statement<Params, Row> {
    const cached = this.statements.get(sql);
    if (cached) return cached as unknown as Statement<Params, Row>;
    const statement = this.db.prepare<Params, Row>(sql);
    if (this.statements.size < MAX_CACHED) this.statements.set(sql, statement);
    return statement;
  }
}
