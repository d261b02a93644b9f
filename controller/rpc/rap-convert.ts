/**
 * RAP API results (upstream's JSON shapes) as rap.v1 messages. Only shapes change here: the values
 * are those the REST gateway sends, so the two faces report the same jobs.
 */
import type { JsonObject, JsonValue, MessageInitShape } from "@bufbuild/protobuf";
import type { JobSchema } from "../../gen/rap/v1/rap_pb.js";
import type { ApiJob } from "../rap/jobs-status.js";

function isJsonValue(value: unknown): value is JsonValue {
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isJsonValue);
  if (typeof value === "object") return Object.values(value).every(isJsonValue);
  return false;
}

/** Agent metrics as a google.protobuf.Struct; anything a Struct cannot hold becomes `{}`. */
function metricsStruct(metrics: Record<string, unknown>): JsonObject {
  return isJsonValue(metrics) && metrics !== null && typeof metrics === "object" && !Array.isArray(metrics) ? metrics : {};
}

export function jobToProto(job: ApiJob): MessageInitShape<typeof JobSchema> {
  return {
    identifier: job.identifier,
    rapId: job.rap_id,
    backend: job.backend,
    action: job.action,
    runCommand: job.run_command,
    status: job.status,
    statusCode: job.status_code,
    statusMessage: job.status_message,
    createdAt: job.created_at,
    updatedAt: job.updated_at ?? undefined,
    startedAt: job.started_at ?? undefined,
    completedAt: job.completed_at ?? undefined,
    traceContext: job.trace_context,
    metrics: metricsStruct(job.metrics),
    requiresDb: job.requires_db,
  };
}
