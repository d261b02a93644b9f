/** Starts an agent's local service (status, logs, exec) for a running Agent. */
import type { Agent } from "../agent.js";
import type { AgentConfig } from "../config.js";
import type { Executor } from "../../runtime-drivers/index.js";
import type { Logger } from "../logger.js";
import { AuditLog } from "./audit-log.js";
import { startLocalServer, type LocalServer } from "./local-server.js";

export function serveAgentLocal(config: AgentConfig, agent: Agent, executor: Executor, log: Logger): Promise<LocalServer> {
  const startedAtSeconds = Math.floor(Date.now() / 1000);
  return startLocalServer(config.local.socketPath, {
    executor,
    storage: config.storage,
    execEnabled: config.local.execEnabled,
    audit: new AuditLog(config.local.auditLogPath),
    log: log.child({ component: "local" }),
    env: config.childEnv,
    status: () => ({
      backend: config.backend,
      agentId: config.agentId,
      version: config.version,
      controllerUrl: config.controllerUrl,
      connectionState: agent.currentState,
      tasksInHand: agent.inFlight(),
      outboxDepth: agent.outbox.depth(),
      startedAtSeconds,
    }),
  });
}
