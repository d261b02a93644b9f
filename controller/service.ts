/**
 * Runs the controller until it is stopped (`rap controller` and the all-in-one mode), by the
 * shutdown ladder: `drain` stops scheduling, turns /readyz unready, closes the agents' streams with
 * Unavailable and finishes requests in flight for up to SHUTDOWN_GRACE_SECONDS; `cancel` cuts
 * whatever is still open at once.
 */
import type { ControllerConfig } from "./config.js";
import { ControllerApp, type ControllerOptions } from "./controller-app.js";
import type { Logger } from "./logger.js";

export interface ShutdownSignals {
  readonly drain: AbortSignal;
  readonly cancel: AbortSignal;
}

export async function runController(
  config: ControllerConfig,
  log: Logger,
  stop: ShutdownSignals,
  options: { autoMigrate: boolean; onListening?: (app: ControllerApp) => void; tracing?: ControllerOptions["tracing"] },
): Promise<void> {
  const app = await ControllerApp.start({ config, log, autoMigrate: options.autoMigrate, tracing: options.tracing });
  options.onListening?.(app);
  await new Promise<void>((resolve) => {
    if (stop.drain.aborted) resolve();
    stop.drain.addEventListener("abort", () => resolve(), { once: true });
  });
  log.info("controller draining", { grace_seconds: config.shutdownGraceSeconds });
  await app.stop({ graceMs: config.shutdownGraceSeconds * 1000, cut: stop.cancel });
  log.info("controller stopped");
}
