/**
 * What every admin subcommand shares: the terminal it talks to and the AdminService client, built
 * from RAP_CONTROLLER_URL and RAP_ADMIN_TOKEN only when a command actually calls the controller.
 */
import { type DescMessage, type MessageShape, toJson } from "@bufbuild/protobuf";
import { type Client, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AdminService } from "../../gen/admin/v1/admin_pb.js";
import type { CliIo, CliRuntime } from "../cli-runtime.js";
import { loadAdminCliConfig } from "../config.js";
import { secondsIso } from "./format.js";

export type AdminClient = Client<typeof AdminService>;

export interface AdminCommandContext {
  readonly client: AdminClient;
  readonly io: CliIo;
  readonly now: () => Date;
  readonly sleep: CliRuntime["sleep"];
  /** Headers for every call: the admin token, when one is configured. */
  readonly callOptions: { readonly headers: Record<string, string> };
}

export function adminContext(runtime: CliRuntime): AdminCommandContext {
  const config = loadAdminCliConfig(runtime.env);
  // gRPC over HTTP/2 without compression: a local or LAN link, where gzip only costs time.
  const transport = createGrpcTransport({ baseUrl: config.controllerUrl, acceptCompression: [] });
  return {
    client: createClient(AdminService, transport),
    io: runtime.io,
    now: runtime.now,
    sleep: (ms, signal) => runtime.sleep(ms, signal),
    callOptions: { headers: config.adminToken === undefined ? {} : { authorization: config.adminToken } },
  };
}

/** Times held as Unix seconds (`createdAt: "1740823510"`) rewritten as ISO 8601, everywhere in a value. */
function isoTimes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(isoTimes);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, item]) => [
      key,
      key.endsWith("At") && typeof item === "string" && /^\d+$/.test(item) ? secondsIso(BigInt(item)) : isoTimes(item),
    ]),
  );
}

/**
 * The response in protobuf's canonical JSON (what grpcurl and `buf curl` print), except that times
 * are ISO 8601 throughout (Timestamps already are; int64 seconds become `2025-03-01T10:05:10Z`).
 */
export function printJson<Desc extends DescMessage>(io: CliIo, schema: Desc, message: MessageShape<Desc>): void {
  io.stdout(`${JSON.stringify(isoTimes(toJson(schema, message)), null, 2)}\n`);
}
