/**
 * The chaos run: a `rap controller` and a `rap agent` process on loopback, real docker, and one
 * job per round hit by a random fault at a random moment: SIGKILL of the controller, of the agent
 * or of both; a SIGSTOP partition of the agent (long enough, at times, for its lease to run out
 * and the stream to be dropped); the controller's disk filled to ENOSPC for a while (its state
 * directory is a small tmpfs) and then freed; or the agent's stream dropped by the TCP proxy it
 * dials through (connections cut, cut and refused for a while, or stalled without a FIN or RST).
 * Killed processes are started again. After every round the invariants are checked: the job is
 * final and succeeded, its output is on disk, its container started once (its script appends one
 * line per start), nothing is left over (no container, no working directory) and it had one RUNJOB
 * task (no task runaway); the controller did not exit by itself; while its disk was full, a create
 * was either stored or refused with a 503 in upstream's error shape.
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
import { fillDisk, mountTmpfs } from "../support/full-disk.js";
import { createStudyRepo } from "../support/study-repo.js";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.js";
import { waitFor } from "../support/wait-for.js";

export type Fault = "kill-controller" | "kill-agent" | "kill-both" | "stop-agent" | "disk-full" | "stream-drop";
export const FAULTS: readonly Fault[] = ["kill-controller", "kill-agent", "kill-both", "stop-agent", "disk-full", "stream-drop"];

export interface ChaosReport {
  readonly runs: number;
  readonly faults: Record<Fault, number>;
  /** The stream drops by kind: cut, cut-and-refuse, stall-then-resume, stall-then-cut. */
  readonly streamDrops: Record<StreamDrop, number>;
  /** Creates sent while the controller's disk was full, by outcome: stored (201) or refused (503). */
  readonly fullDiskCreates: { readonly stored: number; readonly refused: number };
  readonly violations: string[];
}

type StreamDrop = "cut" | "refuse" | "stall-resume" | "stall-cut";
const STREAM_DROPS: readonly StreamDrop[] = ["cut", "refuse", "stall-resume", "stall-cut"];

/** The controller's state directory: small, so a filler file reaches ENOSPC in a moment. */
const CONTROLLER_TMPFS_SIZE = "64m";

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

/**
 * Runs `runs` rounds (or until `deadlineMs` passes); checks the invariants after each. `order`
 * gives the faults of the first rounds (the suite uses it so that every kind it names occurs);
 * later rounds pick at random.
 */
