/**
 * Pure argv builders for the container CLI (docker or podman). Table-tested; the executor only
 * runs what these return.
 */
import type { JobDefinition } from "../types.js";
import type { CliQuirks } from "./quirks.js";

export interface RunArgvInput {
  readonly job: JobDefinition;
  readonly containerName: string;
  /** Host path of the job's working directory, bind-mounted at /workspace. */
  readonly volumeDir: string;
  /** Image reference to run (after the image map). */
  readonly image: string;
  /** `uid:gid` the job runs as; never root. */
  readonly user: string;
  /** Network for database jobs; undefined means the job gets no network at all. */
  readonly databaseNetwork?: { readonly name: string; readonly extraArgs: readonly string[] } | undefined;
  /** Names of environment variables to pass (values come from the CLI's own environment). */
  readonly envNames: readonly string[];
  readonly quirks: CliQuirks;
  /** Give the job a pseudo-terminal, so programs in it flush their output line by line (a local run). */
  readonly tty?: boolean | undefined;
  /** Most processes and threads the job may have at once (`--pids-limit`); undefined: the runtime's default. */
  readonly pidsLimit?: number | undefined;
}

/** `docker run …` for one job, hardened as upstream: no network, non-root, no capabilities. */
export function runArgv(input: RunArgvInput): string[] {
  const { job } = input;
  const argv = ["run", "--init", "--detach", "--label", "job-runner", "--name", input.containerName, "--pull=never"];
  argv.push(...input.quirks.logOptions);
  if (job.cpuCount) argv.push("--cpus", job.cpuCount);
  if (job.memoryLimit) argv.push("--memory", job.memoryLimit);
  // A fork bomb in a study must not exhaust the backend's process table.
  if (input.pidsLimit !== undefined && input.pidsLimit > 0) argv.push("--pids-limit", String(input.pidsLimit));
  if (job.allowDatabaseAccess && input.databaseNetwork) {
    argv.push("--network", input.databaseNetwork.name, ...input.databaseNetwork.extraArgs);
  } else {
    argv.push("--network", "none");
  }
  argv.push("--user", input.user, "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "-e", "HOME=/tmp");
  argv.push("--mount", `type=bind,source=${input.volumeDir},target=/workspace`);
  argv.push("--label", "jobrunner-local", "--label", `workspace=${job.workspace}`, "--label", `action=${job.action}`);
  argv.push("--label", `job-id=${job.id}`, "--label", `task-id=${job.taskId}`);
  for (const name of input.envNames) argv.push("--env", name);
  if (input.tty) argv.push("--tty");
  argv.push(input.image, ...job.args);
  return argv;
}

export const inspectArgv = (name: string): string[] => ["container", "inspect", "--format", "{{json .}}", name];
export const waitArgv = (name: string, quirks: CliQuirks): string[] => ["container", "wait", ...quirks.waitOptions, name];
export const killArgv = (name: string): string[] => ["container", "kill", name];
export const removeArgv = (name: string): string[] => ["container", "rm", "--force", name];
export const startArgv = (name: string): string[] => ["container", "start", name];
export const logsArgv = (name: string): string[] => ["container", "logs", "--timestamps", "--tail", "100000", name];
/** The output so far (and, following, what comes after) of a job's container, untimestamped, for people. */
export const followLogsArgv = (name: string, follow: boolean): string[] =>
  follow ? ["container", "logs", "--follow", name] : ["container", "logs", name];
/** An interactive session in a running job container, as its own user, in its working directory. */
export const execArgv = (name: string, command: readonly string[]): string[] => [
  "container",
  "exec",
  "--interactive",
  "--tty",
  "--workdir",
  "/workspace",
  name,
  ...command,
];
export const imageInspectArgv = (image: string): string[] => ["image", "inspect", "--format", "{{.Id}}", image];
export const pullArgv = (image: string): string[] => ["pull", "--quiet", image];
export const imageCreatedArgv = (image: string): string[] => ["image", "inspect", "--format", "{{.Created}}", image];
export const tagArgv = (image: string, tag: string): string[] => ["image", "tag", image, tag];
export const statsArgv = (binary: string): string[] =>
  binary.endsWith("podman")
    ? ["stats", "--no-stream", "--format", "json"]
    : ["stats", "--no-stream", "--no-trunc", "--format", "{{json .}}"];
export const listJobContainersArgv = (): string[] => [
  "container",
  "ls",
  "--all",
  "--filter",
  "label=job-runner",
  "--format",
  "{{.Names}}",
];
/** The job containers that are running now (the operators' `rap task kill` picks from these). */
export const listRunningJobContainersArgv = (): string[] => [
  "container",
  "ls",
  "--filter",
  "label=job-runner",
  "--format",
  "{{.Names}}",
];
export const renameArgv = (name: string, newName: string): string[] => ["container", "rename", name, newName];
