/**
 * The services' loggers, built from their configuration: level, format (JSON unless stderr is a
 * terminal and LOG_FORMAT says nothing) and every configured secret to mask (also the OTLP
 * exporter's headers, which usually hold an API key).
 */
import type { AgentConfig } from "../agent/config.js";
import { agentSecrets } from "../agent/log-secrets.js";
import { createAgentLogger, type Logger as AgentLogger } from "../agent/logger.js";
import type { ControllerConfig } from "../controller/config.js";
import { controllerSecrets } from "../controller/log-secrets.js";
import { createLogger, type Logger } from "../controller/logger.js";

function defaultFormat(format: "json" | "pretty" | undefined): "json" | "pretty" {
  return format ?? (process.stderr.isTTY ? "pretty" : "json");
}

export function controllerLogger(config: ControllerConfig, fields: Record<string, unknown>, moreSecrets: string[] = []): Logger {
  return createLogger(
    { level: config.logLevel, format: defaultFormat(config.logFormat), secrets: [...controllerSecrets(config), ...moreSecrets] },
    { service: "controller", ...fields },
  );
}

export function agentLogger(config: AgentConfig, fields: Record<string, unknown>, moreSecrets: string[] = []): AgentLogger {
  return createAgentLogger(config.logLevel, { service: "agent", ...fields }, undefined, {
    format: defaultFormat(config.logFormat),
    secrets: [...agentSecrets(config), ...moreSecrets],
  });
}
