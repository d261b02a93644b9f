/**
 * `rap jobs`, `rap job`, `rap cancel-job`, `rap kill-job` and `rap add-job`: looking at jobs and
 * acting on them through AdminService. add-job mirrors upstream's add_job arguments; a relative
 * repository path is made absolute here, since the controller cannot know this shell's directory.
 */
import path from "node:path";
import {
  AddJobResponseSchema,
  CancelJobResponseSchema,
  GetJobResponseSchema,
  KillJobResponseSchema,
  ListJobsResponseSchema,
} from "../../gen/admin/v1/admin_pb.js";
import { type AdminCommandContext, EXIT_OK, printJson, UsageError } from "./admin-cli.js";
import { jobsTable, secondsIso, table } from "./format.js";
import { parseCommand, required } from "./parse-command.js";

export async function listJobsCommand(ctx: AdminCommandContext, args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, {
    backend: { type: "string" },
    "rap-id": { type: "string" },
    workspace: { type: "string" },
    state: { type: "string" },
    action: { type: "string" },
    "status-code": { type: "string" },
    limit: { type: "string" },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const limit = values.limit === undefined ? 0 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 0) throw new UsageError("--limit must be a whole number");
  const response = await ctx.client.listJobs(
    {
      backend: values.backend ?? "",
      rapId: values["rap-id"] ?? "",
      workspace: values.workspace ?? "",
      state: values.state ?? "",
      action: values.action ?? "",
      statusCode: values["status-code"] ?? "",
      limit,
    },
    ctx.callOptions,
  );
  if (values.json) printJson(ctx.io, ListJobsResponseSchema, response);
  else ctx.io.stdout(response.jobs.length === 0 ? "no jobs\n" : jobsTable(response.jobs));
  return EXIT_OK;
}

export async function getJobCommand(ctx: AdminCommandContext, args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, {});
  if (positionals.length !== 1) throw new UsageError("give exactly one job id");
  const response = await ctx.client.getJob({ id: positionals[0] }, ctx.callOptions);
  if (values.json) {
    printJson(ctx.io, GetJobResponseSchema, response);
    return EXIT_OK;
  }
  const job = response.job!;
  const fields: [string, string][] = [
    ["id", job.id],
    ["rap id", job.rapId],
    ["backend", job.backend],
    ["workspace", job.workspace],
    ["action", job.action],
    ["state", job.state],
    ["status code", job.statusCode],
    ["status message", job.statusMessage],
    ["run command", job.runCommand],
    ["repo", job.repoUrl],
    ["commit", job.commit],
    ["requires db", String(job.requiresDb)],
    ["cancelled", String(job.cancelled)],
    ["created", secondsIso(job.createdAt)],
    ["started", secondsIso(job.startedAt)],
    ["completed", secondsIso(job.completedAt)],
  ];
  ctx.io.stdout(fields.map(([name, value]) => `${`${name}:`.padEnd(16)}${value}\n`).join(""));
  if (response.tasks.length > 0) {
    ctx.io.stdout(
      `\n${table(
        ["TASK", "TYPE", "ACTIVE", "STAGE", "COMPLETE", "CREATED", "FINISHED"],
        response.tasks.map((task) => [
          task.id,
          task.type,
          String(task.active),
          task.agentStage,
          String(task.agentComplete),
          secondsIso(task.createdAt),
          secondsIso(task.finishedAt),
        ]),
      )}`,
    );
  }
  return EXIT_OK;
}

export async function cancelJobCommand(ctx: AdminCommandContext, args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, {});
  if (positionals.length !== 1) throw new UsageError("give exactly one job id");
  const response = await ctx.client.cancelJob({ id: positionals[0] }, ctx.callOptions);
  if (values.json) printJson(ctx.io, CancelJobResponseSchema, response);
  else ctx.io.stdout(`job ${response.job!.id} (${response.job!.action}) cancelled\n`);
  return EXIT_OK;
}

export async function killJobCommand(ctx: AdminCommandContext, args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, {});
  if (positionals.length !== 1) throw new UsageError("give exactly one job id");
  const response = await ctx.client.killJob({ id: positionals[0] }, ctx.callOptions);
  if (values.json) printJson(ctx.io, KillJobResponseSchema, response);
  else ctx.io.stdout(`job ${response.job!.id} (${response.job!.action}) killed: ${response.job!.statusCode}\n`);
  return EXIT_OK;
}

/** A repository argument as the controller needs it: URLs as given, local paths absolute. */
export function absoluteRepo(repo: string, cwd: string): string {
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(repo) ? repo : path.resolve(cwd, repo);
}

export async function addJobCommand(ctx: AdminCommandContext, args: readonly string[], cwd: string): Promise<number> {
  const { values, positionals } = parseCommand(args, {
    backend: { type: "string" },
    commit: { type: "string" },
    branch: { type: "string" },
    workspace: { type: "string" },
    database: { type: "string" },
    "force-run-dependencies": { type: "boolean", short: "f" },
  });
  const [repo, ...actions] = positionals;
  if (repo === undefined || actions.length === 0) throw new UsageError("give a repository and at least one action");
  const response = await ctx.client.addJob(
    {
      repoUrl: absoluteRepo(repo, cwd),
      actions,
      backend: required(values.backend, "--backend").toLowerCase(),
      commit: values.commit ?? "",
      branch: values.branch ?? "main",
      workspace: values.workspace ?? "test",
      database: values.database ?? "default",
      forceRunDependencies: values["force-run-dependencies"] ?? false,
    },
    ctx.callOptions,
  );
  if (values.json) {
    printJson(ctx.io, AddJobResponseSchema, response);
  } else {
    ctx.io.stdout(`rap id ${response.rapId} at commit ${response.commit}: created ${response.jobs.length} new jobs\n`);
    ctx.io.stdout(jobsTable(response.jobs));
  }
  return EXIT_OK;
}
