/**
 * Scale: the controller's speed with 0, 1,000 and 10,000 jobs waiting on a busy backend (tpp, 2
 * workers, both busy, so every waiting job is ready but for a worker: the scheduler's hardest case).
 * At each point, on the idle backend `test` (an in-process agent whose executor finishes at once):
 * dispatch latency (rap/create -> agent holds the RUNJOB task); on backend `emis`, agent updates per
 * second through a bare stream, one at a time and pipelined; and rap/status latency for 1 and 100
 * RAP ids of the waiting jobs. At the start, creates per second at concurrency 1 and 16, each job
 * dispatched to and finished by an agent: on backend `creates`, whose agent runs in its own process
 * (test/bench/noop-agent.ts) as it does in a deployment, and on `test`, whose agent runs in this one.
 * The controller and its clients run in this process, as in the other benchmarks: figures are for
 * comparison within a run; CPU per create (this process's, clients included) moves less with the
 * machine's load than the rates do. Run: npx tsx test/bench/scale.bench.ts [--json] [--points 0,1000,10000]
 * [--creates-only] (the creates figures alone, for repeated A/B runs).
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { cpus, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import type { ControllerApp } from "../../controller/controller-app.js";
import { agentConfig, startAgent } from "../support/agent-harness.js";
import { CLIENT_TOKEN, createBody, OTHER_CLIENT_TOKEN, rest, startController } from "../support/controller-harness.js";
import { insertJob } from "../support/job-factory.js";
import { createStudyRepo } from "../support/study-repo.js";
import { waitFor } from "../support/wait-for.js";
import { updateStorm } from "./agent-update-storm.js";
import { recording } from "./recording-executor.js";
import { percentile } from "./stats.js";

const args = process.argv.slice(2);
const json = args.includes("--json");
const pointsArg = args[args.indexOf("--points") + 1];
const CREATES_ONLY = args.includes("--creates-only");
const POINTS = CREATES_ONLY ? [] : args.includes("--points") && pointsArg ? pointsArg.split(",").map(Number) : [0, 1000, 10_000];
const DISPATCH_SAMPLES = 40;
const STATUS_SAMPLES = 200;
const SEQUENTIAL_UPDATES = 500;
const PIPELINED_UPDATES = 5000;
const CREATES = 400;
const EMIS_AGENT_TOKEN = "agent-token-emis";
const CREATES_AGENT_TOKEN = "agent-token-creates";
const log = (line: string) => (json ? process.stderr : process.stdout).write(`${line}\n`);

const controller = await startController({
  env: {
    BACKENDS: "test,tpp,emis,creates",
    TEST_MAX_WORKERS: "100000",
    TEST_CLIENT_TOKENS: CLIENT_TOKEN,
    CREATES_CLIENT_TOKENS: CLIENT_TOKEN,
    CREATES_AGENT_TOKEN,
    CREATES_MAX_WORKERS: "100000",
    TPP_MAX_WORKERS: "2",
    TPP_MAX_DB_WORKERS: "2",
    EMIS_AGENT_TOKEN,
    EMIS_MAX_WORKERS: "10",
  },
});
const app: ControllerApp = controller.app;
const heldAt = new Map<string, number>();
const finished = new Set<string>();
const agent = startAgent(agentConfig(controller.url), recording(undefined, heldAt, finished));
const study = createStudyRepo({
  "project.yaml":
    'version: "5.0"\nactions:\n  one:\n    run: python:v2 analysis/one.sh\n    outputs:\n      moderately_sensitive:\n        out: output/out.txt\n',
  "analysis/one.sh": "mkdir -p output\necho ok > output/out.txt\n",
});
// The agent of `creates`, in its own process.
const agentProcess = spawn(process.execPath, ["--import", "tsx", "test/bench/noop-agent.ts"], {
  env: { ...process.env, CONTROLLER_URL: controller.url, AGENT_TOKEN: CREATES_AGENT_TOKEN, BACKEND: "creates" },
  stdio: ["ignore", "pipe", "inherit"],
});
await waitFor(() => app.sessions.get("test") && app.sessions.get("creates"), { timeoutMs: 60_000, message: "agents to connect" });

let raps = 0;
const nextRapId = () => (++raps).toString(36).padStart(16, "0");

async function createOne(workspace: string, backend = "test"): Promise<void> {
  const created = await rest(
    controller,
    "POST",
    "/controller/v1/rap/create/",
    createBody({
      backend,
      rap_id: nextRapId(),
      workspace,
      repo_url: study.path,
      commit: study.commit,
      requested_actions: ["one"],
    }),
  );
  if (created.status !== 201) throw new Error(`create failed: ${created.text}`);
}

async function dispatch(): Promise<number[]> {
  const samples: number[] = [];
  for (let index = 0; index < DISPATCH_SAMPLES; index++) {
    heldAt.clear();
    const started = performance.now();
    await createOne(`dispatch-${raps}`);
    const id = await waitFor(() => [...heldAt.keys()][0], {
      intervalMs: 0,
      timeoutMs: 120_000,
      message: "agent to hold the task",
    });
    samples.push(heldAt.get(id)! - started);
    await waitFor(() => finished.has(id), { intervalMs: 1, timeoutMs: 120_000, message: "job to finish" });
  }
  return samples;
}

/**
 * Creates per second on the backend (until the last create was answered), jobs finished per second
 * (until the agent had finished them all), and this process's CPU per create over the whole time
 * (an agent that falls behind leaves work for after the last create: this counts it).
 */
