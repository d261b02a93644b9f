/**
 * Numbered .sql migrations tracked by PRAGMA user_version. Each migration runs in its own
 * transaction together with the version bump, so a crash leaves the database at a whole version.
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Database } from "better-sqlite3";

const migrationsDir = fileURLToPath(new URL("./migrations/", import.meta.url));

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Migrations shipped with this build, in order; file names are `NNNN_name.sql`. */
export function loadMigrations(dir: string = migrationsDir): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d{4}_.+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 4)),
      name: file.slice(5, -4),
      sql: readFileSync(`${dir}/${file}`, "utf8"),
    }));
}

export function latestVersion(migrations: Migration[] = loadMigrations()): number {
  return migrations.at(-1)?.version ?? 0;
}

export function currentVersion(db: Database): number {
  return db.pragma("user_version", { simple: true }) as number;
}

/** Applies every pending migration; returns the versions applied. */
export function migrate(db: Database, migrations: Migration[] = loadMigrations()): number[] {
  const applied: number[] = [];
  for (const migration of migrations) {
    if (migration.version <= currentVersion(db)) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    })();
    applied.push(migration.version);
  }
  return applied;
}

/** Thrown at start-up when the database is missing or behind this build. */
export class MigrationNeededError extends Error {
  override readonly name = "MigrationNeededError";
}
