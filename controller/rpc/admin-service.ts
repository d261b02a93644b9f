/**
 * admin.v1.AdminService for backend operators. Every call needs the admin token (RAP_ADMIN_TOKEN),
 * which is separate from client and agent tokens; refused calls are logged.
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { type AdminService, AdminJobSchema, GetJobResponseSchema, ListJobsResponseSchema } from "../../gen/admin/v1/admin_pb.js";
import type { ControllerDeps } from "../deps.js";
import type { Job } from "../jobs/job.js";
import { tokenFromHeader, tokensEqual } from "./token.js";

function requireAdmin(deps: ControllerDeps, context: HandlerContext): void {
  const expected = deps.config.adminToken;
  const token = tokenFromHeader(context.requestHeader.get("authorization"));
  if (token === undefined) {
    deps.log.warn("admin call refused: no token", { method: context.method.name });
    throw new ConnectError("admin token required", Code.Unauthenticated);
  }
  if (expected === undefined || !tokensEqual(token, expected)) {
    deps.log.warn("admin call refused: wrong token", { method: context.method.name });
    throw new ConnectError("this token may not call AdminService", Code.PermissionDenied);
  }
}

function adminJob(job: Job) {
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
  });
}

export function adminService(deps: ControllerDeps): ServiceImpl<typeof AdminService> {
  return {
    listJobs(request, context) {
      requireAdmin(deps, context);
      const limit = Math.min(request.limit || 100, 1000);
      const jobs = deps.jobs.list({ backend: request.backend, rapId: request.rapId, workspace: request.workspace, state: request.state, limit });
      return create(ListJobsResponseSchema, { jobs: jobs.map(adminJob) });
    },
    getJob(request, context) {
      requireAdmin(deps, context);
      const job = deps.jobs.get(request.id);
      if (!job) throw new ConnectError(`no job with id '${request.id}'`, Code.NotFound);
      const tasks = [...deps.tasks.forJob(job.id, "runjob"), ...deps.tasks.forJob(job.id, "canceljob")];
      return create(GetJobResponseSchema, {
        job: adminJob(job),
        tasks: tasks.map((task) => ({
          id: task.id,
          type: task.type,
          active: task.active,
          agentStage: task.agentStage ?? "",
          agentComplete: task.agentComplete,
          createdAt: BigInt(task.createdAt),
          finishedAt: BigInt(task.finishedAt ?? 0),
          lastSeq: BigInt(task.lastSeq),
        })),
      });
    },
  };
}