async function createsPerSecond(
  backend: string,
  concurrency: number,
  creates = CREATES,
): Promise<{ perSecond: number; finishedPerSecond: number; cpuMs: number }> {
  let left = creates;
  const cpuAtStart = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left-- > 0) await createOne(`creates-${raps}`, backend);
    }),
  );
  const perSecond = creates / ((performance.now() - started) / 1000);
  // The next measurement starts with no job of this one still in flight.
  const active = app.deps.db
    .prepare<[string], number>("SELECT count(*) FROM job WHERE backend = ? AND state IN ('pending', 'running')")
    .pluck();
  await waitFor(() => active.get(backend) === 0, { intervalMs: 5, timeoutMs: 120_000, message: "created jobs to finish" });
  const finishedPerSecond = creates / ((performance.now() - started) / 1000);
  const cpu = process.cpuUsage(cpuAtStart);
  return { perSecond, finishedPerSecond, cpuMs: (cpu.user + cpu.system) / 1000 / creates };
}

/** The backlog: waiting jobs on tpp, each its own RAP, in 50 workspaces; returns when all are examined. */
const backlogRaps: string[] = [];
async function growBacklog(to: number): Promise<void> {
  const ids: string[] = [];
  app.deps.db.transaction(() => {
    for (let n = backlogRaps.length; n < to; n++) {
      const rapId = `backlog${String(n).padStart(9, "0")}`;
      ids.push(insertJob(app.deps, { rapId, backend: "tpp", workspace: `ws${n % 50}`, action: `a${n}` }).id);
      backlogRaps.push(rapId);
    }
  })();
  app.deps.scheduler.jobsChanged(ids);
  const unexamined = app.deps.db
    .prepare<[], number>("SELECT count(*) FROM job WHERE backend = 'tpp' AND status_code = 'created'")
    .pluck();
  await waitFor(() => unexamined.get() === 0, { intervalMs: 20, timeoutMs: 300_000, message: "backlog to be examined" });
}

/** A running job on emis whose task takes the update storms. */
async function stormTask(): Promise<string> {
  const job = insertJob(app.deps, { backend: "emis", workspace: "storm", action: "storm" });
  app.deps.scheduler.jobsChanged([job.id]);
  return waitFor(() => app.deps.tasks.forJob(job.id, "runjob")[0]?.id, { intervalMs: 5, message: "storm task" });
}

async function statusLatency(count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let index = 0; index < STATUS_SAMPLES; index++) {
    const rapIds = Array.from({ length: count }, (_, k) => backlogRaps[(index * 37 + k * 101) % backlogRaps.length]!);
    const started = performance.now();
    const response = await rest(controller, "POST", "/controller/v1/rap/status/", { rap_ids: rapIds }, OTHER_CLIENT_TOKEN);
    samples.push(performance.now() - started);
    if (response.status !== 200) throw new Error(`status failed: ${response.status} ${response.text}`);
  }
  return samples;
}

const round = (value: number) => Math.round(value * 100) / 100;
const figures = (samples: number[]) => ({ p50: round(percentile(samples, 50)), p99: round(percentile(samples, 99)) });

