/** A Connect client of the agent's local service over its unix socket (HTTP/2 without TLS). */
import net from "node:net";
import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AgentLocalService } from "../../gen/agentlocal/v1/agent_local_pb.js";

export type AgentLocalClient = Client<typeof AgentLocalService>;

export function agentLocalClient(socketPath: string): AgentLocalClient {
  const transport = createGrpcTransport({
    // The authority is only a label here: every connection goes to the socket.
    baseUrl: "http://agent.local",
    nodeOptions: { createConnection: () => net.connect(socketPath) },
    // Local link: compression costs more than it saves.
    acceptCompression: [],
  });
  return createClient(AgentLocalService, transport);
}
