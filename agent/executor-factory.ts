/** The only place that knows the concrete drivers: config -> Executor. */
import { ContainerCliExecutor, createCommandRunner, type Executor, type JobDefinition } from "../runtime-drivers/index.js";
import type { AgentConfig } from "./config.js";
import type { Logger } from "./logger.js";

/** Database secrets for database jobs on real backends (upstream's inject_db_secrets). */
function databaseEnv(config: AgentConfig, job: JobDefinition): Record<string, string> {
  if (!job.allowDatabaseAccess || config.dummyDataBackend) return {};
  const name = job.databaseName ?? "default";
  const url = config.databaseUrls[name];
  if (!url) throw new Error(`Database name '${name}' is not currently defined for backend '${config.backend}'`);
  return { DATABASE_URL: url };
}

export function createExecutor(config: AgentConfig, log: Logger): Executor {
  const runner = createCommandRunner({ baseEnv: config.childEnv, debug: config.driver.debug, log: log.child({ component: "runtime" }) });
  return new ContainerCliExecutor({
    binary: config.driver.binary,
    runner,
    layout: config.storage,
    checkout: {
      reposDir: config.storage.reposDir,
      githubProxyDomain: config.githubProxyDomain,
      accessToken: config.privateRepoAccessToken,
      tokenUser: `jobrunner-${config.backend}`,
      runner,
    },
    user: config.driver.user,
    volumeOwner: config.driver.volumeOwner,
    imageMap: config.driver.imageMap,
    pullMissingImages: config.driver.pullMissingImages,
    databaseNetwork: config.dummyDataBackend ? undefined : { name: config.driver.databaseNetwork, extraArgs: ["--dns", "192.0.2.0"] },
    extraEnv: (job) => databaseEnv(config, job),
    log,
  });
}
