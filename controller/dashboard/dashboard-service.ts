/**
 * DashboardService: the read-only view behind the dashboard's login. WatchJobs sends the backends
 * and the matching jobs, then each job change as JobEvents reports it (nothing polls), plus the
 * backends again every few seconds so agent state stays fresh. GetJob adds a job's status history.
 * Every call needs a valid dashboard session cookie; the admin and client tokens are never accepted.
 */
import { Wakeup } from "../../common/wakeup.js";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import {
  GetJobResponseSchema,
  StatusChangeSchema,
  WatchJobsResponseSchema,
  type DashboardService,
  type WatchJobsResponse,
} from "../../gen/dashboard/v1/dashboard_pb.js";
import type { SessionRegistry } from "../agents/session-registry.js";
import type { ControllerDeps } from "../deps.js";
import type { Job } from "../jobs/job.js";
import type { JobEvents } from "../rap/job-events.js";
import type { RenderedJob } from "../rap/rendered-job.js";
import type { JobHistoryStore } from "../store/job-history-store.js";
import { validSession } from "./dashboard-session.js";
import { dashboardBackend, dashboardJob, matchesText } from "./dashboard-view.js";

const BACKENDS_REFRESH_MS = 5000;
const DEFAULT_LIMIT = 200;
const MAX_LIMIT = 2000;
const STATES = new Set(["", "pending", "running", "succeeded", "failed"]);

export interface DashboardDeps {
  readonly deps: ControllerDeps;
  readonly sessions: SessionRegistry;
  readonly events: JobEvents<RenderedJob>;
  readonly history: JobHistoryStore;
}

function requireSession(deps: ControllerDeps, context: HandlerContext): void {
  if (!validSession(context.requestHeader.get("cookie"), deps.config.dashboardToken, deps.clock.nowMs())) {
    throw new ConnectError("log in to the dashboard first", Code.Unauthenticated);
  }
}

function backends(view: DashboardDeps) {
  return view.deps.config.backends.map((backend) =>
    dashboardBackend(backend.slug, view.deps.flags, view.sessions.get(backend.slug)),
  );
}

export function dashboardService(view: DashboardDeps): ServiceImpl<typeof DashboardService> {
  const { deps } = view;
  return {
    async *watchJobs(request, context): AsyncGenerator<WatchJobsResponse> {
      requireSession(deps, context);
      if (!STATES.has(request.state)) throw new ConnectError(`unknown state '${request.state}'`, Code.InvalidArgument);
      const limit = Math.min(request.limit || DEFAULT_LIMIT, MAX_LIMIT);
      const changed = new Map<string, Job>();
      let closed = false;
      const wakeup = new Wakeup();
      // Subscribed before the snapshot is read, so no change can fall between the two.
      const unsubscribe = view.events.subscribe({
        jobsChanged: (rendered) => {
          for (const { job } of rendered) if (!request.backend || job.backend === request.backend) changed.set(job.id, job);
          wakeup.wake();
        },
        closed: () => {
          closed = true;
          wakeup.wake();
        },
      });
      try {
        const candidates = deps.jobs.list({
          backend: request.backend || undefined,
          state: request.state || undefined,
          limit: MAX_LIMIT,
        });
        const jobs = candidates.filter((job) => matchesText(job, request.text)).slice(0, limit);
        yield create(WatchJobsResponseSchema, {
          snapshot: true,
          backends: backends(view),
          jobs: jobs.map(dashboardJob),
          serverTimeUnixMs: BigInt(deps.clock.nowMs()),
        });
        for (;;) {
          // A quiet stream still gets the backends' state (agents' last seen) every so often.
          await wakeup.wait(context.signal, BACKENDS_REFRESH_MS);
          if (closed || context.signal.aborted) return;
          // Re-read each changed job: what is sent is what was committed. The client applies the
          // state and text filter itself, so a job that leaves the filter is seen leaving it.
          const updates = [...changed.keys()].flatMap((id) => deps.jobs.get(id) ?? []).map(dashboardJob);
          changed.clear();
          yield create(WatchJobsResponseSchema, {
            snapshot: false,
            backends: backends(view),
            jobs: updates,
            serverTimeUnixMs: BigInt(deps.clock.nowMs()),
          });
        }
      } finally {
        unsubscribe();
      }
    },

    getJob(request, context) {
      requireSession(deps, context);
      const job = deps.jobs.get(request.id);
      if (!job) throw new ConnectError(`no job '${request.id}'`, Code.NotFound);
      return create(GetJobResponseSchema, {
        job: dashboardJob(job),
        history: view.history.list(job).map((change) =>
          create(StatusChangeSchema, {
            statusCode: change.statusCode,
            statusMessage: change.statusMessage,
            atUnixMs: BigInt(change.atMs),
          }),
        ),
      });
    },
  };
}
