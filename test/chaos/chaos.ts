/**
 * The chaos run: a `rap controller` and a `rap agent` process on loopback, real docker, and one
 * job per round hit by a random fault at a random moment: SIGKILL of the controller, of the agent
 * or of both, or a SIGSTOP partition of the agent (long enough, at times, for its lease to run out
 * and the stream to be dropped). Killed processes are started again. After every round the
 * invariants are checked: the job is final and succeeded, its output is on disk, its container
 * started once (its script appends one line per start), nothing is left over (no container, no
 * working directory) and it had one RUNJOB task (no task runaway).
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { jobId } from "../../controller/jobs/ids.js";
import { agentConfig } from "../support/agent-harness.js";
import { spawnAgent, type AgentProcess } from "../support/agent-process.js";
import { createBody, rest } from "../support/controller-harness.js";
import { spawnController, type ControllerProcess } from "../support/controller-process.js";
import { createStudyRepo } from "../support/study-repo.js";
import { waitFor } from "../support/wait-for.js";

export type Fault = "kill-controller" | "kill-agent" | "kill-both" | "stop-agent";
const FAULTS: readonly Fault[] = ["kill-controller", "kill-agent", "kill-both", "stop-agent"];

export interface ChaosReport {
  readonly runs: number;
  readonly faults: Record<Fault, number>;
  readonly violations: string[];
}

const CONTROLLER_ENV = { AGENT_HEARTBEAT_INTERVAL_MS: "500", AGENT_LEASE_MS: "3000" };

function study() {
  return createStudyRepo({
    "project.yaml": [
      'version: "5.0"',
      "actions:",
      "  work:",
      "    run: python:v2 analysis/work.sh",
      "    outputs:",
      "      moderately_sensitive:",
      "        starts: output/starts.txt",
      "",
    ].join("\n"),
    "analysis/work.sh": "mkdir -p output\necho start >> output/starts.txt\nsleep 1\n",
  });
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `runs` rounds (or until `deadlineMs` passes); checks the invariants after each. */
export async function chaos(options: { runs: number; deadlineMs: number; log?: (line: string) => void }): Promise<ChaosReport> {
  const log = options.log ?? (() => undefined);
  const workdir = mkdtempSync(path.join(tmpdir(), "rap-chaos-"));
  const repo = study();
  let controller: ControllerProcess = await spawnController(path.join(workdir, "controller"), 0, CONTROLLER_ENV);
  const config = agentConfig(controller.url, {
    AGENT_WORKDIR: path.join(workdir, "agent"),
    AGENT_ID: `chaos-${randomBytes(4).toString("hex")}`,
  });
  let agent: AgentProcess = spawnAgent(config);
  const faults = Object.fromEntries(FAULTS.map((fault) => [fault, 0])) as Record<Fault, number>;
  const violations: string[] = [];
  let runs = 0;
  try {
    while (runs < options.runs && Date.now() < options.deadlineMs) {
      const rapId = randomBytes(8).toString("hex");
      const id = jobId(rapId, "work");
      const body = createBody({
        rap_id: rapId,
        repo_url: repo.path,
        commit: repo.commit,
        requested_actions: ["work"],
        workspace: `ws-${rapId}`,
      });
      const created = await rest(controller, "POST", "/controller/v1/rap/create/", body);
      if (created.status !== 201) violations.push(`run ${runs}: create answered ${created.status}`);
      const fault = pick(FAULTS);
      faults[fault]++;
      // Any moment from "just created" to "finishing".
      await pause(Math.random() * 2500);
      if (fault === "kill-controller" || fault === "kill-both") await controller.kill("SIGKILL");
      if (fault === "kill-agent" || fault === "kill-both") await agent.kill("SIGKILL");
      if (fault === "stop-agent") {
        agent.child.kill("SIGSTOP");
        await pause(500 + Math.random() * 5000);
        agent.child.kill("SIGCONT");
      }
      if (fault === "kill-controller" || fault === "kill-both") {
        controller = await spawnController(path.join(workdir, "controller"), controller.port, CONTROLLER_ENV);
      }
      if (fault === "kill-agent" || fault === "kill-both") agent = spawnAgent(config);
      const problem = await checkRound(controller, config, rapId, id, path.join(workdir, "controller")).catch((error: unknown) =>
        error instanceof Error ? error.message : String(error),
      );
      runs++;
      if (problem) violations.push(`run ${runs} (${fault}): ${problem}`);
      log(`run ${runs} ${fault}: ${problem ?? "ok"}`);
    }
  } finally {
    agent.child.kill("SIGCONT");
    await agent.kill("SIGKILL");
    await controller.kill("SIGKILL");
    execFileSync("sh", [
      "-c",
      `docker ps -aq --filter label=job-runner --filter name=os-job- | xargs -r docker rm -f >/dev/null 2>&1 || true`,
    ]);
    rmSync(workdir, { recursive: true, force: true });
  }
  return { runs, faults, violations };
}

async function checkRound(
  controller: ControllerProcess,
  config: ReturnType<typeof agentConfig>,
  rapId: string,
  id: string,
  databaseDir: string,
): Promise<string | undefined> {
  const job = await waitFor(
    async () => {
      const response = await rest(controller, "POST", "/controller/v1/rap/status/", { rap_ids: [rapId] });
      const found = (response.json as { jobs: { status: string; status_code: string }[] }).jobs[0];
      return found && (found.status === "succeeded" || found.status === "failed") ? found : undefined;
    },
    { timeoutMs: 120_000, message: `job ${id} to end` },
  );
  if (job.status !== "succeeded") return `job ended ${job.status}/${job.status_code}`;
  const output = path.join(config.storage.mediumPrivacyDir, "workspaces", `ws-${rapId}`, "output/starts.txt");
  if (!existsSync(output)) return "output missing";
  const starts = readFileSync(output, "utf8");
  if (starts !== "start\n") return `container started ${starts.split("\n").length - 1} times`;
  // Tidying up follows the result; wait for it before calling anything left over.
  try {
    await waitFor(
      () =>
        !existsSync(path.join(config.storage.volumesDir, id)) &&
        execFileSync("docker", ["ps", "-aq", "--filter", `name=os-job-${id}`], { encoding: "utf8" }).trim() === "",
      { timeoutMs: 30_000 },
    );
  } catch {
    return "container or working directory left over";
  }
  const db = new BetterSqlite3(path.join(databaseDir, "db.sqlite"), { readonly: true, fileMustExist: true });
  try {
    const row = db
      .prepare<[string], { n: number }>("SELECT COUNT(*) AS n FROM tasks WHERE job_id = ? AND type = 'runjob'")
      .get(id);
    if (row?.n !== 1) return `${row?.n ?? 0} RUNJOB tasks (task runaway)`;
  } finally {
    db.close();
  }
  return undefined;
}
