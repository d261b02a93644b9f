/**
 * Validation and planning cost of a large study: parseProject + planJobs(run_all) on a generated
 * 300-action post-covid-style project.yaml (test/bench/post-covid-project.ts), for an empty
 * workspace, so every action becomes a job. Pure CPU: no git, no SQLite. Prints p50/p95/max over
 * the runs and a final `plan_300_actions_p50_ms=<n>` line for the README. No assertion on time.
 * Run: npx tsx test/bench/plan.bench.ts [runs]
 */
import { performance } from "node:perf_hooks";
import type { CreateRequest } from "../../controller/jobs/create-request.js";
import { newTraceContext } from "../../controller/jobs/ids.js";
import { planJobs } from "../../controller/jobs/plan-jobs.js";
import { parseProject } from "../../controller/pipeline/parse-project.js";
import { postCovidProject } from "./post-covid-project.js";
import { percentile } from "./stats.js";

const ACTIONS = 300;
const RUNS = Math.max(30, Number(process.argv[2] ?? 50));
const WARMUP = 5;

const request: CreateRequest = {
  backend: "tpp",
  rapId: "benchbenchbench2",
  workspace: "post-covid-bench",
  repoUrl: "https://github.com/opensafely/post-covid-bench",
  branch: "main",
  commit: "0".repeat(40),
  databaseName: "default",
  requestedActions: ["run_all"],
  codelistsOk: true,
  forceRunDependencies: false,
  createdBy: "bench",
  project: "bench",
  orgs: ["bench"],
};

function once(text: string): number {
  const pipeline = parseProject(text);
  const jobs = planJobs({
    request,
    pipeline,
    workspaceState: new Map(),
    nowMs: Date.now(),
    projectsWithEventLevelAccess: [],
    newTraceContext,
  });
  return jobs.length;
}

const text = postCovidProject(ACTIONS);
const planned = once(text);
if (planned !== ACTIONS) throw new Error(`planned ${planned} jobs for ${ACTIONS} actions`);
for (let index = 0; index < WARMUP; index++) once(text);

const samples: number[] = [];
for (let index = 0; index < RUNS; index++) {
  const start = performance.now();
  once(text);
  samples.push(performance.now() - start);
}

const f = (value: number) => value.toFixed(2);
console.log(
  `parseProject + planJobs(run_all), ${ACTIONS} actions, ${(text.length / 1024).toFixed(0)} KiB project.yaml, ${RUNS} runs after ${WARMUP} warm-up`,
);
console.log(`p50 ${f(percentile(samples, 50))} ms`);
console.log(`p95 ${f(percentile(samples, 95))} ms`);
console.log(`max ${f(Math.max(...samples))} ms`);
console.log(`plan_300_actions_p50_ms=${f(percentile(samples, 50))}`);
