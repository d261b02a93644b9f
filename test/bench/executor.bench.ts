/**
 * Agent-side overhead: wall time of a trivial one-action job through the executor (prepare with a
 * git checkout, hardened run, wait, finalize with output filing, cleanup) divided by a bare
 * `<runtime> run --rm --network none IMG true`, medians from one run, for docker and podman.
 * Run: npx tsx test/bench/executor.bench.ts [N]
 */
import { performance } from "node:perf_hooks";
import { execa } from "execa";
import { createExecutor } from "../../agent/executor-factory.js";
import { createAgentLogger } from "../../agent/logger.js";
import type { JobDefinition } from "../../runtime-drivers/index.js";
import { agentConfig } from "../support/agent-harness.js";
import { standinImage } from "../support/standin-images.js";
import { createStudyRepo } from "../support/study-repo.js";
import { percentile } from "./stats.js";

const N = Number(process.argv[2] ?? 15);
const IMAGE = "ghcr.io/opensafely-core/python:v2"; // the executor maps it to the stand-in
const STANDIN = standinImage("python:v2");

const study = createStudyRepo({
  "project.yaml":
    'version: "5.0"\nactions:\n  one:\n    run: python:v2 analysis/one.sh\n    outputs:\n      moderately_sensitive:\n        out: output/out.txt\n',
  "analysis/one.sh": "mkdir -p output\necho ok > output/out.txt\n",
});

function job(index: number, runtime: string): JobDefinition {
  const id = `bench${runtime.slice(0, 1)}${String(index).padStart(10, "0")}`;
  return {
    id,
    rapId: "benchbenchbench0",
    taskId: `${id}-001`,
    repoUrl: study.path,
    commit: study.commit,
    study: { gitRepoUrl: study.path, commit: study.commit, branch: "main" },
    workspace: `bench-${runtime}`,
    action: "one",
    createdAt: Math.floor(Date.now() / 1000),
    image: IMAGE,
    args: ["analysis/one.sh"],
    env: { OPENSAFELY_BACKEND: "test" },
    inputJobIds: [],
    outputSpec: { "output/out.txt": "moderately_sensitive" },
    allowDatabaseAccess: false,
    level4MaxCsvRows: 5000,
    level4MaxFilesize: 16777216,
    level4FileTypes: [".csv", ".txt"],
    user: "bench",
    cpuCount: "2",
    memoryLimit: "4G",
  };
}

async function measure(runtime: "docker" | "podman"): Promise<void> {
  const bare: number[] = [];
  for (let index = 0; index < N; index++) {
    const started = performance.now();
    await execa(runtime, ["run", "--rm", "--network", "none", STANDIN, "-c", "true"]);
    bare.push(performance.now() - started);
  }
  const config = agentConfig("http://127.0.0.1:1", { AGENT_DRIVER: runtime });
  const executor = createExecutor(config, createAgentLogger("error"));
  const signal = AbortSignal.timeout(600_000);
  const agentSide: number[] = [];
  const toResult: number[] = [];
  for (let index = 0; index < N; index++) {
    const definition = job(index, runtime);
    const started = performance.now();
    await executor.getStatus(definition, {}, signal);
    await executor.prepare(definition, signal);
    await executor.execute(definition, signal);
    await executor.waitForExit(definition, signal);
    const finalized = await executor.finalize(definition, {}, signal);
    if (finalized.state !== "finalized") throw new Error(`job ended ${finalized.state}`);
    // The agent reports the result here, before cleaning up.
    toResult.push(performance.now() - started);
    await executor.cleanup(definition, signal);
    const final = await executor.getStatus(definition, {}, signal);
    if (final.state !== "finalized") throw new Error(`job ended ${final.state}`);
    agentSide.push(performance.now() - started);
  }
  const bareMedian = percentile(bare, 50);
  const agentMedian = percentile(agentSide, 50);
  const resultMedian = percentile(toResult, 50);
  console.log(
    `${runtime}: bare run p50=${bareMedian.toFixed(0)}ms; agent-side job to result p50=${resultMedian.toFixed(0)}ms, ` +
      `including cleanup p50=${agentMedian.toFixed(0)}ms (p90 ${percentile(agentSide, 90).toFixed(0)}ms); n=${N}`,
  );
  console.log(
    `${runtime}_job_to_result_ratio=${(resultMedian / bareMedian).toFixed(2)} ${runtime}_job_with_cleanup_ratio=${(agentMedian / bareMedian).toFixed(2)}`,
  );
}

await measure("docker");
await measure("podman");
