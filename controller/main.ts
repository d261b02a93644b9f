/**
 * The controller service. Refuses to start on a missing or old database (run `rap migrate`).
 * Signals: the first SIGTERM/SIGINT closes the server and stops the scheduler; a third forces exit.
 */
import { loadControllerConfig } from "./config.js";
import { createLogger } from "./logger.js";
import { runController } from "./service.js";

const config = loadControllerConfig();
const log = createLogger({ level: "info" });
const stop = new AbortController();
let signals = 0;
const onSignal = (name: string) => {
  signals += 1;
  log.info("signal received", { signal: name, count: signals });
  if (signals >= 3) process.exit(1);
  stop.abort();
};
process.on("SIGTERM", () => onSignal("SIGTERM"));
process.on("SIGINT", () => onSignal("SIGINT"));

runController(config, log, stop.signal, { autoMigrate: false }).then(
  () => process.exit(0),
  (error: unknown) => {
    log.error("controller stopped", { error });
    process.exit(1);
  },
);
