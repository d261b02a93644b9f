/**
 * The operators' storage tools on the backend host (upstream's agent CLIs and archive scripts):
 * `rap task kill`, `rap manifest update-out-of-date-actions`, `rap manifest add-old-job`,
 * `rap workspace archive` and `rap workspace unarchive`. They act on the agent's folders and runtime
 * as its config names them (cli/ops/backend-host.ts); the logic is in cli/ops/.
 */
import type { Command } from "commander";
import * as argv from "../../runtime-drivers/container-cli/argv.js";
import { mediumWorkspaceDir, UnsafeNameError } from "../../runtime-drivers/job-files/storage-paths.js";
import { EXIT_FAILED, EXIT_USAGE } from "../cli-errors.js";
import type { CliRuntime } from "../cli-runtime.js";
import type { CommandKit } from "../command-kit.js";
import { loadBackendHost, type BackendHost } from "../ops/backend-host.js";
import { runAddOldJob } from "../ops/manifest-old-job.js";
import { runUpdateOutOfDateActions } from "../ops/manifest-out-of-date.js";
import { OpsRefusal, type OpsIo } from "../ops/ops-io.js";
import { runTaskKill } from "../ops/task-kill.js";
import { runArchive, runUnarchive, type ArchiveDeps } from "../ops/workspace-archive.js";

const ENVIRONMENT = `
Acts on this backend host's agent storage and runtime, as the agent's configuration names them:
AGENT_CONFIG (the agent's YAML file) and the agent's environment variables (HIGH_PRIVACY_STORAGE_BASE,
MEDIUM_PRIVACY_STORAGE_BASE, HIGH_PRIVACY_ARCHIVE_DIR, AGENT_DRIVER, …). Run it as the agent's user.`;

function opsIo(runtime: CliRuntime): OpsIo {
  return { out: (text) => runtime.io.stdout(text), err: (text) => runtime.io.stderr(text), ask: (q) => runtime.io.ask(q) };
}

/** Runs a tool: refusals end with exit 1, unsafe names with 2, each as `<name>: <message>`. */
async function tool(runtime: CliRuntime, name: string, run: (host: BackendHost, io: OpsIo) => Promise<number>) {
  try {
    return await run(loadBackendHost(runtime.env), opsIo(runtime));
  } catch (error) {
    if (error instanceof OpsRefusal) {
      runtime.io.stderr(`${name}: ${error.message}\n`);
      return EXIT_FAILED;
    }
    if (error instanceof UnsafeNameError) {
      runtime.io.stderr(
        `${name}: ${error.message}: a workspace name is one folder name (not empty, '.', '..', or with / or \\)\n`,
      );
      return EXIT_USAGE;
    }
    throw error;
  }
}

function examples(lines: readonly string[]): string {
  return `${ENVIRONMENT}\n\nExamples:\n${lines.map((line) => `  $ ${line}`).join("\n")}`;
}

function registerTaskKill(program: Command, kit: CommandKit): void {
  const { runtime } = kit;
  program
    .command("task")
    .description("this backend host's running job tasks (upstream's agent kill_task)")
    .command("kill")
    .description("kill running job containers on this backend host; the agent then runs those jobs again from the start")
    .argument("<partial-job-id...>", "job ids, or parts of them")
    .option("--dry-run", "print which containers and working directories would go, and change nothing", false)
    .option("-y, --yes", "do not ask: take an inexact single match; several matches are an error", false)
    .addHelpText(
      "after",
      `
Several running jobs matching one id: you are asked for a number. One match that is not the whole
id: you are asked to press Enter. The job's container is killed and removed and its working
directory deleted; the agent sees the job as not started and prepares and runs it again (a retry,
not a cancel: to stop a job use 'rap cancel-job' or 'rap kill-job'). docker and podman only.
${examples(["rap task kill 6y7hbsu2yqnpxkjh", "rap task kill --dry-run 6y7h", "rap task kill --yes 6y7hbsu2 q3x7"])}`,
    )
    .action(
      kit.action((partialIds: string[], options: { dryRun: boolean; yes: boolean }) =>
        tool(runtime, "rap task kill", async (host, io) => {
          const { kind, binary } = host.config.driver;
          if (kind === "kubernetes") {
            throw new OpsRefusal(
              "not supported on a kubernetes backend (the agent's driver is kubernetes); stop the job with 'rap kill-job' instead",
            );
          }
          const signal = runtime.stopSignal(() => undefined);
          return runTaskKill(
            { ...io, binary, runner: host.runner, volumesDir: host.config.storage.volumesDir, signal },
            { partialIds, dryRun: options.dryRun, yes: options.yes },
          );
        }),
      ),
    );
}

