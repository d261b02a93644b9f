/**
 * Fan-out: the controller with many connected agents and many watchers, as a separate `rap
 * controller` process so its memory and CPU can be read from /proc without this process's clients
 * in the figures.
 *
 * - Connect storm: AGENTS backends, one bare agent stream each (its own HTTP/2 connection, a Hello,
 *   heartbeats every 10 s as a real agent sends them). How long until every one is welcomed; the
 *   controller's RSS before and after (per agent); its CPU while they idle for IDLE_SECONDS.
 * - Watchers: WATCHERS WatchJobs streams, each watching the same RAPS × ACTIONS jobs on a backend
 *   with no agent. Each round cancels one RAP (ACTIONS jobs change at once) and times how long each
 *   watcher takes to see all of them cancelled; p50/p99 over every watcher of every round.
 *
 * Run: npx tsx test/bench/fanout.bench.ts [--json] [--agents 1000] [--watchers 100] [--storm-only]
 * `--connect-clients` simulates the agents with connect-rpc's client instead of bare node:http2
 * streams (see leanAgent). `--storm-only` runs the connect storm alone (no idle period, no watchers), for repeated A/B runs.
 * CONTROLLER_NODE_ARGS (space-separated) go before the controller's script, e.g. `--cpu-prof` to profile it.
 */
import { setMaxListeners } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import http2 from "node:http2";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { AgentService, ConnectRequestSchema, ConnectResponseSchema, type ConnectRequest } from "../../gen/agent/v1/agent_pb.js";
import { RapService } from "../../gen/rap/v1/rap_pb.js";
import { Wakeup } from "../../common/wakeup.js";
import { CLIENT_TOKEN, createBody, rest } from "../support/controller-harness.js";
import { spawnController } from "../support/controller-process.js";
import { SOURCE_RAP, type RapCommand } from "../support/rap-command.js";
import { createStudyRepo } from "../support/study-repo.js";
import { percentile } from "./stats.js";

const args = process.argv.slice(2);
const json = args.includes("--json");
const option = (name: string, fallback: number) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 && args[index + 1] ? Number(args[index + 1]) : fallback;
};
const AGENTS = option("agents", 1000);
const WATCHERS = option("watchers", 100);
const RAPS = 10;
const ACTIONS = 100;
const IDLE_SECONDS = 10;
const STORM_ONLY = args.includes("--storm-only");
const CONNECT_CLIENTS = args.includes("--connect-clients");
const log = (line: string) => (json ? process.stderr : process.stdout).write(`${line}\n`);
const round = (value: number) => Math.round(value * 100) / 100;

const slugs = Array.from({ length: AGENTS }, (_, n) => `b${String(n).padStart(4, "0")}`);
const agentToken = (slug: string) => `agent-token-${slug}`;
const nodeArgs = process.env.CONTROLLER_NODE_ARGS?.split(" ").filter((arg) => arg !== "") ?? [];
const controllerCommand: RapCommand = { ...SOURCE_RAP, argv: [...nodeArgs, ...SOURCE_RAP.argv] };
const workdir = mkdtempSync(path.join(tmpdir(), "rap-fanout-"));
const controller = await spawnController(
  workdir,
  0,
  {
    BACKENDS: ["test", ...slugs].join(","),
    ...Object.fromEntries(slugs.map((slug) => [`${slug.toUpperCase()}_AGENT_TOKEN`, agentToken(slug)])),
    // Nothing here is an alert: the bench's agents come and go on purpose.
    AGENT_ABSENT_ALERT_MS: "3600000",
  },
  controllerCommand,
);
const pid = controller.child.pid!;

/** Resident memory of the controller process, bytes. */
function rssBytes(): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((entry) => entry.startsWith("VmRSS:"));
  return Number(line?.split(/\s+/)[1] ?? 0) * 1024;
}

