/**
 * Preparing a backend for a reboot (upstream's prepare_for_reboot, reference/jobrunner.md §4.13):
 * pause it, then stop every running job and reset it to waiting_on_reboot so it runs again, from
 * scratch with a new task, once the operator unpauses. The status report tells when it is safe.
 */
import { backendBySlug } from "../config.js";
import type { ControllerDeps } from "../deps.js";
import { FLAG, isPausedValue } from "../jobs/backend-flags.js";
import type { Job } from "../jobs/job.js";
import { MESSAGES } from "../jobs/status.js";
import { definitionContext } from "../scheduling/handle-job.js";
import { cancelRunTask, setCode, type ChangeSink } from "../scheduling/job-transitions.js";
import { requireBackend } from "./admin-errors.js";
import { setPaused } from "./flag-operations.js";

export interface RebootStatus {
  readonly backend: string;
  readonly paused: boolean;
  readonly runningJobs: number;
  /** CANCELJOB tasks the agent has not finished: containers still being stopped. */
  readonly cancellingJobs: number;
  readonly ready: boolean;
}

/** Upstream's `prepare_for_reboot --status` text, line for line (operators' runbooks quote it). */
export function rebootReport(status: RebootStatus): string {
  let report =
    "\n== PREPARING FOR REBOOT ==\n" +
    `1) backend '${status.backend}' is ${status.paused ? "" : "not "}paused\n` +
    `2) ${status.runningJobs} job(s) are running\n`;
  if (status.cancellingJobs > 0) report += `3) ${status.cancellingJobs} job(s) are being cancelled\n`;
  if (!status.paused) {
    report += `Backend '${status.backend}' is not paused. Run prepare_for_reboot, then check the status again\n`;
  } else if (status.ready) {
    report += "\n== READY TO REBOOT ==\nSafe to reboot now\n";
  }
  return report;
}

export function rebootStatus(deps: ControllerDeps, backend: string): RebootStatus {
  const slug = requireBackend(deps, backend);
  const paused = isPausedValue(deps.flags.get(slug, FLAG.paused)?.value);
  const runningJobs = deps.jobs.active().filter((job) => job.backend === slug && job.state === "running").length;
  const cancellingJobs = deps.tasks.active(slug).filter((task) => task.type === "canceljob").length;
  return { backend: slug, paused, runningJobs, cancellingJobs, ready: paused && runningJobs === 0 && cancellingJobs === 0 };
}

/** Pauses the backend, then resets each running job in its own transaction. Returns the reset jobs. */
export function prepareForReboot(deps: ControllerDeps, sink: ChangeSink, backend: string): Job[] {
  const slug = requireBackend(deps, backend);
  // Paused first: otherwise the scheduler would start the reset jobs again at once.
  setPaused(deps, slug, true);
  const config = backendBySlug(deps.config, slug)!;
  const reset: Job[] = [];
  for (const { id } of deps.jobs.active().filter((job) => job.backend === slug && job.state === "running")) {
    const job = deps.db.transaction(() => {
      const current = deps.jobs.get(id);
      if (current?.state !== "running") return undefined;
      const after = setCode(deps, sink, current, "waiting_on_reboot", MESSAGES.waitingOnReboot);
      cancelRunTask(deps, sink, current, definitionContext(deps, config, current));
      return after;
    })();
    if (job) reset.push(job);
  }
  deps.log.info("backend prepared for reboot", { backend: slug, reset: reset.length });
  deps.scheduler.backendChanged(slug);
  return reset;
}
