/**
 * admin.v1.AdminService for backend operators (grpcurl, `buf curl`, the `rap` CLI). Each handler
 * checks the admin token, calls one operation of controller/admin/, and maps refusals to gRPC
 * codes: bad input InvalidArgument, unknown job NotFound, wrong state FailedPrecondition.
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import {
  AddJobResponseSchema,
  type AdminService,
  CancelJobResponseSchema,
  GetFlagsResponseSchema,
  GetJobResponseSchema,
  GetRebootStatusResponseSchema,
  KillJobResponseSchema,
  ListAgentsResponseSchema,
  ListJobsResponseSchema,
  PrepareForRebootResponseSchema,
  SetDbMaintenanceResponseSchema,
  SetFlagsResponseSchema,
  SetPausedResponseSchema,
} from "../../gen/admin/v1/admin_pb.js";
import { addJob } from "../admin/add-job.js";
import { AdminError, type AdminErrorKind } from "../admin/admin-errors.js";
import { backendPresence, connectedAgents } from "../admin/connected-agents.js";
import { getFlags, setDbMaintenance, setFlags, setPaused } from "../admin/flag-operations.js";
import { cancelJobAsAdmin, killJob } from "../admin/job-controls.js";
import { prepareForReboot, rebootStatus } from "../admin/reboot.js";
import type { SessionRegistry } from "../agents/session-registry.js";
import type { ControllerDeps } from "../deps.js";
import { UserActionableError } from "../jobs/errors.js";
import type { ChangeSink } from "../scheduling/job-transitions.js";
import { requireAdmin } from "../auth/admin-auth.js";
import {
  adminAgent,
  adminBackendPresence,
  adminFlag,
  adminJob,
  adminRebootStatus,
  adminStatusChange,
  adminTask,
} from "./admin-convert.js";

export interface AdminServiceParts {
  readonly sessions: SessionRegistry;
  /** The scheduler's sink: kill and reboot push CANCELJOB tasks to agents through it. */
  readonly sink: ChangeSink;
}

const CODES: Readonly<Record<AdminErrorKind, Code>> = {
  invalid_argument: Code.InvalidArgument,
  not_found: Code.NotFound,
  failed_precondition: Code.FailedPrecondition,
};

function toConnectError(error: unknown): unknown {
  if (error instanceof AdminError) return new ConnectError(error.message, CODES[error.kind]);
  if (error instanceof UserActionableError) return new ConnectError(error.message, Code.InvalidArgument);
  return error;
}

/** Checks the token, then runs the operation with refusals mapped to gRPC codes. */
async function guarded<T>(deps: ControllerDeps, context: HandlerContext, operation: () => T | Promise<T>): Promise<T> {
  requireAdmin(deps, context);
  try {
    return await operation();
  } catch (error) {
    throw toConnectError(error);
  }
}

export function adminService(deps: ControllerDeps, parts: AdminServiceParts): ServiceImpl<typeof AdminService> {
  const { sessions, sink } = parts;
  return {
    listJobs: (request, context) =>
      guarded(deps, context, () => {
        const limit = Math.min(request.limit || 100, 1000);
        const { backend, rapId, workspace, state, action, statusCode } = request;
        const jobs = deps.jobs.list({ backend, rapId, workspace, state, action, statusCode, limit });
        return create(ListJobsResponseSchema, { jobs: jobs.map(adminJob) });
      }),
    getJob: (request, context) =>
      guarded(deps, context, () => {
        const job = deps.jobs.get(request.id);
        if (!job) throw new AdminError("not_found", `no job with id '${request.id}'`);
        // By id: each attempt followed by its cancel task (-001, -001-cancel, -002, …).
        const tasks = [...deps.tasks.forJob(job.id, "runjob"), ...deps.tasks.forJob(job.id, "canceljob")].sort((a, b) =>
          a.id < b.id ? -1 : 1,
        );
        return create(GetJobResponseSchema, {
          job: adminJob(job),
          tasks: tasks.map(adminTask),
          history: deps.jobs.history(job.id).map(adminStatusChange),
        });
      }),
    cancelJob: (request, context) =>
      guarded(deps, context, () => create(CancelJobResponseSchema, { job: adminJob(cancelJobAsAdmin(deps, request.id)) })),
    killJob: (request, context) =>
      guarded(deps, context, () => create(KillJobResponseSchema, { job: adminJob(killJob(deps, sink, request.id)) })),
    addJob: (request, context) =>
      guarded(deps, context, async () => {
        const result = await addJob(deps, request);
        return create(AddJobResponseSchema, { rapId: result.rapId, commit: result.commit, jobs: result.jobs.map(adminJob) });
      }),
    setPaused: (request, context) =>
      guarded(deps, context, () =>
        create(SetPausedResponseSchema, { flags: setPaused(deps, request.backend, request.paused).map(adminFlag) }),
      ),
    setDbMaintenance: (request, context) =>
      guarded(deps, context, () =>
        create(SetDbMaintenanceResponseSchema, {
          flags: setDbMaintenance(deps, request.backend, request.on, request.disableChecks).map(adminFlag),
        }),
      ),
    prepareForReboot: (request, context) =>
      guarded(deps, context, () => {
        const reset = prepareForReboot(deps, sink, request.backend);
        return create(PrepareForRebootResponseSchema, {
          resetJobs: reset.map(adminJob),
          status: adminRebootStatus(rebootStatus(deps, request.backend)),
        });
      }),
    getRebootStatus: (request, context) =>
      guarded(deps, context, () =>
        create(GetRebootStatusResponseSchema, { status: adminRebootStatus(rebootStatus(deps, request.backend)) }),
      ),
    getFlags: (request, context) =>
      guarded(deps, context, () =>
        create(GetFlagsResponseSchema, { flags: getFlags(deps, request.backend, request.ids).map(adminFlag) }),
      ),
    setFlags: (request, context) =>
      guarded(deps, context, () =>
        create(SetFlagsResponseSchema, {
          flags: setFlags(
            deps,
            request.backend,
            request.flags.map((flag) => ({ id: flag.id, value: flag.value ?? null })),
          ).map(adminFlag),
        }),
      ),
    listAgents: (request, context) =>
      guarded(deps, context, () =>
        create(ListAgentsResponseSchema, {
          agents: connectedAgents(deps, sessions, request.backend).map(adminAgent),
          backends: backendPresence(deps, sessions, request.backend).map(adminBackendPresence),
        }),
      ),
  };
}
