/** The only place that knows the concrete drivers: config -> Executor (and the database-task runner). */
import {
  ContainerCliExecutor,
  createCommandRunner,
  mapImage,
  runDatabaseStatus,
  type Executor,
} from "../runtime-drivers/index.js";
import type { AgentConfig } from "./config.js";
import { databaseEnv } from "./database-secrets.js";
import type { DatabaseTaskRunner } from "./database-task.js";
import type { Logger } from "./logger.js";

export function createExecutor(config: AgentConfig, log: Logger): Executor {
  const runner = createCommandRunner({
    baseEnv: config.childEnv,
    debug: config.driver.debug,
    log: log.child({ component: "runtime" }),
  });
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
    databaseNetwork: config.dummyDataBackend
      ? undefined
      : { name: config.driver.databaseNetwork, extraArgs: ["--dns", "192.0.2.0"] },
    extraEnv: (job) => databaseEnv(config, job),
    log,
  });
}

/**
 * DBSTATUS / DBDATACHECK through the driver's CLI: a one-off container on the database network with
 * DATABASE_URL, or with no network and no secret on a dummy-data backend.
 */
export function createDatabaseTaskRunner(config: AgentConfig, log: Logger): DatabaseTaskRunner {
  const runner = createCommandRunner({
    baseEnv: config.childEnv,
    debug: config.driver.debug,
    log: log.child({ component: "runtime" }),
  });
  return async (request, signal) => {
    const databaseUrl = config.dummyDataBackend ? undefined : config.databaseUrls[request.databaseName];
    if (!config.dummyDataBackend && databaseUrl === undefined) {
      return {
        results: null,
        error: {
          type: "ValueError",
          message: `Database name '${request.databaseName}' is not currently defined for backend '${config.backend}'`,
        },
      };
    }
    return runDatabaseStatus(
      runner,
      config.driver.binary,
      {
        kind: request.kind,
        image: mapImage(request.image, config.driver.imageMap),
        args: request.args,
        hesExpectedActivityMonth: request.hesExpectedActivityMonth,
        network: config.dummyDataBackend ? "none" : config.driver.databaseNetwork,
        extraNetworkArgs: config.dummyDataBackend ? [] : ["--dns", "192.0.2.0"],
        databaseUrl,
        pullNever: !config.driver.pullMissingImages,
      },
      signal,
    );
  };
}
