/**
 * The Kubernetes driver's cost per job against the fake API server (no real cluster was available;
 * its pods run as real docker containers): API calls per job, from the driver's own counters and
 * from the fake's request log, and the driver's own overhead per job as a ratio to the pod's run
 * time in the fake cluster (docker's container created -> exited, to the nanosecond). A job's wall
 * time runs from the first getStatus to the finalized result; overhead is that minus the pod's run.
 * Run: npx tsx test/bench/kubernetes.bench.ts [--json] [N]
 */
import { performance } from "node:perf_hooks";
import { execa } from "execa";
import type { CounterLabels, KubernetesCounterName, KubernetesMetricsSink } from "../../runtime-drivers/kubernetes/index.js";
import { jobName } from "../../runtime-drivers/kubernetes/names.js";
import { kubernetesExecutor, shellJob } from "../support/fake-kubernetes/executor-harness.js";
import { startKubernetesTestEnvironment } from "../support/fake-kubernetes/kubernetes-runtime.js";
import { percentile } from "./stats.js";

const args = process.argv.slice(2);
const json = args.includes("--json");
const N = Number(args.find((arg) => /^\d+$/.test(arg)) ?? 20);
const log = (line: string) => (json ? process.stderr : process.stdout).write(`${line}\n`);

/** The driver's API calls, by `verb resource`, from its own counters. */
class CallCounter implements KubernetesMetricsSink {
  readonly calls = new Map<string, number>();
  increment(name: KubernetesCounterName, labels: CounterLabels): void {
    if (name !== "k8s_request_total") return;
    const key = `${labels.verb ?? "?"} ${labels.resource ?? "?"}`;
    this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
  }
  limiterTokens(): void {}
  total(): number {
    let sum = 0;
    for (const value of this.calls.values()) sum += value;
    return sum;
  }
}

/** Created -> exited of the pod's container, from docker's own nanosecond timestamps. */
async function podRunMs(containerId: string): Promise<number> {
  const inspected = await execa("docker", ["inspect", "--format", "{{.Created}} {{.State.FinishedAt}}", containerId]);
  const [created = "", finished = ""] = inspected.stdout.trim().split(" ");
  const ns = (iso: string) => {
    const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(iso);
    if (!match) throw new Error(`unexpected docker timestamp ${iso}`);
    return BigInt(Date.parse(`${match[1]}Z`)) * 1_000_000n + BigInt((match[2] ?? "").padEnd(9, "0").slice(0, 9));
  };
  return Number(ns(finished) - ns(created)) / 1e6;
}

const env = await startKubernetesTestEnvironment();
const calls = new CallCounter();
const under = kubernetesExecutor(env, {}, undefined, { kubernetesMetrics: calls });
const executor = under.executor;
const signal = AbortSignal.timeout(900_000);
const wallMs: number[] = [];
const podMs: number[] = [];
const overheadRatio: number[] = [];
const driverCalls: number[] = [];
const fakeCalls: number[] = [];
const perVerb = new Map<string, number[]>();
try {
  // One warm-up job: the informers' first lists and the namespace's NetworkPolicy are per agent, not per job.
  for (let index = -1; index < N; index++) {
    const job = shellJob("echo ok > output/out.txt");
    const before = new Map(calls.calls);
    const beforeTotal = calls.total();
    const fakeBefore = env.cluster.server.totalRequests();
    const started = performance.now();
    await executor.getStatus(job, {}, signal);
    await executor.prepare(job, signal);
    await executor.execute(job, signal);
    const exited = await executor.waitForExit(job, signal);
    if (exited.state !== "executed") throw new Error(`job ended ${exited.state}`);
    const finalized = await executor.finalize(job, {}, signal);
    if (finalized.state !== "finalized") throw new Error(`job ended ${finalized.state}`);
    const elapsed = performance.now() - started;
    const pod = (await env.cluster.containers()).find((container) => container.pod.startsWith(jobName(job.id, job.taskId)));
    if (!pod) throw new Error(`no container for job ${job.id}`);
    const run = await podRunMs(pod.id);
    await executor.cleanup(job, signal);
    if (index < 0) continue;
    wallMs.push(elapsed);
    podMs.push(run);
    overheadRatio.push((elapsed - run) / run);
    driverCalls.push(calls.total() - beforeTotal);
    fakeCalls.push(env.cluster.server.totalRequests() - fakeBefore);
    for (const [key, value] of calls.calls) {
      const list = perVerb.get(key) ?? [];
      list.push(value - (before.get(key) ?? 0));
      perVerb.set(key, list);
    }
  }
} finally {
  await under.close();
  await env.dispose();
}

const stats = (samples: readonly number[]) => ({ p50: percentile(samples, 50), p95: percentile(samples, 95) });
const figures = {
  jobs: N,
  api_calls_per_job: stats(driverCalls),
  fake_server_requests_per_job: stats(fakeCalls),
  api_calls_per_job_by_verb: Object.fromEntries(
    [...perVerb].sort(([a], [b]) => a.localeCompare(b)).map(([key, samples]) => [key, stats(samples)]),
  ),
  job_wall_ms: stats(wallMs),
  pod_run_ms: stats(podMs),
  driver_overhead_ratio: stats(overheadRatio),
};
const f = (value: number, digits = 0) => value.toFixed(digits);
log(
  `kubernetes (fake API server): n=${N}; API calls per job p50=${f(figures.api_calls_per_job.p50)} p95=${f(figures.api_calls_per_job.p95)} ` +
    `(fake server saw p50=${f(figures.fake_server_requests_per_job.p50)})`,
);
log(
  `  by verb (p50): ${Object.entries(figures.api_calls_per_job_by_verb)
    .filter(([, s]) => s.p50 > 0 || s.p95 > 0)
    .map(([key, s]) => `${key}=${f(s.p50)}`)
    .join(", ")}`,
);
log(
  `  job to result p50=${f(figures.job_wall_ms.p50)}ms p95=${f(figures.job_wall_ms.p95)}ms; pod run p50=${f(figures.pod_run_ms.p50)}ms; ` +
    `driver overhead / pod run p50=${f(figures.driver_overhead_ratio.p50, 2)} p95=${f(figures.driver_overhead_ratio.p95, 2)}`,
);
if (json) process.stdout.write(`${JSON.stringify(figures)}\n`);
