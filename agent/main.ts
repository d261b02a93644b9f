/**
 * The agent process. Signals: the first SIGTERM/SIGINT stops it (running job containers carry on
 * and are picked up again by the next agent process); a third forces exit.
 */
import { loadAgentConfig } from "./config.js";
import { createAgentLogger } from "./logger.js";
import { runAgent } from "./service.js";

const config = loadAgentConfig();
const log = createAgentLogger(config.logLevel, { backend: config.backend });
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

runAgent(config, log, stop.signal).then(
  () => process.exit(0),
  (error: unknown) => {
    log.error("agent stopped", { error });
    process.exit(1);
  },
);
