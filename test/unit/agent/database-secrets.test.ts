import { describe, expect, it } from "vitest";
import { databaseEnv } from "../../../agent/database-secrets.js";

const backend = { backend: "tpp", dummyDataBackend: false, databaseUrls: { default: "mssql://db.internal/x" } };

describe("database secrets", () => {
  it("gives a database job on a real backend its database URL", () => {
    expect(databaseEnv(backend, { allowDatabaseAccess: true, databaseName: "default" })).toEqual({
      DATABASE_URL: "mssql://db.internal/x",
    });
  });

  it("gives jobs without database access nothing", () => {
    expect(databaseEnv(backend, { allowDatabaseAccess: false, databaseName: undefined })).toEqual({});
  });

  it("gives nothing on a dummy-data backend", () => {
    expect(databaseEnv({ ...backend, dummyDataBackend: true }, { allowDatabaseAccess: true, databaseName: "default" })).toEqual(
      {},
    );
  });

  it("refuses a database the agent has no URL for, with upstream's message", () => {
    expect(() => databaseEnv(backend, { allowDatabaseAccess: true, databaseName: "other" })).toThrow(
      "Database name 'other' is not currently defined for backend 'tpp'",
    );
  });
});
