/**
 * What metrics and tracing cost: dispatch latency (rap/create -> the agent holds the RUNJOB task)
 * and creates per second (concurrency 1 and 16), in three modes, each on fresh controllers:
 *   off      no metrics recorded or served, no tracing (the controller's `metrics: false`, a bare agent);
 *   metrics  the controller's and the agent's metrics, /metrics scraped every second (15 times
 *            Prometheus' usual rate);
 *   all      metrics as above, and both services tracing, exporting OTLP/HTTP (protobuf) to a local
 *            sink that accepts and drops every batch.
 * The agent's executor finishes each job at once, so the figures are the controller's and the
 * stream's own cost. Everything runs in this one process: compare the rows with each other.
 * Each mode runs in 4 rounds, interleaved with the others, and its samples are pooled.
 * Run: npx tsx test/bench/telemetry.bench.ts [--json] [--dispatch N]
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { cpus, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { Agent } from "../../agent/agent.js";
import { createAgentLogger } from "../../agent/logger.js";
import { observedAgent } from "../../agent/telemetry/agent-telemetry.js";
import { agentTracing, controllerTracing } from "../../cli/tracing.js";
import { agentConfig } from "../support/agent-harness.js";
import { createBody, rest, startController } from "../support/controller-harness.js";
import { createStudyRepo } from "../support/study-repo.js";
import { waitFor } from "../support/wait-for.js";
import { recording } from "./recording-executor.js";
import { percentile } from "./stats.js";

type Mode = "off" | "metrics" | "all";

const args = process.argv.slice(2);
const json = args.includes("--json");
const dispatchArg = args[args.indexOf("--dispatch") + 1];
const DISPATCH_SAMPLES = args.includes("--dispatch") && dispatchArg ? Number(dispatchArg) : 100;
const CREATES = 80;
/** Each mode runs in this many rounds, interleaved (off, metrics, all, off, …), so a machine whose load drifts during the run weighs on every mode alike. */
const ROUNDS = 4;
const log = (line: string) => (json ? process.stderr : process.stdout).write(`${line}\n`);
const round = (value: number) => Math.round(value * 100) / 100;

const study = createStudyRepo({
  "project.yaml":
    'version: "5.0"\nactions:\n  one:\n    run: python:v2 analysis/one.sh\n    outputs:\n      moderately_sensitive:\n        out: output/out.txt\n',
  "analysis/one.sh": "mkdir -p output\necho ok > output/out.txt\n",
});

