/**
 * Upstream's coarse State and fine StatusCode values, with the messages job-server stores verbatim
 * (reference/jobrunner.md §3.1-3.2). Declaration order matters: codes are totally ordered.
 */
import type { Stage } from "./task-result.js";

export const STATES = ["pending", "running", "succeeded", "failed"] as const;
export type State = (typeof STATES)[number];

export const STATUS_CODES = [
  "created",
  "initiated",
  "paused",
  "waiting_db_maintenance",
  "waiting_on_dependencies",
  "waiting_on_workers",
  "waiting_on_db_workers",
  "waiting_on_reboot",
  "waiting_on_new_task",
  "preparing",
  "prepared",
  "executing",
  "executed",
  "finalizing",
  "finalized",
  "succeeded",
  "dependency_failed",
  "nonzero_exit",
  "cancelled_by_user",
  "unmatched_patterns",
  "internal_error",
  "killed_by_admin",
  "stale_codelists",
  "job_error",
] as const;
export type StatusCode = (typeof STATUS_CODES)[number];

export const FINAL_CODES: ReadonlySet<StatusCode> = new Set([
  "succeeded",
  "dependency_failed",
  "nonzero_exit",
  "cancelled_by_user",
  "unmatched_patterns",
  "internal_error",
  "killed_by_admin",
  "stale_codelists",
  "job_error",
]);

/** Codes that put a job back to pending and clear started_at. */
export const RESET_CODES: ReadonlySet<StatusCode> = new Set([
  "waiting_on_reboot",
  "waiting_db_maintenance",
  "waiting_on_new_task",
]);

/** Codes whose arrival marks the job running (and stamps started_at once). */
export const RUNNING_START_CODES: ReadonlySet<StatusCode> = new Set(["initiated", "preparing", "prepared", "executing"]);

/** Agent stages whose arrival sets the status code of the same name; the others leave the code as it is. */
export const AGENT_STAGE_CODES: ReadonlyMap<Stage, StatusCode> = new Map(
  (["preparing", "prepared", "executing", "executed", "finalizing", "finalized"] as const).map((stage) => [stage, stage]),
);

export const MESSAGES = {
  created: "Created",
  initiated: "Job executing on the backend",
  paused: "Backend is currently paused for maintenance, job will start once this is completed",
  waitingDbMaintenance: "Waiting for database to finish maintenance",
  waitingOnDependencies: "Waiting on dependencies",
  waitingOnWorkers: "Waiting on available workers",
  resourceIntensiveSuffix: " for resource intensive job",
  waitingOnDbWorkers: "Waiting on available database workers",
  waitingOnReboot: "Job restarted - waiting for server to reboot",
  // sic: upstream's text lacks the space, and job-server stores it verbatim.
  waitingOnNewTask: "This job returned an error that could be retriedwith a new task.",
  succeeded: "Completed successfully",
  succeededWithExclusions:
    "Completed successfully, but some file(s) marked as moderately_sensitive were excluded. See job log for details.",
  dependencyFailed: "Not starting as dependency failed",
  nonzeroExit: "Job exited with an error",
  cancelledByUser: "Cancelled by user",
  unmatchedPatterns: "Outputs matching expected patterns were not found. See job log for details.",
  internalError:
    "Internal error: this usually means a platform issue rather than a problem for users to fix.\nThe tech team are automatically notified of these errors and will be investigating.",
  jobError: "This job returned a fatal error.",
  imageMissing: "Its image is not in the registry, so it cannot run.",
} as const;

/** Friendly messages for ehrQL's exit codes, used for database jobs only (§4.9). */
export const DATABASE_EXIT_CODES: ReadonlyMap<number, string> = new Map([
  [2, "There was a problem with the command line arguments in your ehrQL action; please confirm that it runs locally"],
  [3, "A transient database error occurred, your job may run if you try it again, if it keeps failing then contact tech support"],
  [4, "New data is being imported into the database, please try again in a few hours"],
  [5, "Something went wrong with the database, please contact tech support"],
  [
    6,
    "Your ehrQL is valid but it produced SQL which is too complex for the database to run; please contact tech-support so we can help you simplify it.",
  ],
  [10, "There was a problem reading your ehrQL code; please confirm that it runs locally"],
  [11, "There was a problem reading one of the supplied data files"],
  [12, "You do not have the required permissions for the ehrQL you are trying to run"],
  [13, "Assurance tests failed; please confirm the tests pass locally"],
  [
    14,
    "Your job was making such slow progress that it was unlikely to complete successfully; please contact tech support so we can help you to simplify it.",
  ],
]);