const results: Record<string, unknown> = {
  // The load average says how much else the machine was doing (a shared 2-core machine here).
  machine: { cpus: cpus().length, node: process.version, loadAverage1m: round(loadavg()[0]!) },
};
log(`machine: ${cpus().length} cpus, node ${process.version}, load average ${loadavg()[0]!.toFixed(1)}`);
log("== creates per second (one-action study, idle controller, every job dispatched and finished)");
await createsPerSecond("creates", 16, 80); // warm-up
const createFigures = async (backend: string) => {
  const one = await createsPerSecond(backend, 1);
  const sixteen = await createsPerSecond(backend, 16);
  return {
    concurrency1: round(one.perSecond),
    concurrency16: round(sixteen.perSecond),
    finishedPerSecond: { concurrency1: round(one.finishedPerSecond), concurrency16: round(sixteen.finishedPerSecond) },
    cpuMsPerCreate: { concurrency1: round(one.cpuMs), concurrency16: round(sixteen.cpuMs) },
  };
};
const agentApart = await createFigures("creates");
const agentInProcess = await createFigures("test");
for (const [where, figures] of [
  ["agent in its own process", agentApart],
  ["agent in the controller's process", agentInProcess],
] as const) {
  log(
    `creates/s, ${where}: concurrency 1 = ${figures.concurrency1}, concurrency 16 = ${figures.concurrency16};` +
      ` jobs finished/s ${figures.finishedPerSecond.concurrency1} / ${figures.finishedPerSecond.concurrency16};` +
      ` CPU per create ${figures.cpuMsPerCreate.concurrency1} / ${figures.cpuMsPerCreate.concurrency16} ms`,
  );
}
results.createsPerSecond = { ...agentApart, agentInProcess };

const taskId = CREATES_ONLY ? "" : await stormTask();
let seq = 1;
const points: Record<string, unknown>[] = [];
for (const pending of POINTS) {
  await growBacklog(pending);
  const waiting = app.deps.db
    .prepare<[], number>("SELECT count(*) FROM job WHERE backend = 'tpp' AND state = 'pending'")
    .pluck()
    .get()!;
  const dispatchMs = figures(await dispatch());
  const sequential = await updateStorm({
    url: controller.url,
    token: EMIS_AGENT_TOKEN,
    backend: "emis",
    taskId,
    firstSeq: seq,
    count: SEQUENTIAL_UPDATES,
    pipelined: false,
  });
  seq += SEQUENTIAL_UPDATES;
  const pipelined = await updateStorm({
    url: controller.url,
    token: EMIS_AGENT_TOKEN,
    backend: "emis",
    taskId,
    firstSeq: seq,
    count: PIPELINED_UPDATES,
    pipelined: true,
  });
  seq += PIPELINED_UPDATES;
  const point = {
    pending: waiting,
    dispatchMs,
    updatesPerSecond: { sequential: round(sequential.perSecond), pipelined: round(pipelined.perSecond) },
    statusMs:
      backlogRaps.length === 0 ? null : { ids1: figures(await statusLatency(1)), ids100: figures(await statusLatency(100)) },
  };
  points.push(point);
  log(
    `pending=${waiting}: dispatch p50=${dispatchMs.p50}ms p99=${dispatchMs.p99}ms; updates/s sequential=${point.updatesPerSecond.sequential} pipelined=${point.updatesPerSecond.pipelined}` +
      (point.statusMs
        ? `; rap/status 1 id p50=${point.statusMs.ids1.p50}ms p99=${point.statusMs.ids1.p99}ms, 100 ids p50=${point.statusMs.ids100.p50}ms p99=${point.statusMs.ids100.p99}ms`
        : ""),
  );
}
results.points = points;
const idle = points[0] as { dispatchMs: { p50: number } } | undefined;
const busiest = points.at(-1) as { dispatchMs: { p50: number } } | undefined;
if (idle && busiest) {
  results.dispatchP50Ratio = round(busiest.dispatchMs.p50 / idle.dispatchMs.p50);
  log(`dispatch p50 at the largest backlog / idle = ${String(results.dispatchP50Ratio)}x`);
}
await agent.stop();
agentProcess.kill("SIGTERM");
await once(agentProcess, "exit");
await controller.dispose();
if (json) process.stdout.write(`${JSON.stringify(results)}\n`);
