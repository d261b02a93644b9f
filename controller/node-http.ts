/**
 * Node's HTTP/1.1 or HTTP/2 request and response, as connect-node hands them to a fallback handler.
 * Shared by the REST face, the dashboard and the HTTP metrics, so none of them imports another for it.
 */
import type { ConnectNodeAdapterOptions } from "@connectrpc/connect-node";

type Fallback = NonNullable<ConnectNodeAdapterOptions["fallback"]>;
export type NodeRequest = Parameters<Fallback>[0];
export type NodeResponse = Parameters<Fallback>[1];
