/** The controller's image digest resolver from its configuration; undefined when resolution is off. */
import type { ControllerConfig } from "../config.js";
import type { Clock, SchedulerHandle } from "../deps.js";
import type { Logger } from "../logger.js";
import { ImageDigests } from "./image-digests.js";
import { parseImageReference } from "./image-reference.js";
import { RegistryClient } from "./registry-client.js";

/** First wait after a registry failure; doubled per failure up to the most. */
const RETRY_INITIAL_MS = 5_000;
const RETRY_MAX_MS = 300_000;

export function createImageDigests(
  config: ControllerConfig,
  clock: Clock,
  log: Logger,
  scheduler: SchedulerHandle,
  signal: AbortSignal,
): ImageDigests | undefined {
  if (!config.imageDigests.resolve) return undefined;
  const client = new RegistryClient({ timeoutMs: config.imageDigests.timeoutSeconds * 1000 });
  return new ImageDigests({
    resolve: (image, abort) => client.manifestDigest(parseImageReference(image), abort),
    clock,
    log,
    freshMs: config.imageDigests.freshSeconds * 1000,
    retryInitialMs: RETRY_INITIAL_MS,
    retryMaxMs: RETRY_MAX_MS,
    onSettled: (jobIds) => scheduler.jobsChanged(jobIds),
    signal,
  });
}
