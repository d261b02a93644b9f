/**
 * Runs one agent until it is stopped (`rap agent` and the all-in-one mode), by the shutdown ladder:
 * `drain` stops taking tasks and finishes reporting the ones in hand, for at most the configured
 * grace; `cancel` (or the end of the grace) stops watching the tasks at once, leaving their
 * containers to run on for the next start to pick up.
 */
import type { TracerProvider } from "@opentelemetry/api";
import type { AgentConfig } from "./config.js";
import { serveAgentLocal } from "./local/serve-agent-local.js";
import type { Logger } from "./logger.js";
import { createObservedAgent } from "./telemetry/agent-telemetry.js";

export interface ShutdownSignals {
  readonly drain: AbortSignal;
  readonly cancel: AbortSignal;
}

export async function runAgent(
  config: AgentConfig,
  log: Logger,
  stop: ShutdownSignals,
  tracerProvider?: TracerProvider,
): Promise<void> {
  const cancel = new AbortController();
  const cancelNow = () => cancel.abort();
  if (stop.cancel.aborted) cancelNow();
  stop.cancel.addEventListener("abort", cancelNow, { once: true });
  const signal = cancel.signal;
  const { agent, executor, server } = await createObservedAgent(config, log, tracerProvider);
  log.info("agent starting", {
    backend: config.backend,
    agent_id: config.agentId,
    driver: executor.driver,
    controller: config.controllerUrl,
  });
  // Operators' local socket (rap logs / exec / agent status); it answers even while the controller is unreachable.
  // Jobs matter more than the operators' socket: if it cannot be served, the agent runs without it.
  const local = await serveAgentLocal(config, agent, executor, log).then(
    (server) => {
      log.info("local service listening", { socket: server.socketPath, exec_enabled: config.local.execEnabled });
      return server;
    },
    (error: unknown) => {
      log.error("local service not started: rap logs, exec and agent status are unavailable", {
        error,
        socket: config.local.socketPath,
      });
      return undefined;
    },
  );
  const onDrain = () => {
    const grace = AbortSignal.any([signal, AbortSignal.timeout(config.shutdownGraceSeconds * 1000)]);
    void agent.drain(grace).finally(cancelNow);
  };
  if (stop.drain.aborted) onDrain();
  else stop.drain.addEventListener("abort", onDrain, { once: true });
  try {
    await agent.run(signal);
  } finally {
    stop.drain.removeEventListener("abort", onDrain);
    stop.cancel.removeEventListener("abort", cancelNow);
    await local?.close();
    await agent.close();
    await server?.close();
  }
}
