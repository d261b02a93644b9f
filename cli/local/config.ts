/**
 * Where `rap logs`, `rap exec` and `rap agent status` find the agent's local socket: `--socket`,
 * else RAP_AGENT_SOCKET (or the agent's own AGENT_LOCAL_SOCKET), else the agent config file named
 * by AGENT_CONFIG (`local.socket`, or `<workdir>/agent.sock`). Also who is asking, for the audit log.
 */
import { userInfo } from "node:os";
import path from "node:path";
import { readAgentConfigFile } from "../../agent/config.js";

type Env = Readonly<Record<string, string | undefined>>;

export interface LocalClientConfig {
  readonly socketPath: string | undefined;
  /** The operator as the OS knows them (SUDO_USER first: `sudo rap exec` is audited as the person). */
  readonly user: string;
  readonly term: string;
  readonly noColour: boolean;
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function socketFromAgentConfig(file: string | undefined): string | undefined {
  if (!file) return undefined;
  const parsed = readAgentConfigFile(file);
  const socket = record(parsed.local).socket;
  if (typeof socket === "string" && socket !== "") return path.resolve(socket);
  const workdir = parsed.workdir;
  return typeof workdir === "string" && workdir !== "" ? path.resolve(workdir, "agent.sock") : undefined;
}

export function loadLocalClientConfig(env: Env = process.env): LocalClientConfig {
  let osUser = "unknown";
  try {
    osUser = userInfo().username;
  } catch {
    // No passwd entry (a container); the uid is still recorded by the socket's permissions.
  }
  return {
    socketPath: env.RAP_AGENT_SOCKET || env.AGENT_LOCAL_SOCKET || socketFromAgentConfig(env.AGENT_CONFIG),
    user: env.SUDO_USER ? `${env.SUDO_USER} (via sudo as ${osUser})` : osUser,
    term: env.TERM || "xterm-256color",
    noColour: env.NO_COLOR !== undefined && env.NO_COLOR !== "",
  };
}
