/**
 * The `endpoint` label of an HTTP request: a RAP REST path, an RPC of one of our services
 * (`/pkg.v1.Service/Method`), one of the controller's own pages, or `other`. Never the raw URL, so a
 * client cannot create series at will.
 */
const KNOWN_PATHS = new Set([
  "/",
  "/controller/v1/backend/status/",
  "/controller/v1/rap/create/",
  "/controller/v1/rap/cancel/",
  "/controller/v1/rap/status/",
  "/controller/v1/spec.json",
  "/controller/v1/docs/",
  "/metrics",
  "/healthz",
  "/readyz",
]);
const RPC_PATH =
  /^\/(?:rap|agent|admin|dashboard)\.v1\.[A-Z][A-Za-z]*Service\/[A-Z][A-Za-z]*$|^\/grpc\.reflection\.v1(?:alpha)?\.ServerReflection\/ServerReflectionInfo$/;

export function apiEndpoint(url: string | undefined): string {
  const path = (url ?? "").split("?")[0] ?? "";
  if (KNOWN_PATHS.has(path) || RPC_PATH.test(path)) return path;
  if (path === "/dashboard" || path.startsWith("/dashboard/")) return "/dashboard";
  return "other";
}
