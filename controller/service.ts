/** Runs the controller until the signal aborts (used by `rap controller` and `rap all-in-one`, cli/commands/service-commands.ts). */
import type { ControllerConfig } from "./config.js";
import { ControllerApp, type ControllerOptions } from "./controller-app.js";
import type { Logger } from "./logger.js";

export async function runController(
  config: ControllerConfig,
  log: Logger,
  signal: AbortSignal,
  options: { autoMigrate: boolean; onListening?: (app: ControllerApp) => void; tracing?: ControllerOptions["tracing"] },
): Promise<void> {
  const app = await ControllerApp.start({ config, log, autoMigrate: options.autoMigrate, tracing: options.tracing });
  options.onListening?.(app);
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
  });
  log.info("controller stopping");
  await app.stop();
}
