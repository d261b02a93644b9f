/**
 * OpenTelemetry trace export settings from the standard OTEL_* variables (and upstream's
 * OTEL_EXPORTER_CONSOLE). Off unless an OTLP endpoint (or upstream's headers-only Honeycomb default)
 * or the console exporter is configured. Only OTLP over HTTP: `http/protobuf` (default) and
 * `http/json`.
 */
export interface TracingConfig {
  readonly serviceName: string;
  /** Full URL spans are POSTed to; undefined: no OTLP export. */
  readonly url: string | undefined;
  readonly protocol: "http/protobuf" | "http/json";
  readonly headers: Readonly<Record<string, string>>;
  /** Print spans on stdout as well (OTEL_TRACES_EXPORTER=console or OTEL_EXPORTER_CONSOLE). */
  readonly console: boolean;
  readonly resourceAttributes: Readonly<Record<string, string>>;
}

type Env = Readonly<Record<string, string | undefined>>;

export class TracingConfigError extends Error {
  override readonly name = "TracingConfigError";
}

/** `k=v,k2=v2` as the OTel spec writes header and resource lists (values percent-decoded). */
function keyValues(value: string | undefined, name: string): Record<string, string> {
  const result: Record<string, string> = {};
  // Upstream strips quotes an env file may have left around the whole value.
  const text = (value ?? "").trim().replace(/^["']|["']$/g, "");
  for (const item of text.split(",")) {
    if (item.trim() === "") continue;
    const at = item.indexOf("=");
    if (at <= 0) throw new TracingConfigError(`${name}: '${item.trim()}' is not key=value`);
    result[decodeURIComponent(item.slice(0, at).trim())] = decodeURIComponent(item.slice(at + 1).trim());
  }
  return result;
}

function tracesUrl(env: Env): string | undefined {
  const specific = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (specific) return specific;
  let base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  // Upstream's default: headers alone mean Honeycomb.
  if (!base && env.OTEL_EXPORTER_OTLP_HEADERS?.trim()) base = "https://api.honeycomb.io";
  if (!base) return undefined;
  return `${base.replace(/\/+$/, "")}/v1/traces`;
}

export function loadTracingConfig(env: Env, defaultServiceName: string): TracingConfig | undefined {
  if ((env.OTEL_SDK_DISABLED ?? "").trim().toLowerCase() === "true") return undefined;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? "otlp")
    .split(",")
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== "");
  if (exporters.includes("none")) return undefined;
  for (const name of exporters) {
    if (name !== "otlp" && name !== "console")
      throw new TracingConfigError(`OTEL_TRACES_EXPORTER: '${name}' is not supported (otlp, console, none)`);
  }
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? "http/protobuf").trim();
  if (protocol !== "http/protobuf" && protocol !== "http/json") {
    throw new TracingConfigError(`OTEL_EXPORTER_OTLP_PROTOCOL: '${protocol}' is not supported; use http/protobuf or http/json`);
  }
  const url = exporters.includes("otlp") ? tracesUrl(env) : undefined;
  const consoleOn = exporters.includes("console") || env.OTEL_EXPORTER_CONSOLE !== undefined;
  if (url === undefined && !consoleOn) return undefined;
  return {
    serviceName: env.OTEL_SERVICE_NAME?.trim() || defaultServiceName,
    url,
    protocol,
    headers: keyValues(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS ?? env.OTEL_EXPORTER_OTLP_HEADERS, "OTEL_EXPORTER_OTLP_HEADERS"),
    console: consoleOn,
    resourceAttributes: keyValues(env.OTEL_RESOURCE_ATTRIBUTES, "OTEL_RESOURCE_ATTRIBUTES"),
  };
}
