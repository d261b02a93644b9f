/**
 * `rap run`: runs a study's actions on this machine with no controller. Plans with the controller's
 * rules (local-plan.ts), runs each job in dependency order through the same executor and job-files
 * code as an agent, with the same hardening, streams each action's output live, lays the files out
 * as opensafely-cli's local run does (local-layout.ts) and ends with a summary table. Exit status:
 * 0 when every action succeeded (or nothing needed running), 1 when any failed or the project is
 * invalid, 130 when interrupted (every container of the run is stopped and removed first).
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ActionRepos } from "../../controller/git/action-repos.js";
import { NothingToDoError, UserActionableError } from "../../controller/jobs/errors.js";
import type { Job } from "../../controller/jobs/job.js";
import { MESSAGES } from "../../controller/jobs/status.js";
import { ProjectValidationError, type Pipeline } from "../../controller/pipeline/types.js";
import { ReusableActionError } from "../../controller/rap/reusable-actions.js";
import { ContainerCliExecutor, createCommandRunner, type Logger } from "../../runtime-drivers/index.js";
import { checkoutCommit } from "../../runtime-drivers/checkout.js";
import { copyFileAtomic, manifestPath, mediumWorkspaceDir } from "../../runtime-drivers/job-files/index.js";
import { copyStudyDirectory } from "../../runtime-drivers/local-study-copy.js";
import type { RunConfig } from "./config.js";
import { localLayout, type LocalLayout } from "./local-layout.js";
import { localJobDefinition, planLocalRun, readPipeline } from "./local-plan.js";
import { forgetJob, readJobRecords, writeJobRecords, type LocalJobRecord } from "./local-state.js";
import { InterruptedError, runOneJob } from "./run-one-job.js";
import { displayLogFile, RunOutput, type ActionResult } from "./run-output.js";

export interface RunStudyOptions {
  readonly projectDir: string;
  readonly actions: readonly string[];
  readonly forceRunDependencies: boolean;
  readonly driver: "docker" | "podman";
  readonly json: boolean;
  readonly timestamps: boolean;
  /** Image rewrites, as the agent's `driver.image_map`. */
  readonly imageMap: Readonly<Record<string, string>>;
}

export interface RunStudyIo {
  readonly write: (text: string) => void;
  readonly writeError: (text: string) => void;
  readonly isTty: boolean;
}

export const INTERRUPTED_EXIT_CODE = 130;

function stderrLogger(io: RunStudyIo, debug: boolean): Logger {
  const line = (level: string, message: string, fields?: Record<string, unknown>) =>
    io.writeError(`rap run: ${level}: ${message}${fields ? ` ${JSON.stringify(fields)}` : ""}\n`);
  return {
    debug: (message, fields) => debug && line("debug", message, fields),
    info: (message, fields) => debug && line("info", message, fields),
    warn: (message, fields) => line("warning", message, fields),
    error: (message, fields) => line("error", message, fields),
  };
}

function createExecutor(layout: LocalLayout, pipeline: Pipeline, options: RunStudyOptions, config: RunConfig, log: Logger) {
  const runner = createCommandRunner({ baseEnv: config.childEnv, debug: config.debug, log });
  const checkout = { reposDir: config.gitCacheDir, tokenUser: "rap-run", runner };
  const outputPatterns = outputPatternsOf(pipeline);
  const executor = new ContainerCliExecutor({
    binary: options.driver,
    runner,
    layout: layout.storage,
    checkout,
    user: config.jobUser,
    volumeOwner: config.volumeOwner,
    pullMissingImages: true,
    imageMap: options.imageMap,
    // A local run has no database: database actions get no network, as on a dummy-data backend.
    databaseNetwork: undefined,
    log,
    tty: true,
    // The study's own actions run the code on disk; a reusable action runs its repository's commit.
    copyCode: (job, volumeDir, signal) =>
      job.repoUrl === layout.studyDir
        ? copyStudyDirectory(layout.studyDir, volumeDir, outputPatterns, signal)
        : checkoutCommit(job.repoUrl, job.commit, volumeDir, checkout, signal),
  });
  return { executor, runner };
}

function recordOf(job: Job, result: Omit<LocalJobRecord, "job_id" | "rap_id" | "action" | "created_at">): LocalJobRecord {
  return { job_id: job.id, rap_id: job.rapId, action: job.action, created_at: job.createdAt, ...result };
}

