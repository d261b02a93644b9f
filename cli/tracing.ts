/**
 * Builds a service's tracer provider from its TracingConfig: OTLP over HTTP (protobuf or JSON) with
 * a batching processor, and/or the console exporter. Built per service (the all-in-one mode runs
 * two), never registered globally: each service is handed its provider.
 */
import { OTLPTraceExporter as OtlpJsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as OtlpProtoExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type IdGenerator,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { JobSpanIds } from "../controller/telemetry/job-span-ids.js";
import { loadTracingConfig, type TracingConfig } from "./tracing-config.js";

export interface ServiceTracing {
  readonly provider: BasicTracerProvider;
  /** Sends what is still batched, then stops. */
  shutdown(): Promise<void>;
}

export function startTracing(
  config: TracingConfig,
  service: { readonly name: "controller" | "agent"; readonly backend: string; readonly version: string },
  idGenerator?: IdGenerator,
): ServiceTracing {
  const processors: SpanProcessor[] = [];
  if (config.url !== undefined) {
    const options = { url: config.url, headers: { ...config.headers } };
    const exporter = config.protocol === "http/json" ? new OtlpJsonExporter(options) : new OtlpProtoExporter(options);
    processors.push(new BatchSpanProcessor(exporter));
  }
  if (config.console) processors.push(new SimpleSpanProcessor(new ConsoleSpanExporter()));
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      ...config.resourceAttributes,
      "service.name": config.serviceName,
      "service.namespace": service.backend,
      "service.version": service.version,
      "rap.service": service.name,
      "rap.backend": service.backend,
    }),
    ...(idGenerator ? { idGenerator } : {}),
    spanProcessors: processors,
  });
  return { provider, shutdown: () => provider.shutdown() };
}

/** The controller's tracing, when OTEL_* asks for it (its provider keeps JOB spans' stored ids). */
export function controllerTracing(
  env: Readonly<Record<string, string | undefined>>,
  controller: { readonly version: string },
): (ServiceTracing & { readonly ids: JobSpanIds; readonly secrets: string[] }) | undefined {
  const config = loadTracingConfig(env, "rap-controller");
  if (!config) return undefined;
  const ids = new JobSpanIds();
  return {
    ...startTracing(config, { name: "controller", backend: "unknown", version: controller.version }, ids),
    ids,
    secrets: Object.values(config.headers),
  };
}

/** An agent's tracing, when OTEL_* asks for it. */
export function agentTracing(
  env: Readonly<Record<string, string | undefined>>,
  agent: { readonly backend: string; readonly version: string },
): (ServiceTracing & { readonly secrets: string[] }) | undefined {
  const config = loadTracingConfig(env, "rap-agent");
  if (!config) return undefined;
  return { ...startTracing(config, { name: "agent", ...agent }), secrets: Object.values(config.headers) };
}
