/** The browser's Connect client for DashboardService: JSON over the page's own origin, cookie-authenticated. */
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { DashboardService } from "../../gen/dashboard/v1/dashboard_pb.js";

export const dashboard = createClient(
  DashboardService,
  createConnectTransport({ baseUrl: window.location.origin, useBinaryFormat: false }),
);

/** POST /dashboard/login; resolves to an error message, or undefined on success. */
export async function logIn(token: string): Promise<string | undefined> {
  const response = await fetch("/dashboard/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token }),
  });
  if (response.ok) return undefined;
  const body = (await response.json().catch(() => ({}))) as { error?: string };
  return body.error ?? `login failed (${response.status})`;
}

export async function logOut(): Promise<void> {
  await fetch("/dashboard/logout", { method: "POST" });
}