/** An OTLP/HTTP endpoint that reads each export and answers 200: the cheapest honest receiver. */
async function startSink(): Promise<{ url: string; bytes: () => number; close: () => Promise<void> }> {
  let bytes = 0;
  const server = http.createServer((request, response) => {
    request.on("data", (chunk: Buffer) => (bytes += chunk.length));
    request.on("end", () => {
      response.writeHead(200, { "content-type": "application/x-protobuf" });
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bytes: () => bytes,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

interface Round {
  readonly dispatch: number[];
  /** Seconds taken by `creates` creates at concurrency 1 and 16. */
  readonly seconds1: number;
  readonly seconds16: number;
  readonly scrapes: number;
  readonly otlpBytes: number;
}

async function measure(mode: Mode, samples: number, creates: number): Promise<Round> {
  const sink = mode === "all" ? await startSink() : undefined;
  const otel = sink ? { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf" } : {};
  const controllerTraces = sink ? controllerTracing(otel, { version: "bench" }) : undefined;
  const controller = await startController({
    env: { TEST_MAX_WORKERS: "100000", MAINTENANCE_ENABLED_BACKENDS: "", DATA_CHECK_ENABLED_BACKENDS: "" },
    metrics: mode !== "off",
    tracing: controllerTraces,
  });
  const config = agentConfig(controller.url);
  const heldAt = new Map<string, number>();
  const finished = new Set<string>();
  const executor = recording(undefined, heldAt, finished);
  const agentLog = createAgentLogger("error");
  const agentTraces = sink ? agentTracing(otel, config) : undefined;
  const agent =
    mode === "off"
      ? new Agent(config, executor, agentLog)
      : (await observedAgent(config, executor, agentLog, agentTraces?.provider)).agent;
  const stop = new AbortController();
  const running = agent.run(stop.signal).finally(() => agent.close());
  running.catch(() => undefined);
  await waitFor(() => controller.app.sessions.get("test"), { message: "agent to connect" });

  // Prometheus, at one scrape a second, while the metrics are on.
  let scrapes = 0;
  const scraper =
    mode === "off"
      ? undefined
      : setInterval(() => {
          void fetch(`${controller.url}/metrics`).then(async (response) => {
            await response.text();
            if (response.status === 200) scrapes++;
          });
        }, 1000);

  let raps = 0;
  const createOne = async () => {
    const created = await rest(
      controller,
      "POST",
      "/controller/v1/rap/create/",
      createBody({
        rap_id: `${mode.padEnd(7, "x")}${(++raps).toString(36).padStart(9, "0")}`,
        workspace: `ws-${raps}`,
        repo_url: study.path,
        commit: study.commit,
        requested_actions: ["one"],
      }),
    );
    if (created.status !== 201) throw new Error(`create failed: ${created.text}`);
  };
  const createsPerSecond = async (concurrency: number) => {
    let left = creates;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (left-- > 0) await createOne();
      }),
    );
    return (performance.now() - started) / 1000;
  };

  const dispatch: number[] = [];
  for (let index = 0; index < samples; index++) {
    heldAt.clear();
    const started = performance.now();
    await createOne();
    const id = await waitFor(() => [...heldAt.keys()][0], {
      intervalMs: 0,
      timeoutMs: 60_000,
      message: "agent to hold the task",
    });
    dispatch.push(heldAt.get(id)! - started);
    await waitFor(() => finished.has(id), { intervalMs: 1, timeoutMs: 60_000, message: "job to finish" });
  }
  const seconds1 = await createsPerSecond(1);
  const seconds16 = await createsPerSecond(16);

  if (scraper) clearInterval(scraper);
  stop.abort();
  await running.catch(() => undefined);
  await Promise.all([controllerTraces?.shutdown(), agentTraces?.shutdown()]);
  await controller.dispose();
  await sink?.close();
  return { dispatch, seconds1, seconds16, scrapes, otlpBytes: sink?.bytes() ?? 0 };
}

const results: Record<string, unknown> = {
  machine: { cpus: cpus().length, node: process.version, loadAverage1m: round(loadavg()[0]!) },
  dispatchSamples: DISPATCH_SAMPLES,
  creates: CREATES,
  rounds: ROUNDS,
};
log(`machine: ${cpus().length} cpus, node ${process.version}, load average ${loadavg()[0]!.toFixed(1)}`);
const modes = ["off", "metrics", "all"] as const;
const rounds = new Map<Mode, Round[]>(modes.map((mode) => [mode, []]));
for (let pass = 0; pass < ROUNDS; pass++) {
  for (const mode of modes) {
    rounds.get(mode)!.push(await measure(mode, Math.ceil(DISPATCH_SAMPLES / ROUNDS), Math.ceil(CREATES / ROUNDS)));
  }
}
log(`load average at the end ${loadavg()[0]!.toFixed(1)}`);
log("| telemetry | dispatch p50 / p90 / p99 | creates/s, concurrency 1 / 16 | scrapes | OTLP bytes |");
log("| --- | --- | --- | --- | --- |");
for (const mode of modes) {
  const all = rounds.get(mode)!;
  const dispatch = all.flatMap((one) => one.dispatch);
  const created = Math.ceil(CREATES / ROUNDS) * ROUNDS;
  const sum = (pick: (one: Round) => number) => all.reduce((total, one) => total + pick(one), 0);
  const figures = {
    dispatchMs: {
      p50: round(percentile(dispatch, 50)),
      p90: round(percentile(dispatch, 90)),
      p99: round(percentile(dispatch, 99)),
    },
    createsPerSecond: {
      concurrency1: round(created / sum((one) => one.seconds1)),
      concurrency16: round(created / sum((one) => one.seconds16)),
    },
    scrapes: sum((one) => one.scrapes),
    otlpBytes: sum((one) => one.otlpBytes),
  };
  results[mode] = figures;
  const d = figures.dispatchMs;
  const c = figures.createsPerSecond;
  log(
    `| ${mode} | ${d.p50} / ${d.p90} / ${d.p99} ms | ${c.concurrency1} / ${c.concurrency16} | ${figures.scrapes} | ${figures.otlpBytes} |`,
  );
}
if (json) process.stdout.write(`${JSON.stringify(results)}\n`);
