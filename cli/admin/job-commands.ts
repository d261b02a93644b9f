/**
 * `rap jobs`, `rap job`, `rap cancel-job`, `rap kill-job` and `rap add-job`: looking at jobs and
 * acting on them through AdminService. add-job mirrors upstream's add_job arguments; a relative
 * repository path is made absolute here, since the controller cannot know this shell's directory.
 */
import path from "node:path";
import type { AdminJob } from "../../gen/admin/v1/admin_pb.js";
import {
  AddJobResponseSchema,
  CancelJobResponseSchema,
  GetJobResponseSchema,
  KillJobResponseSchema,
  ListJobsResponseSchema,
} from "../../gen/admin/v1/admin_pb.js";
import { EXIT_OK } from "../cli-errors.js";
import { type AdminCommandContext, printJson } from "./admin-cli.js";
import { jobDetails } from "./job-details.js";
import { jobsTable } from "./jobs-table.js";
import { waitReason } from "./wait-reason.js";

export interface ListJobsOptions {
  readonly backend?: string;
  readonly rapId?: string;
  readonly workspace?: string;
  readonly state?: string;
  readonly action?: string;
  readonly statusCode?: string;
  readonly limit?: number;
  readonly json?: boolean;
}

/** The table's width: the terminal's, or 100 columns when output is not a terminal. */
export const DEFAULT_WIDTH = 100;

export async function listJobsCommand(
  ctx: AdminCommandContext,
  options: ListJobsOptions,
  width = DEFAULT_WIDTH,
): Promise<number> {
  const response = await ctx.client.listJobs(
    {
      backend: options.backend ?? "",
      rapId: options.rapId ?? "",
      workspace: options.workspace ?? "",
      state: options.state ?? "",
      action: options.action ?? "",
      statusCode: options.statusCode ?? "",
      limit: options.limit ?? 0,
    },
    ctx.callOptions,
  );
  if (options.json) printJson(ctx.io, ListJobsResponseSchema, response);
  else ctx.io.stdout(response.jobs.length === 0 ? "no jobs\n" : jobsTable(response.jobs, ctx.now(), width));
  return EXIT_OK;
}

export async function getJobCommand(
  ctx: AdminCommandContext,
  id: string,
  options: { json?: boolean },
  width = DEFAULT_WIDTH,
): Promise<number> {
  const response = await ctx.client.getJob({ id }, ctx.callOptions);
  if (options.json) {
    printJson(ctx.io, GetJobResponseSchema, response);
    return EXIT_OK;
  }
  const reason = response.job ? await waitReason(ctx, response.job) : [];
  ctx.io.stdout(jobDetails(response, reason, ctx.now(), width));
  return EXIT_OK;
}

function slug(job: AdminJob | undefined): string {
  return job ? `job ${job.id} (${job.action})` : "job";
}

export async function cancelJobCommand(ctx: AdminCommandContext, id: string, options: { json?: boolean }): Promise<number> {
  const response = await ctx.client.cancelJob({ id }, ctx.callOptions);
  if (options.json) printJson(ctx.io, CancelJobResponseSchema, response);
  else ctx.io.stdout(`${slug(response.job)} cancelled\n`);
  return EXIT_OK;
}

export async function killJobCommand(ctx: AdminCommandContext, id: string, options: { json?: boolean }): Promise<number> {
  const response = await ctx.client.killJob({ id }, ctx.callOptions);
  if (options.json) printJson(ctx.io, KillJobResponseSchema, response);
  else ctx.io.stdout(`${slug(response.job)} killed: ${response.job?.statusCode ?? ""}\n`);
  return EXIT_OK;
}

/** A repository argument as the controller needs it: URLs as given, local paths absolute. */
export function absoluteRepo(repo: string, cwd: string): string {
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(repo) ? repo : path.resolve(cwd, repo);
}

export interface AddJobOptions {
  readonly backend: string;
  readonly commit?: string;
  readonly branch: string;
  readonly workspace: string;
  readonly database: string;
  readonly forceRunDependencies?: boolean;
  readonly json?: boolean;
}

export async function addJobCommand(
  ctx: AdminCommandContext,
  repo: string,
  actions: readonly string[],
  options: AddJobOptions,
  cwd: string,
): Promise<number> {
  const response = await ctx.client.addJob(
    {
      repoUrl: absoluteRepo(repo, cwd),
      actions: [...actions],
      backend: options.backend.toLowerCase(),
      commit: options.commit ?? "",
      branch: options.branch,
      workspace: options.workspace,
      database: options.database,
      forceRunDependencies: options.forceRunDependencies ?? false,
    },
    ctx.callOptions,
  );
  if (options.json) {
    printJson(ctx.io, AddJobResponseSchema, response);
  } else {
    ctx.io.stdout(`rap id ${response.rapId} at commit ${response.commit}: created ${response.jobs.length} new jobs\n`);
    ctx.io.stdout(jobsTable(response.jobs, ctx.now(), DEFAULT_WIDTH));
  }
  return EXIT_OK;
}
