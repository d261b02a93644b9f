import { describe, expect, it } from "vitest";
import { addHostArgs, databaseHostName } from "../../../agent/database-host.js";

describe("the database host of a connection URL", () => {
  it.each([
    ["mssql://user:pw@db.backend.internal:1433/ehr", "db.backend.internal"],
    ["postgresql://user:pw@database/ehr", "database"],
    ["trino://emis-presto.example:8443/catalog", "emis-presto.example"],
    ["mssql://user:pw@10.1.2.3:1433/ehr", undefined],
    ["postgresql://user@[fd00::1]:5432/ehr", undefined],
    ["not a url", undefined],
  ])("%s -> %s", (url, host) => {
    expect(databaseHostName(url)).toBe(host);
  });
});

describe("--add-host for a database job", () => {
  it("pins the host name to the address the agent resolves", async () => {
    const asked: string[] = [];
    const args = await addHostArgs("mssql://u:secret@db.backend.internal:1433/ehr", (host) => {
      asked.push(host);
      return Promise.resolve("172.30.0.5");
    });
    expect(args).toEqual(["--add-host", "db.backend.internal:172.30.0.5"]);
    expect(asked).toEqual(["db.backend.internal"]);
  });

  it("needs no entry when the URL names an address", async () => {
    expect(await addHostArgs("mssql://u:p@10.1.2.3:1433/ehr", () => Promise.reject(new Error("not asked")))).toEqual([]);
  });

  it("resolves with the system resolver by default", async () => {
    expect(await addHostArgs("postgresql://u:p@localhost:5432/ehr")).toEqual(["--add-host", "localhost:127.0.0.1"]);
  });

  it("gives no entry, and names only the host, when the host cannot be resolved", async () => {
    const unresolved: string[] = [];
    const args = await addHostArgs(
      "mssql://u:secret@nowhere.invalid:1433/ehr",
      () => Promise.reject(new Error("ENOTFOUND")),
      (host) => unresolved.push(host),
    );
    expect(args).toEqual([]);
    expect(unresolved).toEqual(["nowhere.invalid"]);
  });
});
