/** Domain objects to the dashboard's messages: what a person may see of backends and jobs (no outputs, no paths). */
import { create } from "@bufbuild/protobuf";
import { BackendSchema, JobSchema, type Backend, type Job as DashboardJob } from "../../gen/dashboard/v1/dashboard_pb.js";
import type { AgentConnection } from "../agents/agent-connection.js";
import type { Job } from "../jobs/job.js";
import type { FlagStore } from "../store/flag-store.js";

const ms = (seconds: number | null) => BigInt(seconds === null ? 0 : Math.round(seconds * 1000));

export function dashboardJob(job: Job): DashboardJob {
  return create(JobSchema, {
    id: job.id,
    rapId: job.rapId,
    backend: job.backend,
    workspace: job.workspace,
    action: job.action,
    state: job.state,
    statusCode: job.statusCode,
    statusMessage: job.statusMessage,
    createdAtUnixMs: ms(job.createdAt),
    updatedAtUnixMs: ms(job.updatedAt),
    startedAtUnixMs: ms(job.startedAt),
    completedAtUnixMs: ms(job.completedAt),
    statusCodeUpdatedAtUnixMs: BigInt(job.statusCodeUpdatedAtMs),
    user: job.user,
    requiresDb: job.requiresDb,
  });
}

export function dashboardBackend(slug: string, flags: FlagStore, session: AgentConnection | undefined): Backend {
  const flag = (id: string) => flags.get(slug, id);
  const maintenance = flag("mode")?.value === "db-maintenance";
  const lastSeen = session && !session.isClosed ? session.lastSeenMs : (flag("last-seen-at")?.timestamp ?? 0) * 1000;
  return create(BackendSchema, {
    slug,
    paused: flag("paused")?.value === "true",
    pausedSinceUnixMs: ms(flag("paused")?.timestamp ?? null),
    dbMaintenance: maintenance,
    dbMaintenanceType: maintenance ? (flag("manual-db-maintenance")?.value === "on" ? "manual" : "scheduled") : "",
    dbMaintenanceSinceUnixMs: ms(flag("mode")?.timestamp ?? null),
    agent: {
      connected: session !== undefined && !session.isClosed,
      agentId: session?.identity.agentId ?? "",
      version: session?.identity.version ?? "",
      driver: session?.identity.driver ?? "",
      connectedSinceUnixMs: BigInt(session?.identity.connectedAtMs ?? 0),
    },
    lastSeenUnixMs: BigInt(Math.round(lastSeen)),
  });
}

/** The dashboard's text filter: a substring of the workspace, action, job id or RAP id. */
export function matchesText(job: Job, text: string): boolean {
  if (text === "") return true;
  const needle = text.toLowerCase();
  return [job.workspace, job.action, job.id, job.rapId].some((value) => value.toLowerCase().includes(needle));
}
