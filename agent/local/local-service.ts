/** The AgentLocalService handlers: status, job logs and exec, over the agent's own executor and disk. */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import {
  AgentLocalService,
  ExecResponseSchema,
  GetStatusResponseSchema,
  StreamLogsResponseSchema,
} from "../../gen/agentlocal/v1/agent_local_pb.js";
import type { Executor, StorageLayout } from "../../runtime-drivers/index.js";
import type { Logger } from "../logger.js";
import type { AuditLog } from "./audit-log.js";
import { ExecRefusedError, execSession } from "./exec-session.js";
import { jobLogs, UnknownJobError } from "./job-logs.js";

export interface AgentLocalStatus {
  readonly backend: string;
  readonly agentId: string;
  readonly version: string;
  readonly controllerUrl: string;
  readonly connectionState: string;
  readonly tasksInHand: readonly string[];
  readonly outboxDepth: number;
  readonly startedAtSeconds: number;
}

export interface AgentLocalDeps {
  readonly executor: Executor;
  readonly storage: StorageLayout;
  readonly execEnabled: boolean;
  readonly audit: AuditLog;
  readonly log: Logger;
  /** Environment for the runtime CLI that exec runs (the agent's own). */
  readonly env: Readonly<Record<string, string>>;
  readonly status: () => AgentLocalStatus;
}

const JOB_ID = /^[a-z2-7]{16}$/;

function checkJobId(jobId: string): void {
  if (!JOB_ID.test(jobId))
    throw new ConnectError(`'${jobId}' is not a job id (16 characters, a-z and 2-7)`, Code.InvalidArgument);
}

export function agentLocalService(deps: AgentLocalDeps): ServiceImpl<typeof AgentLocalService> {
  return {
    getStatus() {
      const status = deps.status();
      return create(GetStatusResponseSchema, {
        backend: status.backend,
        agentId: status.agentId,
        version: status.version,
        driver: deps.executor.driver,
        connectionState: status.connectionState,
        controllerUrl: status.controllerUrl,
        tasksInHand: [...status.tasksInHand],
        outboxDepth: status.outboxDepth,
        execEnabled: deps.execEnabled,
        startedAt: BigInt(status.startedAtSeconds),
      });
    },

    async *streamLogs(request, context) {
      checkJobId(request.jobId);
      try {
        for await (const chunk of jobLogs(deps.executor, deps.storage, request.jobId, request.follow, context.signal)) {
          yield create(StreamLogsResponseSchema, { data: chunk.data, source: chunk.source });
        }
      } catch (error) {
        if (error instanceof UnknownJobError) throw new ConnectError(error.message, Code.NotFound);
        throw error;
      }
    },

    async *exec(requests, context) {
      if (!deps.execEnabled) {
        throw new ConnectError(
          "exec is turned off on this agent (set local.exec_enabled: true in its config)",
          Code.PermissionDenied,
        );
      }
      try {
        const session = execSession(
          requests,
          { executor: deps.executor, audit: deps.audit, log: deps.log, env: deps.env },
          context.signal,
        );
        for await (const message of session) yield create(ExecResponseSchema, { message });
      } catch (error) {
        if (error instanceof ExecRefusedError) throw new ConnectError(error.message, Code.FailedPrecondition);
        throw error;
      }
    },
  };
}