export async function runStudy(
  options: RunStudyOptions,
  config: RunConfig,
  io: RunStudyIo,
  signal: AbortSignal,
): Promise<number> {
  const output = new RunOutput({
    json: options.json,
    timestamps: options.timestamps,
    colour: io.isTty && !config.noColour && !options.json,
    write: io.write,
  });
  const studyDir = path.resolve(options.projectDir);
  if (!existsSync(studyDir)) {
    output.error("ProjectValidationError", `No such directory: ${studyDir}`);
    return 1;
  }
  const scratch = await mkdtemp(path.join(tmpdir(), "rap-run-"));
  try {
    return await runIn(localLayout(studyDir, scratch, config.gitCacheDir), options, config, io, output, signal);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function runIn(
  layout: LocalLayout,
  options: RunStudyOptions,
  config: RunConfig,
  io: RunStudyIo,
  output: RunOutput,
  signal: AbortSignal,
): Promise<number> {
  let plan;
  const records = { ...(await readJobRecords(layout)) };
  try {
    const pipeline = await readPipeline(layout);
    if (options.actions.length === 0) {
      throw new UserActionableError(
        `At least one action must be supplied. Valid action names are:\n${[...pipeline.actions.keys(), "run_all (runs all actions in project)"].join("\n")}`,
      );
    }
    plan = await planLocalRun(pipeline, {
      layout,
      actions: options.actions,
      forceRunDependencies: options.forceRunDependencies,
      records,
      user: config.username,
      actionRepos: new ActionRepos({
        base: config.controller.actionsRepoBase,
        reposDir: config.gitCacheDir,
        githubProxyDomain: config.controller.githubProxyDomain,
        privateRepoAccessToken: config.controller.privateRepoAccessToken,
        env: config.childEnv,
      }),
      nowMs: Date.now(),
    });
  } catch (error) {
    if (error instanceof NothingToDoError) {
      output.nothingToDo(error.message);
      return 0;
    }
    if (error instanceof ProjectValidationError || error instanceof UserActionableError || error instanceof ReusableActionError) {
      output.error(error.name, error.message);
      return 1;
    }
    throw error;
  }

  const log = stderrLogger(io, config.debug);
  const { executor, runner } = createExecutor(layout, plan.pipeline, options, config, log);
  // `version` talks to the engine (docker's daemon, podman's storage) and prints little.
  const info = await runner.run(options.driver, ["version"], { signal, timeoutMs: 30_000 });
  if (info.exitCode !== 0) {
    output.error(
      "RuntimeUnavailable",
      `${options.driver} is not answering (\`${options.driver} version\` failed): ${info.stderr.trim()}`,
    );
    return 1;
  }
  const mediumManifest = manifestPath(mediumWorkspaceDir(layout.storage, layout.workspace));
  if (existsSync(layout.manifestFile)) await copyFileAtomic(layout.manifestFile, mediumManifest);

  output.planned(plan.jobs.map((job) => job.action));
  const latest = new Map<string, Pick<Job, "id">>(plan.before);
  for (const job of plan.jobs) latest.set(job.action, job);
  const failedIds = new Set<string>();
  const results: ActionResult[] = [];
  const remember = async (record: LocalJobRecord) => {
    const previous = records[record.action];
    records[record.action] = record;
    await writeJobRecords(layout, records);
    if (previous && previous.job_id !== record.job_id) await forgetJob(layout, previous);
  };

  for (const job of plan.jobs) {
    if (signal.aborted) break;
    if (job.waitForJobIds.some((id) => failedIds.has(id))) {
      failedIds.add(job.id);
      const now = Math.floor(Date.now() / 1000);
      await remember(
        recordOf(job, {
          state: "failed",
          status_code: "dependency_failed",
          status_message: MESSAGES.dependencyFailed,
          started_at: null,
          completed_at: now,
          outputs: [],
        }),
      );
      const result: ActionResult = {
        action: job.action,
        jobId: job.id,
        state: "failed",
        statusCode: "dependency_failed",
        statusMessage: MESSAGES.dependencyFailed,
        durationMs: null,
        outputs: [],
        logFile: undefined,
      };
      results.push(result);
      output.finished(result);
      continue;
    }
    output.started(job.action, job.id);
    const definition = localJobDefinition(job, latest, config.controller, config.backend);
    let outcome;
    try {
      outcome = await runOneJob(executor, job, definition, (line) => output.line(job.action, line), signal);
    } catch (error) {
      if (error instanceof InterruptedError) break;
      throw error;
    }
    if (outcome.state === "failed") failedIds.add(job.id);
    if (outcome.logWritten && existsSync(mediumManifest)) await copyFileAtomic(mediumManifest, layout.manifestFile);
    await remember(
      recordOf(job, {
        state: outcome.state,
        status_code: outcome.statusCode,
        status_message: outcome.statusMessage,
        started_at: Math.floor(outcome.startedAtMs / 1000),
        completed_at: Math.floor(outcome.completedAtMs / 1000),
        outputs: outcome.outputs,
      }),
    );
    const result: ActionResult = {
      action: job.action,
      jobId: job.id,
      state: outcome.state,
      statusCode: outcome.statusCode,
      statusMessage: outcome.statusMessage,
      durationMs: outcome.completedAtMs - outcome.startedAtMs,
      outputs: outcome.outputs,
      logFile: outcome.logWritten ? displayLogFile(job.action) : undefined,
    };
    results.push(result);
    output.finished(result);
  }
  if (signal.aborted) {
    output.interrupted();
    return INTERRUPTED_EXIT_CODE;
  }
  output.summary(results);
  return results.some((result) => result.state === "failed") ? 1 : 0;
}

/** Every output pattern of the project: such files are never copied into a job as code. */
function outputPatternsOf(pipeline: Pipeline): string[] {
  const patterns = new Set<string>();
  for (const action of pipeline.actions.values()) {
    for (const outputs of Object.values(action.outputs))
      for (const pattern of Object.values(outputs ?? {})) patterns.add(pattern);
  }
  return [...patterns];
}