function registerManifest(program: Command, kit: CommandKit): void {
  const { runtime } = kit;
  const manifest = program
    .command("manifest")
    .description("repair a workspace's metadata/manifest.json on this backend host (upstream's agent manifest tools)");
  manifest
    .command("update-out-of-date-actions")
    .description("recompute every entry's out_of_date_action from project.yaml at a commit")
    .argument("<workspace>", "the workspace")
    .argument("<repo-url>", "the study repository")
    .argument("<commit>", "the commit whose project.yaml decides")
    .option("--dry-run", "print the entries whose flag would change, and write nothing", false)
    .addHelpText(
      "after",
      `
An entry's flag is true when its action is not in that project.yaml, false when it is. The manifest
is rewritten atomically, only when a flag changes.
${examples(["rap manifest update-out-of-date-actions my-ws https://github.com/opensafely/my-study 3f2a…"])}`,
    )
    .action(
      kit.action((workspace: string, repoUrl: string, commit: string, options: { dryRun: boolean }) =>
        tool(runtime, "rap manifest update-out-of-date-actions", (host, io) =>
          runUpdateOutOfDateActions(
            { mediumWorkspace: mediumWorkspaceDir(host.config.storage, workspace), workspace, repoUrl, commit, ...options },
            host.checkout,
            io,
            runtime.stopSignal(() => undefined),
          ),
        ),
      ),
    );
  manifest
    .command("add-old-job")
    .description("add manifest entries for an earlier job's outputs from its metadata.json, never replacing entries")
    .argument("<workspace>", "the workspace")
    .argument("<partial-job-id>", "the job id, or its start")
    .argument("<branch>", "the workspace's branch: its head's project.yaml decides the out-of-date flags")
    .option("--dry-run", "print the entries that would be added, and write nothing", false)
    .addHelpText(
      "after",
      `
The manifest is first copied to manifest.json<job id>.bu. The study repository is the one of the
manifest's first entry. An action still in project.yaml at the branch head gets
out_of_date_output: true, one that is gone out_of_date_action: true.
${examples(["rap manifest add-old-job my-ws 6y7hbsu2 main"])}`,
    )
    .action(
      kit.action((workspace: string, partialJobId: string, branch: string, options: { dryRun: boolean }) =>
        tool(runtime, "rap manifest add-old-job", (host, io) =>
          runAddOldJob(
            {
              layout: host.config.storage,
              mediumWorkspace: mediumWorkspaceDir(host.config.storage, workspace),
              workspace,
              partialJobId,
              branch,
              dryRun: options.dryRun,
            },
            host.checkout,
            io,
            runtime.stopSignal(() => undefined),
          ),
        ),
      ),
    );
}

function archiveDeps(host: BackendHost, io: OpsIo, runtime: CliRuntime): ArchiveDeps {
  const { kind, binary } = host.config.driver;
  const signal = runtime.stopSignal(() => undefined);
  return {
    layout: host.config.storage,
    runner: host.runner,
    io,
    signal,
    workspaceContainers:
      kind === "kubernetes"
        ? undefined
        : async (workspace) => {
            const args = [...argv.listJobContainersArgv()];
            args.splice(args.indexOf("--format"), 0, "--filter", `label=workspace=${workspace}`);
            const listed = await host.runner.run(binary, args, { signal });
            if (listed.exitCode !== 0) throw new OpsRefusal(`${binary} container ls failed: ${listed.stderr.trim()}`);
            return listed.stdout.split("\n").filter((line) => line.trim() !== "");
          },
  };
}

function registerWorkspace(program: Command, kit: CommandKit): void {
  const { runtime } = kit;
  const workspace = program
    .command("workspace")
    .description("archive or restore a workspace's high-privacy folder on this backend host");
  const verbs = [
    {
      name: "archive",
      description: "pack the workspace's high-privacy folder into <archives dir>/<workspace>.tar.gz and remove the folder",
      help: `
Refused while any job container of the workspace exists. The archive is written to a temporary file,
checked with 'tar --list', renamed into place, and only then is the folder removed. While archived,
the agent refuses the workspace's jobs. Medium-privacy outputs and manifest.json stay.`,
      run: runArchive,
    },
    {
      name: "unarchive",
      description: "restore the workspace's high-privacy folder from its archive and remove the archive",
      help: `
Reads <workspace>.tar.gz (or .tar.xz, .tar.zstd) from the archives dir; the folder is extracted to a
temporary place, checked, renamed into place, and only then is the archive removed.`,
      run: runUnarchive,
    },
  ] as const;
  for (const verb of verbs) {
    workspace
      .command(verb.name)
      .description(verb.description)
      .argument("<workspace>", "the workspace")
      .option("--dry-run", "print what would be done, and change nothing", false)
      .addHelpText("after", `${verb.help}\n${examples([`rap workspace ${verb.name} my-old-ws`])}`)
      .action(
        kit.action((name: string, options: { dryRun: boolean }) =>
          tool(runtime, `rap workspace ${verb.name}`, (host, io) =>
            verb.run(archiveDeps(host, io, runtime), name, options.dryRun),
          ),
        ),
      );
  }
}

export function registerOpsCommands(program: Command, kit: CommandKit): void {
  registerTaskKill(program, kit);
  registerManifest(program, kit);
  registerWorkspace(program, kit);
}
