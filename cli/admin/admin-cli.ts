/**
 * What every admin subcommand shares: the terminal it talks to, the AdminService client, and the
 * exit codes scripts rely on (0 done, 1 refused or failed, 2 usage error).
 */
import { type DescMessage, type MessageShape, toJsonString } from "@bufbuild/protobuf";
import { type Client, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AdminService } from "../../gen/admin/v1/admin_pb.js";
import type { AdminCliConfig } from "../config.js";

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Asks a yes/no question; true only for an explicit yes. */
  confirm(question: string): Promise<boolean>;
}

/** Wrong arguments: the message is printed with the command's usage and the exit code is 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export type AdminClient = Client<typeof AdminService>;

export interface AdminCommandContext {
  readonly client: AdminClient;
  readonly io: CliIo;
  /** Headers for every call: the admin token, when one is configured. */
  readonly callOptions: { readonly headers: Record<string, string> };
}

export function adminContext(config: AdminCliConfig, io: CliIo): AdminCommandContext {
  // gRPC over HTTP/2 without compression: a local or LAN link, where gzip only costs time.
  const transport = createGrpcTransport({ baseUrl: config.controllerUrl, acceptCompression: [] });
  return {
    client: createClient(AdminService, transport),
    io,
    callOptions: { headers: config.adminToken === undefined ? {} : { authorization: config.adminToken } },
  };
}

/** The response in protobuf's canonical JSON (what grpcurl and `buf curl` print too). */
export function printJson<Desc extends DescMessage>(io: CliIo, schema: Desc, message: MessageShape<Desc>): void {
  io.stdout(`${toJsonString(schema, message, { prettySpaces: 2 })}\n`);
}
