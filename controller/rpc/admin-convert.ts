/** Domain objects to admin.v1 messages: the only place the admin face knows protobuf shapes. */
import { create } from "@bufbuild/protobuf";
import { type Timestamp, TimestampSchema } from "@bufbuild/protobuf/wkt";
import {
  type AdminJob,
  AdminJobSchema,
  AdminOutputSchema,
  type AdminTask,
  AdminTaskSchema,
  type BackendAgentPresence,
  BackendAgentPresenceSchema,
  type ConnectedAgent,
  ConnectedAgentSchema,
  type Flag,
  FlagSchema,
  type RebootStatus as ProtoRebootStatus,
  RebootStatusSchema,
  type StatusChange as ProtoStatusChange,
  StatusChangeSchema,
} from "../../gen/admin/v1/admin_pb.js";
import type { StatusChange } from "../store/job-store.js";
import type { BackendPresenceView, ConnectedAgentView } from "../admin/connected-agents.js";
import type { FlagView } from "../admin/flag-operations.js";
import { rebootReport, type RebootStatus } from "../admin/reboot.js";
import type { Job, Task } from "../jobs/job.js";

/** Float unix seconds to a Timestamp, keeping microseconds (flag times are stored that finely). */
export function timestampFromSeconds(seconds: number): Timestamp {
  const micros = Math.round(seconds * 1e6);
  return create(TimestampSchema, { seconds: BigInt(Math.floor(micros / 1e6)), nanos: (micros % 1e6) * 1000 });
}

export function adminJob(job: Job): AdminJob {
  return create(AdminJobSchema, {
    id: job.id,
    rapId: job.rapId,
    backend: job.backend,
    workspace: job.workspace,
    action: job.action,
    state: job.state,
    statusCode: job.statusCode,
    statusMessage: job.statusMessage,
    runCommand: job.runCommand,
    repoUrl: job.repoUrl,
    commit: job.commit,
    requiresDb: job.requiresDb,
    cancelled: job.cancelled,
    createdAt: BigInt(job.createdAt),
    updatedAt: BigInt(job.updatedAt),
    startedAt: BigInt(job.startedAt ?? 0),
    completedAt: BigInt(job.completedAt ?? 0),
    waitForJobIds: [...job.waitForJobIds],
    outputs: Object.entries(job.outputSpec).flatMap(([privacyLevel, outputs]) =>
      Object.entries(outputs).map(([name, pattern]) => create(AdminOutputSchema, { privacyLevel, name, pattern })),
    ),
    branch: job.branch,
    databaseName: job.databaseName,
  });
}

export function adminTask(task: Task): AdminTask {
  return create(AdminTaskSchema, {
    id: task.id,
    type: task.type,
    active: task.active,
    agentStage: task.agentStage ?? "",
    agentComplete: task.agentComplete,
    createdAt: BigInt(task.createdAt),
    finishedAt: BigInt(task.finishedAt ?? 0),
    lastSeq: BigInt(task.lastSeq),
    outcome: task.agentResult?.outcome ?? "",
    exitCode: task.agentResult?.exitCode ?? undefined,
    errorType: task.agentResult?.error?.type ?? "",
    errorMessage: task.agentResult?.error?.message ?? "",
    resultMessage: task.agentResult?.statusMessage ?? "",
  });
}

export function adminStatusChange(change: StatusChange): ProtoStatusChange {
  return create(StatusChangeSchema, {
    statusCode: change.statusCode,
    statusMessage: change.statusMessage,
    at: timestampFromSeconds(change.atMs / 1000),
  });
}

export function adminFlag(flag: FlagView): Flag {
  return create(FlagSchema, {
    backend: flag.backend,
    id: flag.id,
    value: flag.value ?? undefined,
    changedAt: flag.timestamp === null ? undefined : timestampFromSeconds(flag.timestamp),
  });
}

export function adminRebootStatus(status: RebootStatus): ProtoRebootStatus {
  return create(RebootStatusSchema, { ...status, report: rebootReport(status) });
}

export function adminBackendPresence(view: BackendPresenceView): BackendAgentPresence {
  return create(BackendAgentPresenceSchema, {
    backend: view.backend,
    connected: view.connected,
    lastSeenAt: view.lastSeenSeconds === undefined ? undefined : timestampFromSeconds(view.lastSeenSeconds),
    absentSince: view.absentSinceMs === undefined ? undefined : timestampFromSeconds(view.absentSinceMs / 1000),
    absentTooLong: view.absentTooLong,
    standbyAgentId: view.standby?.agentId ?? "",
    standbyLastRefusedAt: view.standby ? timestampFromSeconds(view.standby.lastRefusedMs / 1000) : undefined,
  });
}

export function adminAgent(agent: ConnectedAgentView): ConnectedAgent {
  return create(ConnectedAgentSchema, {
    backend: agent.backend,
    agentId: agent.agentId,
    version: agent.version,
    driver: agent.driver,
    sessionId: agent.sessionId,
    connectedAt: timestampFromSeconds(agent.connectedAtMs / 1000),
    lastSeenAt: timestampFromSeconds(agent.lastSeenMs / 1000),
    inFlightAtConnect: [...agent.inFlightAtConnect],
    activeTaskIds: [...agent.activeTaskIds],
  });
}
