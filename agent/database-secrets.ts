/**
 * Database secrets for database jobs (upstream's inject_db_secrets): the URL of the job's database,
 * from agent config, passed to the container by name only. Dummy-data backends get none.
 */
import type { JobDefinition } from "../runtime-drivers/index.js";
import type { AgentConfig } from "./config.js";

export function databaseEnv(
  config: Pick<AgentConfig, "dummyDataBackend" | "databaseUrls" | "backend">,
  job: Pick<JobDefinition, "allowDatabaseAccess" | "databaseName">,
): Record<string, string> {
  if (!job.allowDatabaseAccess || config.dummyDataBackend) return {};
  const name = job.databaseName ?? "default";
  const url = config.databaseUrls[name];
  if (!url) throw new Error(`Database name '${name}' is not currently defined for backend '${config.backend}'`);
  return { DATABASE_URL: url };
}