/** User + system CPU of the controller process, seconds (clock ticks are 100 a second on Linux). */
function cpuSeconds(): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The outgoing half of one bare agent stream: Hello, then a heartbeat every 10 s until stopped. */
async function* agentRequests(slug: string, signal: AbortSignal): AsyncGenerator<ConnectRequest> {
  yield create(ConnectRequestSchema, {
    message: { case: "hello", value: { backend: slug, agentId: `bench-${slug}`, version: "bench", driver: "docker" } },
  });
  const tick = new Wakeup();
  while ((await tick.wait(signal, 10_000)) === "timeout") {
    yield create(ConnectRequestSchema, { message: { case: "heartbeat", value: { sentAtUnixMs: BigInt(Date.now()) } } });
  }
}

/** A gRPC message frame: compressed flag 0, 4-byte big-endian length, the message. */
function grpcFrame(message: ConnectRequest): Buffer {
  const bytes = toBinary(ConnectRequestSchema, message);
  const frame = Buffer.alloc(5 + bytes.length);
  frame.writeUInt32BE(bytes.length, 1);
  frame.set(bytes, 5);
  return frame;
}

/**
 * One bare agent stream on node:http2 itself: the Hello frame written by hand and the first
 * response frame decoded, then a heartbeat every 10 s. A connect-rpc client per agent costs this
 * process about as much CPU as the controller spends accepting (its per-stream machinery runs on
 * both sides), and the two share the machine's two cores: with it the storm measured the clients
 * as much as the controller. Resolves once the Welcome has arrived.
 */
function leanAgent(slug: string, stop: AbortSignal, sessions: { close(): void }[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(controller.url);
    sessions.push({ close: () => session.destroy() });
    session.on("error", (error: Error) => {
      if (!stop.aborted) reject(error);
    });
    const stream = session.request({
      ":method": "POST",
      ":path": "/agent.v1.AgentService/Connect",
      "content-type": "application/grpc+proto",
      te: "trailers",
      authorization: agentToken(slug),
    });
    stream.on("error", (error: Error) => {
      if (!stop.aborted) reject(error);
    });
    stream.write(
      grpcFrame(
        create(ConnectRequestSchema, {
          message: { case: "hello", value: { backend: slug, agentId: `bench-${slug}`, version: "bench", driver: "docker" } },
        }),
      ),
    );
    let head = Buffer.alloc(0);
    let welcomed = false;
    stream.on("data", (chunk: Buffer) => {
      if (welcomed) return; // heartbeat answers and the like: read and dropped
      head = Buffer.concat([head, chunk]);
      if (head.length < 5 || head.length < 5 + head.readUInt32BE(1)) return;
      welcomed = true;
      const first = fromBinary(ConnectResponseSchema, head.subarray(5, 5 + head.readUInt32BE(1)));
      if (first.message.case !== "welcome") return reject(new Error(`${slug}: no Welcome`));
      resolve();
    });
    stream.on("end", () => {
      if (!welcomed) reject(new Error(`${slug}: stream ended before the Welcome`));
    });
    const heartbeat = setInterval(() => {
      stream.write(
        grpcFrame(create(ConnectRequestSchema, { message: { case: "heartbeat", value: { sentAtUnixMs: BigInt(Date.now()) } } })),
      );
    }, 10_000);
    stop.addEventListener("abort", () => clearInterval(heartbeat), { once: true });
  });
}

/** The same agent on connect-rpc's client (--connect-clients): what the storm measured before. */
async function connectRpcAgent(slug: string, stop: AbortSignal, sessions: { close(): void }[]): Promise<void> {
  // One HTTP/2 connection per agent, as separate agent hosts would have.
  const sessionManager = new Http2SessionManager(controller.url);
  sessions.push({ close: () => sessionManager.abort() });
  const client = createClient(
    AgentService,
    createGrpcTransport({ baseUrl: controller.url, acceptCompression: [], sessionManager }),
  );
  const responses = client.connect(agentRequests(slug, stop), { signal: stop, headers: { authorization: agentToken(slug) } });
  const iterator = responses[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done || first.value.message.case !== "welcome") throw new Error(`${slug}: no Welcome`);
  // Keep reading (heartbeat answers) until the stream is stopped.
  void (async () => {
    try {
      while (!(await iterator.next()).done);
    } catch {
      // Stopped by the bench.
    }
  })();
}