export async function chaos(options: {
  runs: number;
  deadlineMs: number;
  order?: readonly Fault[];
  /** Stops after the current round (and tidies up) once aborted. */
  signal?: AbortSignal;
  log?: (line: string) => void;
}): Promise<ChaosReport> {
  const log = options.log ?? (() => undefined);
  const workdir = mkdtempSync(path.join(tmpdir(), "rap-chaos-"));
  const controllerDir = path.join(workdir, "controller");
  const faults = Object.fromEntries(FAULTS.map((fault) => [fault, 0])) as Record<Fault, number>;
  const streamDrops = Object.fromEntries(STREAM_DROPS.map((drop) => [drop, 0])) as Record<StreamDrop, number>;
  const fullDiskCreates = { stored: 0, refused: 0 };
  const violations: string[] = [];
  let runs = 0;
  let unmount: (() => void) | undefined;
  /** Every job this run created: only their containers are removed at the end. */
  const jobIds: string[] = [];
  let controller: ControllerProcess | undefined;
  let agent: AgentProcess | undefined;
  let proxy: TcpProxy | undefined;
  try {
    unmount = mountTmpfs(controllerDir, CONTROLLER_TMPFS_SIZE);
    controller = await spawnController(controllerDir, 0, CONTROLLER_ENV);
    proxy = await startTcpProxy(controller.port);
    const config = agentConfig(proxy.url, {
      AGENT_WORKDIR: path.join(workdir, "agent"),
      AGENT_ID: `chaos-${randomBytes(4).toString("hex")}`,
    });
    agent = spawnAgent(config);
    const repo = study();
    const create = (rapId: string) =>
      rest(
        controller!,
        "POST",
        "/controller/v1/rap/create/",
        createBody({
          rap_id: rapId,
          repo_url: repo.path,
          commit: repo.commit,
          requested_actions: ["work"],
          workspace: `ws-${rapId}`,
        }),
      );
    while (runs < options.runs && Date.now() < options.deadlineMs && !options.signal?.aborted) {
      const rapId = randomBytes(8).toString("hex");
      const created = await create(rapId);
      if (created.status !== 201) violations.push(`run ${runs}: create answered ${created.status}`);
      const fault = options.order?.[runs] ?? pick(FAULTS);
      faults[fault]++;
      const problems: string[] = [];
      const rapIds = [rapId];
      jobIds.push(jobId(rapId, "work"));
      // Any moment from "just created" to "finishing".
      await pause(Math.random() * 2500);
      if (fault === "kill-controller" || fault === "kill-both") await controller.kill("SIGKILL");
      if (fault === "kill-agent" || fault === "kill-both") await agent.kill("SIGKILL");
      if (fault === "stop-agent") {
        agent.child.kill("SIGSTOP");
        await pause(500 + Math.random() * 5000);
        agent.child.kill("SIGCONT");
      }
      if (fault === "disk-full") {
        const probe = randomBytes(8).toString("hex");
        const answer = await fullDiskProbe(controllerDir, 1000 + Math.random() * 5000, () => create(probe));
        jobIds.push(jobId(probe, "work"));
        if ("violation" in answer) problems.push(answer.violation);
        else fullDiskCreates[answer.outcome]++;
        // A create that went in is a job like the round's own: the same invariants hold for it.
        if ("outcome" in answer && answer.outcome === "stored") rapIds.push(probe);
      }
      if (fault === "stream-drop") {
        const drop = pick(STREAM_DROPS);
        streamDrops[drop]++;
        await dropStream(proxy, drop);
      }
      if (fault === "kill-controller" || fault === "kill-both") {
        controller = await spawnController(controllerDir, controller.port, CONTROLLER_ENV);
      }
      if (fault === "kill-agent" || fault === "kill-both") agent = spawnAgent(config);
      for (const id of rapIds) {
        const problem = await checkRound(controller, config, id, jobId(id, "work"), controllerDir).catch((error: unknown) =>
          error instanceof Error ? error.message : String(error),
        );
        if (problem) problems.push(id === rapId ? problem : `the create sent while the disk was full: ${problem}`);
      }
      // A process only ever ends here because this run killed it; one that exited by itself crashed.
      if (controller.child.exitCode !== null || controller.child.signalCode !== null) {
        problems.push(`controller exited by itself (${controller.child.exitCode ?? controller.child.signalCode})`);
        controller = await spawnController(controllerDir, controller.port, CONTROLLER_ENV);
      }
      if (agent.child.exitCode !== null || agent.child.signalCode !== null) {
        problems.push(`agent exited by itself (${agent.child.exitCode ?? agent.child.signalCode})`);
        agent = spawnAgent(config);
      }
      runs++;
      for (const problem of problems) violations.push(`run ${runs} (${fault}): ${problem}`);
      log(`run ${runs} ${fault}: ${problems.join("; ") || "ok"}`);
    }
  } finally {
    agent?.child.kill("SIGCONT");
    await agent?.kill("SIGKILL");
    await controller?.kill("SIGKILL");
    await proxy?.close();
    for (const id of jobIds) {
      execFileSync("sh", ["-c", `docker ps -aq --filter name=^os-job-${id}$ | xargs -r docker rm -f >/dev/null 2>&1 || true`]);
    }
    unmount?.();
    rmSync(workdir, { recursive: true, force: true });
  }
  return { runs, faults, streamDrops, fullDiskCreates, violations };
}

/**
 * Fills the controller's tmpfs to ENOSPC with a filler file, sends `probe` (a create) while it is
 * full, holds for `holdMs`, then frees the space. The create must be stored (201) or refused with a
 * 503 in upstream's `{"error", "details"}` shape; anything else is returned as the violation.
 */
async function fullDiskProbe(
  dir: string,
  holdMs: number,
  probe: () => Promise<{ status: number; json: unknown }>,
): Promise<{ outcome: "stored" | "refused" } | { violation: string }> {
  const free = fillDisk(dir);
  const started = Date.now();
  try {
    const answer = await probe().catch((error: unknown) => error as Error);
    if (answer instanceof Error) return { violation: `a create while the disk was full got no answer: ${answer.message}` };
    if (answer.status === 201) return { outcome: "stored" };
    const body = answer.json as { error?: unknown; details?: unknown } | undefined;
    if (answer.status !== 503 || typeof body?.error !== "string" || typeof body.details !== "string") {
      return { violation: `a create while the disk was full answered ${answer.status} ${JSON.stringify(answer.json)}` };
    }
    return { outcome: "refused" };
  } finally {
    await pause(Math.max(0, holdMs - (Date.now() - started)));
    free();
  }
}

/** One stream drop between agent and controller. */
async function dropStream(proxy: TcpProxy, drop: StreamDrop): Promise<void> {
  if (drop === "cut") {
    proxy.cut();
    return;
  }
  if (drop === "refuse") {
    proxy.refuse(true);
    proxy.cut();
    await pause(500 + Math.random() * 4000);
    proxy.refuse(false);
    return;
  }
  // A stall past the agent's silence limit (3 heartbeats: 1.5 s) drops the stream at both ends.
  proxy.stall(true);
  await pause(500 + Math.random() * 5000);
  if (drop === "stall-cut") proxy.cut();
  proxy.stall(false);
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
