/**
 * The backend an agent's client certificate names. With mTLS on, a certificate signed by the
 * controller's client CA is the agent's first factor: its subject CN (or a `DNS:` / `URI:rap:backend:`
 * subject alternative name) is the backend it may serve; the agent token remains the second factor.
 */
import type { TLSSocket } from "node:tls";
import { createContextKey } from "@connectrpc/connect";
import type { NodeRequest } from "../rest/http-io.js";

export type PeerCertificate =
  /** Plain HTTP or TLS without client CA: certificates are not part of the agents' authentication. */
  | { readonly kind: "not-required" }
  | { readonly kind: "missing" }
  | { readonly kind: "untrusted"; readonly reason: string }
  | { readonly kind: "trusted"; readonly backends: readonly string[] };

export const peerCertificateKey = createContextKey<PeerCertificate>({ kind: "missing" }, { description: "peer certificate" });

function tlsSocketOf(request: NodeRequest): TLSSocket | undefined {
  // HTTP/2 requests reach the socket through their session; HTTP/1.1 requests hold it directly.
  // (The session's socket is a proxy, which `in` does not see through; reading the property does.)
  const socket = ("stream" in request ? request.stream.session?.socket : request.socket) as Partial<TLSSocket> | undefined;
  return typeof socket?.getPeerCertificate === "function" ? (socket as TLSSocket) : undefined;
}

/** Names a certificate gives: its CN, DNS names, and `URI:rap:backend:<slug>` names. */
function namesOf(certificate: { subject?: { CN?: string | string[] }; subjectaltname?: string }): string[] {
  const cn = certificate.subject?.CN;
  const names = cn === undefined ? [] : Array.isArray(cn) ? [...cn] : [cn];
  for (const entry of (certificate.subjectaltname ?? "").split(",").map((item) => item.trim())) {
    if (entry.startsWith("DNS:")) names.push(entry.slice("DNS:".length));
    if (entry.startsWith("URI:rap:backend:")) names.push(entry.slice("URI:rap:backend:".length));
  }
  return names;
}

export function peerCertificateOf(request: NodeRequest, mtls: boolean): PeerCertificate {
  if (!mtls) return { kind: "not-required" };
  const socket = tlsSocketOf(request);
  if (!socket) return { kind: "missing" };
  const certificate = socket.getPeerCertificate();
  if (!certificate || Object.keys(certificate).length === 0) return { kind: "missing" };
  if (!socket.authorized)
    return { kind: "untrusted", reason: String(socket.authorizationError ?? "not signed by the client CA") };
  return { kind: "trusted", backends: namesOf(certificate) };
}
