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

describe("the backend's other database values", () => {
  const secrets = {
    tempDatabaseName: "OPENCoronaTempTables",
    emisOrganisationHash: "org-hash-1",
    prestoTls: { key: "-----BEGIN PRIVATE KEY-----\nkey\n", cert: "-----BEGIN CERTIFICATE-----\ncert\n" },
  };

  it("gives a database job every value the backend has, by upstream's names", () => {
    expect(databaseEnv({ ...backend, databaseSecrets: secrets }, { allowDatabaseAccess: true, databaseName: undefined })).toEqual(
      {
        DATABASE_URL: "mssql://db.internal/x",
        TEMP_DATABASE_NAME: "OPENCoronaTempTables",
        EMIS_ORGANISATION_HASH: "org-hash-1",
        PRESTO_TLS_KEY: "-----BEGIN PRIVATE KEY-----\nkey\n",
        PRESTO_TLS_CERT: "-----BEGIN CERTIFICATE-----\ncert\n",
      },
    );
  });

  it("gives only the values that are set (a TPP-like backend has no Presto certificate)", () => {
    const tpp = { tempDatabaseName: "temp", emisOrganisationHash: undefined, prestoTls: undefined };
    expect(databaseEnv({ ...backend, databaseSecrets: tpp }, { allowDatabaseAccess: true, databaseName: "default" })).toEqual({
      DATABASE_URL: "mssql://db.internal/x",
      TEMP_DATABASE_NAME: "temp",
    });
  });

  it("gives none of them to a job without database access", () => {
    expect(
      databaseEnv({ ...backend, databaseSecrets: secrets }, { allowDatabaseAccess: false, databaseName: undefined }),
    ).toEqual({});
  });
});
