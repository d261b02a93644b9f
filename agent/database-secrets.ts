/**
 * Database secrets for database jobs (upstream's inject_db_secrets): the URL of the job's database
 * and the backend's other database values, all from agent config, passed to the container by name
 * only (never in argv, metadata or logs). Dummy-data backends get none. Only the database names the
 * agent has a URL for may run, as upstream (where "default" is the one name).
 */
import type { JobDefinition } from "../runtime-drivers/index.js";
import type { AgentConfig } from "./config.js";

export function databaseEnv(
  config: Pick<AgentConfig, "dummyDataBackend" | "databaseUrls" | "backend"> & Partial<Pick<AgentConfig, "databaseSecrets">>,
  job: Pick<JobDefinition, "allowDatabaseAccess" | "databaseName">,
): Record<string, string> {
  if (!job.allowDatabaseAccess || config.dummyDataBackend) return {};
  const url = databaseUrlFor(config, job.databaseName);
  const env: Record<string, string> = { DATABASE_URL: url };
  const secrets = config.databaseSecrets;
  // Each one only when the backend has it, as upstream: a TPP-like backend has a temp database, an
  // EMIS-like one an organisation hash and Presto client certificates.
  if (secrets?.tempDatabaseName) env.TEMP_DATABASE_NAME = secrets.tempDatabaseName;
  if (secrets?.emisOrganisationHash) env.EMIS_ORGANISATION_HASH = secrets.emisOrganisationHash;
  if (secrets?.prestoTls) {
    env.PRESTO_TLS_KEY = secrets.prestoTls.key;
    env.PRESTO_TLS_CERT = secrets.prestoTls.cert;
  }
  return env;
}

/** The configured URL of database `name` ("default" when unset), or upstream's message. */
export function databaseUrlFor(config: Pick<AgentConfig, "databaseUrls" | "backend">, databaseName: string | undefined): string {
  const name = databaseName || "default";
  const url = config.databaseUrls[name];
  if (!url) throw new Error(`Database name '${name}' is not currently defined for backend '${config.backend}'`);
  return url;
}
