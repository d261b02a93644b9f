/**
 * Why a pending job waits, in terms an operator can act on: which dependency (and its state),
 * which flag (and how to clear it), which worker pool (and how full it is). Looked up with a few
 * more AdminService calls; a lookup that fails leaves its line out rather than failing `rap job`.
 */
import type { AdminJob } from "../../gen/admin/v1/admin_pb.js";
import type { AdminCommandContext } from "./admin-cli.js";
import { flagLine } from "./format.js";

async function dependencyLines(ctx: AdminCommandContext, job: AdminJob): Promise<string[]> {
  const lines: string[] = [];
  for (const id of job.waitForJobIds) {
    const dependency = await ctx.client.getJob({ id }, ctx.callOptions).catch(() => undefined);
    const dep = dependency?.job;
    lines.push(dep ? `needs ${dep.action} (job ${dep.id}): ${dep.state} / ${dep.statusCode}` : `needs job ${id} (not found)`);
  }
  return lines;
}

async function flagLines(ctx: AdminCommandContext, backend: string, ids: string[]): Promise<string[]> {
  const response = await ctx.client.getFlags({ backend, ids }, ctx.callOptions).catch(() => undefined);
  return (response?.flags ?? []).map((flag) => `flag ${flagLine(flag)}`);
}

async function runningCount(ctx: AdminCommandContext, backend: string, databaseOnly: boolean): Promise<number | undefined> {
  const response = await ctx.client.listJobs({ backend, state: "running", limit: 1000 }, ctx.callOptions).catch(() => undefined);
  return response?.jobs.filter((job) => !databaseOnly || job.requiresDb).length;
}

export async function waitReason(ctx: AdminCommandContext, job: AdminJob): Promise<string[]> {
  const backend = job.backend;
  const prefix = backend.toUpperCase();
  switch (job.statusCode) {
    case "waiting_on_dependencies":
      return dependencyLines(ctx, job);
    case "paused":
      return [
        ...(await flagLines(ctx, backend, ["paused"])),
        `backend '${backend}' is paused; resume it with: rap pause off ${backend}`,
      ];
    case "waiting_db_maintenance":
      return [
        ...(await flagLines(ctx, backend, ["mode", "manual-db-maintenance"])),
        `the database of backend '${backend}' is in maintenance; if an operator set it: rap db-maintenance off ${backend}`,
      ];
    case "waiting_on_workers": {
      const running = await runningCount(ctx, backend, false);
      return [
        `every job worker of backend '${backend}' is busy${running === undefined ? "" : ` (${running} running)`}; the pool size is ${prefix}_MAX_WORKERS`,
      ];
    }
    case "waiting_on_db_workers": {
      const running = await runningCount(ctx, backend, true);
      return [
        `every database worker of backend '${backend}' is busy${running === undefined ? "" : ` (${running} database jobs running)`}; the pool size is ${prefix}_MAX_DB_WORKERS`,
      ];
    }
    case "waiting_on_reboot":
      return [`reset by prepare-for-reboot; it runs again once the backend is unpaused: rap pause off ${backend}`];
    case "waiting_on_new_task":
      return ["the last attempt hit an error that can be retried; the controller starts a new attempt"];
    default:
      return [];
  }
}