async function connectStorm() {
  const stop = new AbortController();
  // Every stream listens on the one stop signal.
  setMaxListeners(0, stop.signal);
  const sessions: { close(): void }[] = [];
  const rssBefore = rssBytes();
  const cpuAtStart = cpuSeconds();
  const clientCpuAtStart = process.cpuUsage();
  const started = performance.now();
  const agent = CONNECT_CLIENTS ? connectRpcAgent : leanAgent;
  const welcomed = await Promise.all(
    slugs.map(async (slug) => {
      await agent(slug, stop.signal, sessions);
      return performance.now() - started;
    }),
  );
  const acceptedMs = Math.max(...welcomed);
  // The controller's own CPU for the storm: what accepting costs, apart from this process's clients.
  const acceptCpu = cpuSeconds() - cpuAtStart;
  // This process's CPU over the same time: the simulated agents share the machine's cores with it.
  const clientCpu = process.cpuUsage(clientCpuAtStart);
  const rssAfter = rssBytes();
  const cpuBefore = cpuSeconds();
  if (!STORM_ONLY) await new Wakeup().wait(AbortSignal.timeout(IDLE_SECONDS * 1000));
  const idleCpu = STORM_ONLY ? Number.NaN : (cpuSeconds() - cpuBefore) / IDLE_SECONDS;
  stop.abort();
  for (const session of sessions) session.close();
  return {
    agents: AGENTS,
    client: CONNECT_CLIENTS ? "connect-rpc" : "node:http2",
    acceptAllMs: round(acceptedMs),
    welcomeP50Ms: round(percentile(welcomed, 50)),
    controllerCpuToAcceptAllSeconds: round(acceptCpu),
    clientCpuToAcceptAllSeconds: round((clientCpu.user + clientCpu.system) / 1e6),
    rssBeforeMiB: round(rssBefore / 2 ** 20),
    rssAfterMiB: round(rssAfter / 2 ** 20),
    rssPerAgentKiB: round((rssAfter - rssBefore) / AGENTS / 1024),
    idleCpuCores: round(idleCpu),
  };
}

