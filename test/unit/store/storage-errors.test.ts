/**
 * Which database errors mean "cannot write now" (REST 503, Connect Unavailable): a real SQLITE_FULL
 * from SQLite (a database held to its page count, as a full disk holds it), the SQLITE_IOERR family,
 * and nothing else.
 */
import BetterSqlite3 from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { DISK_FULL_MESSAGE, storageUnavailableMessage } from "../../../controller/store/storage-errors.js";

function errorOf(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

describe("storage errors", () => {
  it("reads SQLite's own SQLITE_FULL as a full disk", () => {
    const db = new BetterSqlite3(":memory:");
    db.exec("CREATE TABLE t (x BLOB)");
    db.pragma(`max_page_count = ${Number(db.pragma("page_count", { simple: true }))}`);
    const error = errorOf(() => db.prepare("INSERT INTO t VALUES (?)").run(Buffer.alloc(64 * 1024)));
    db.close();
    expect((error as { code: string }).code).toBe("SQLITE_FULL");
    expect(storageUnavailableMessage(error)).toBe(DISK_FULL_MESSAGE);
  });

  it("names an I/O error's code and leaves every other error alone", () => {
    expect(storageUnavailableMessage(new BetterSqlite3.SqliteError("disk I/O error", "SQLITE_IOERR_WRITE"))).toBe(
      "The controller's database could not be written (SQLITE_IOERR_WRITE); nothing was changed. Try again later.",
    );
    expect(storageUnavailableMessage(new BetterSqlite3.SqliteError("constraint", "SQLITE_CONSTRAINT_UNIQUE"))).toBeUndefined();
    expect(storageUnavailableMessage(new Error("boom"))).toBeUndefined();
    expect(storageUnavailableMessage(null)).toBeUndefined();
    expect(storageUnavailableMessage({ code: 28 })).toBeUndefined();
  });
});
