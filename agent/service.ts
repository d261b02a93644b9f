/** Runs one agent until the signal aborts (used by agent/main.ts and the all-in-one mode). */
import type { TracerProvider } from "@opentelemetry/api";
import type { AgentConfig } from "./config.js";
import { createExecutor } from "./executor-factory.js";
import type { Logger } from "./logger.js";
import { observedAgent } from "./telemetry/agent-telemetry.js";

export async function runAgent(
  config: AgentConfig,
  log: Logger,
  signal: AbortSignal,
  tracerProvider?: TracerProvider,
): Promise<void> {
  const { agent, executor, server } = await observedAgent(config, createExecutor(config, log), log, tracerProvider);
  log.info("agent starting", {
    backend: config.backend,
    agent_id: config.agentId,
    driver: executor.driver,
    controller: config.controllerUrl,
  });
  try {
    await agent.run(signal);
  } finally {
    await agent.close();
    await server?.close();
  }
}
