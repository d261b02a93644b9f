/** Runs one agent until the signal aborts (used by `rap agent` and `rap all-in-one`, cli/commands/service-commands.ts). */
import type { TracerProvider } from "@opentelemetry/api";
import type { AgentConfig } from "./config.js";
import { createExecutor } from "./executor-factory.js";
import { serveAgentLocal } from "./local/serve-agent-local.js";
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
  try {
    await agent.run(signal);
  } finally {
    await local?.close();
    await agent.close();
    await server?.close();
  }
}
