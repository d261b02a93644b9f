/** `rap jobs`, `rap job`, `rap cancel-job`, `rap kill-job`, `rap add-job` (logic in cli/admin/job-commands.ts). */
import type { Command } from "commander";
import { STATES, STATUS_CODES } from "../../controller/jobs/status.js";
import { adminContext } from "../admin/admin-cli.js";
import {
  type AddJobOptions,
  addJobCommand,
  cancelJobCommand,
  DEFAULT_WIDTH,
  getJobCommand,
  killJobCommand,
  type ListJobsOptions,
  listJobsCommand,
} from "../admin/job-commands.js";
import { choiceOption, wholeNumber } from "../cli-options.js";
import type { CommandKit } from "../command-kit.js";
import { operatorCommand } from "./admin-help.js";

export function registerJobCommands(program: Command, kit: CommandKit): void {
  const { runtime } = kit;
  operatorCommand(
    program
      .command("jobs")
      .description("list jobs, newest first: id, rap id, action, status, age and message")
      .option("--backend <backend>", "only this backend's jobs")
      .option("--rap-id <id>", "only the jobs of this RAP (one job-server request)")
      .option("--workspace <workspace>", "only this workspace's jobs")
      .addOption(choiceOption("--state <state>", "only jobs in this state", STATES))
      .option("--action <action>", "only jobs of this action")
      .addOption(choiceOption("--status-code <code>", "only jobs with this status code", STATUS_CODES))
      .option("--limit <n>", "at most this many jobs (0: no limit)", wholeNumber(0), 0),
    ["rap jobs --state running", "rap jobs --backend tpp --status-code waiting_on_workers --limit 20"],
  ).action(
    kit.action((options: ListJobsOptions) =>
      listJobsCommand(adminContext(runtime), options, Math.max(DEFAULT_WIDTH, runtime.io.columns ?? 0)),
    ),
  );

  operatorCommand(
    program
      .command("job")
      .description("show one job: status and why, history, task attempts, where its log and outputs are")
      .argument("<job-id>", "the job's id (as `rap jobs` prints it)"),
    ["rap job 5lzhcsbuzmr4nmxg"],
  ).action(
    kit.action((id: string, options: { json?: boolean }) =>
      getJobCommand(adminContext(runtime), id, options, Math.max(DEFAULT_WIDTH, runtime.io.columns ?? 0)),
    ),
  );

  operatorCommand(
    program
      .command("cancel-job")
      .description("cancel an active job as the RAP API's cancel does (ends as cancelled_by_user)")
      .argument("<job-id>", "the job's id"),
    ["rap cancel-job 5lzhcsbuzmr4nmxg"],
  ).action(kit.action((id: string, options: { json?: boolean }) => cancelJobCommand(adminContext(runtime), id, options)));

  operatorCommand(
    program
      .command("kill-job")
      .description("stop an active job's container at once; it ends as killed_by_admin and is not retried")
      .argument("<job-id>", "the job's id"),
    ["rap kill-job 5lzhcsbuzmr4nmxg"],
  ).action(kit.action((id: string, options: { json?: boolean }) => killJobCommand(adminContext(runtime), id, options)));

  operatorCommand(
    program
      .command("add-job")
      .alias("add_job")
      .description("create jobs without job-server, for local development (upstream's add_job)")
      .argument("<repo>", "a git repository URL, or a local path (made absolute)")
      .argument("<actions...>", "the actions to run (their dependencies are added as needed)")
      .requiredOption("--backend <backend>", "the backend to run on")
      .option("--commit <sha>", "the commit to run (default: the branch's head)")
      .option("--branch <branch>", "the branch", "main")
      .option("--workspace <workspace>", "the workspace", "test")
      .option("--database <name>", "the database", "default")
      .option("-f, --force-run-dependencies", "run the dependencies again even if they succeeded"),
    [
      "rap add-job ./my-study generate_dataset --backend test",
      "rap add-job https://github.com/org/study analyse --backend tpp -f",
    ],
  ).action(
    kit.action((repo: string, actions: string[], options: AddJobOptions) =>
      addJobCommand(adminContext(runtime), repo, actions, options, runtime.cwd),
    ),
  );
}
