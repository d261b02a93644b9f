/**
 * Dispatch latency: from the start of a rap/create call until the agent holds the RUNJOB task
 * (its executor is first asked about the job). Measured over N one-action RAPs, first with a no-op
 * executor (pure controller + stream cost), then with the real docker executor (each job runs a real
 * container before the next RAP is created). Upstream's agent polls every 1-2 s instead.
 * Run: npx tsx test/bench/dispatch.bench.ts [N]
 */
import { performance } from "node:perf_hooks";
import { createExecutor } from "../../agent/executor-factory.js";
import { createAgentLogger } from "../../agent/logger.js";
import { agentConfig, startAgent } from "../support/agent-harness.js";
import { createBody, rest, startController } from "../support/controller-harness.js";
import { createStudyRepo } from "../support/study-repo.js";
import { waitFor } from "../support/wait-for.js";
import { recording } from "./recording-executor.js";
import { summary } from "./stats.js";

const N = Number(process.argv[2] ?? 200);

async function measure(label: string, withDocker: boolean): Promise<number[]> {
  const controller = await startController({ env: { TEST_MAX_WORKERS: "10000" } });
  const config = agentConfig(controller.url);
  const heldAt = new Map<string, number>();
  const finished = new Set<string>();
  const inner = withDocker ? createExecutor(config, createAgentLogger("error")) : undefined;
  const agent = startAgent(config, recording(inner, heldAt, finished));
  const study = createStudyRepo({
    "project.yaml":
      'version: "5.0"\nactions:\n  one:\n    run: python:v2 analysis/one.sh\n    outputs:\n      moderately_sensitive:\n        out: output/out.txt\n',
    "analysis/one.sh": "mkdir -p output\necho ok > output/out.txt\n",
  });
  await waitFor(() => controller.app.sessions.get("test"), { message: "agent to connect" });
  const samples: number[] = [];
  for (let index = 0; index < N; index++) {
    const rapId = index.toString(36).padStart(16, "0");
    heldAt.clear();
    const started = performance.now();
    const created = await rest(
      controller,
      "POST",
      "/controller/v1/rap/create/",
      createBody({ rap_id: rapId, repo_url: study.path, commit: study.commit, requested_actions: ["one"] }),
    );
    if (created.status !== 201) throw new Error(`create failed: ${created.text}`);
    const jobIdValue = await waitFor(() => [...heldAt.keys()][0], {
      intervalMs: 0,
      timeoutMs: 30_000,
      message: "agent to hold the task",
    });
    samples.push(heldAt.get(jobIdValue)! - started);
    await waitFor(() => finished.has(jobIdValue), { intervalMs: 2, timeoutMs: 60_000, message: "job to finish" });
  }
  await agent.stop();
  await controller.dispose();
  console.log(summary(label, samples));
  return samples;
}

const noop = await measure("dispatch (create -> agent holds RUNJOB), no-op executor", false);
const docker = await measure("dispatch (create -> agent holds RUNJOB), docker executor", true);
const p99 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.ceil(0.99 * values.length) - 1]!;
console.log(`dispatch_p99_ms_noop=${p99(noop).toFixed(2)} dispatch_p99_ms_docker=${p99(docker).toFixed(2)}`);
