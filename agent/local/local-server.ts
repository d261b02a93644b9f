/**
 * Serves AgentLocalService on a unix socket (h2c), reachable only on the backend host. The socket
 * is created with owner-only permissions (umask-independent: its folder is made 0700 when we make
 * it, and the socket is chmod 0600 before the server is announced); a stale socket left by a killed
 * agent is replaced, a live one (another agent answering) is an error.
 */
import { chmodSync, existsSync, mkdirSync, rmSync } from "node:fs";
import http2 from "node:http2";
import net from "node:net";
import path from "node:path";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { AgentLocalService } from "../../gen/agentlocal/v1/agent_local_pb.js";
import { agentLocalService, type AgentLocalDeps } from "./local-service.js";

export interface LocalServer {
  readonly socketPath: string;
  close(): Promise<void>;
}

async function answers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(socketPath);
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => resolve(false));
  });
}

export async function startLocalServer(socketPath: string, deps: AgentLocalDeps): Promise<LocalServer> {
  const dir = path.dirname(socketPath);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (existsSync(socketPath)) {
    if (await answers(socketPath)) throw new Error(`another process is serving ${socketPath}`);
    rmSync(socketPath, { force: true });
  }
  const handler = connectNodeAdapter({ routes: (router) => router.service(AgentLocalService, agentLocalService(deps)) });
  const server = http2.createServer(handler);
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, () => {
      server.off("error", reject);
      resolve();
    });
  });
  chmodSync(socketPath, 0o600);
  return {
    socketPath,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.close();
      // Streams still open (a `rap logs -f`, an exec) are cut: the agent is going away.
      const cut = setTimeout(() => {
        for (const session of sessions) session.destroy();
      }, 2_000);
      cut.unref();
      await closed;
      clearTimeout(cut);
      rmSync(socketPath, { force: true });
    },
  };
}