async function watchers() {
  const actions = Array.from({ length: ACTIONS }, (_, n) => `a${n}`);
  const study = createStudyRepo({
    "project.yaml": [
      'version: "5.0"',
      "actions:",
      ...actions.flatMap((name) => [
        `  ${name}:`,
        `    run: python:v2 analysis/x.sh ${name}`,
        "    outputs:",
        "      moderately_sensitive:",
        `        out: output/${name}.txt`,
      ]),
      "",
    ].join("\n"),
    "analysis/x.sh": "true\n",
  });
  const rapIds = Array.from({ length: RAPS }, (_, n) => `fanout${String(n).padStart(10, "0")}`);
  for (const rapId of rapIds) {
    const created = await rest(
      controller,
      "POST",
      "/controller/v1/rap/create/",
      createBody({ rap_id: rapId, workspace: rapId, repo_url: study.path, commit: study.commit, requested_actions: actions }),
    );
    if (created.status !== 201) throw new Error(`create failed: ${created.text}`);
  }
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  const sessions: Http2SessionManager[] = [];
  // One connection per watcher, as separate clients would have (and one client's flow-control
  // window is not shared by a hundred streams).
  const clientFor = () => {
    const sessionManager = new Http2SessionManager(controller.url);
    sessions.push(sessionManager);
    return createClient(RapService, createGrpcTransport({ baseUrl: controller.url, acceptCompression: [], sessionManager }));
  };
  /** Per watcher, per RAP: how many of its jobs it has seen cancelled, and a wake for the bench. */
  const seen = Array.from({ length: WATCHERS }, () => new Map<string, Set<string>>());
  const progress = new Wakeup();
  let firstMessages = 0;
  const opened = Array.from({ length: WATCHERS }, (_, index) =>
    (async () => {
      let first = true;
      for await (const message of clientFor().watchJobs(
        { rapIds },
        { signal: stop.signal, headers: { authorization: CLIENT_TOKEN } },
      )) {
        if (first) {
          first = false;
          if (message.jobs.length !== RAPS * ACTIONS) throw new Error(`watcher saw ${message.jobs.length} jobs at first`);
          firstMessages++;
        }
        for (const job of message.jobs) {
          if (job.statusCode !== "cancelled_by_user") continue;
          const cancelled = seen[index]!.get(job.rapId) ?? new Set<string>();
          cancelled.add(job.identifier);
          seen[index]!.set(job.rapId, cancelled);
        }
        progress.wake();
      }
    })().catch((error: unknown) => {
      if (!stop.signal.aborted) throw error;
    }),
  );
  // Timed only once every watcher has its first message (all 1,000 jobs), so a round measures changes.
  while (firstMessages < WATCHERS) {
    if ((await progress.wait(AbortSignal.timeout(120_000))) !== "woken") throw new Error("watchers' first messages");
  }
  const samples: number[] = [];
  for (const rapId of rapIds) {
    const started = performance.now();
    const cancelled = await rest(controller, "POST", "/controller/v1/rap/cancel/", { rap_id: rapId, actions });
    if (cancelled.status !== 200) throw new Error(`cancel failed: ${cancelled.text}`);
    const done = new Set<number>();
    while (done.size < WATCHERS) {
      for (let index = 0; index < WATCHERS; index++) {
        if (!done.has(index) && (seen[index]!.get(rapId)?.size ?? 0) === ACTIONS) {
          done.add(index);
          samples.push(performance.now() - started);
        }
      }
      if (done.size < WATCHERS && (await progress.wait(AbortSignal.timeout(60_000))) !== "woken") {
        throw new Error(`watchers did not see RAP ${rapId} cancelled`);
      }
    }
  }
  stop.abort();
  await Promise.all(opened);
  for (const session of sessions) session.abort();
  return {
    watchers: WATCHERS,
    jobsWatched: RAPS * ACTIONS,
    jobsChangedPerRound: ACTIONS,
    deliveryP50Ms: round(percentile(samples, 50)),
    deliveryP99Ms: round(percentile(samples, 99)),
  };
}

try {
  log(`== fan-out: ${AGENTS} agents connecting at once`);
  const storm = await connectStorm();
  log(
    `all welcomed in ${storm.acceptAllMs} ms (p50 ${storm.welcomeP50Ms} ms), ${storm.controllerCpuToAcceptAllSeconds} s of controller CPU (${storm.clientCpuToAcceptAllSeconds} s of the agents' CPU); controller RSS ${storm.rssBeforeMiB} -> ${storm.rssAfterMiB} MiB ` +
      `(${storm.rssPerAgentKiB} KiB per agent); idle CPU ${storm.idleCpuCores} cores`,
  );
  let watch: Awaited<ReturnType<typeof watchers>> | undefined;
  if (!STORM_ONLY) {
    log(`== fan-out: ${WATCHERS} WatchJobs streams on ${RAPS * ACTIONS} jobs, ${ACTIONS} changing at once`);
    watch = await watchers();
    log(`every watcher saw all ${ACTIONS} changes: p50 ${watch.deliveryP50Ms} ms, p99 ${watch.deliveryP99Ms} ms`);
  }
  const results = {
    machine: { cpus: cpus().length, node: process.version, loadAverage1m: round(loadavg()[0]!) },
    connectStorm: storm,
    watchers: watch,
  };
  if (json) process.stdout.write(`${JSON.stringify(results)}\n`);
} finally {
  await controller.kill("SIGTERM");
  rmSync(workdir, { recursive: true, force: true });
}
