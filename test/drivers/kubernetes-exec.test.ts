/**
 * `rap exec` on the kubernetes driver, driven as an operator would in a real terminal (tmux): the
 * agent opens the session through the API server's pods/exec WebSocket (client-node's channel
 * protocol), the fake API server (no real cluster was available) hands it to its kubelet, which
 * runs the command in the pod's real docker container with a terminal. Checked: the prompt in
 * /workspace, a listing, a window resize reaching the container's tty, the command's exit status,
 * the audit log, a one-shot command, and the refusals.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditLog } from "../../agent/local/audit-log.js";
import { startLocalServer, type LocalServer } from "../../agent/local/local-server.js";
import { createAgentLogger } from "../../agent/logger.js";
import { jobId } from "../../controller/jobs/ids.js";
import type { JobDefinition } from "../../runtime-drivers/index.js";
import { kubernetesExecutor, shellJob, type ExecutorUnderTest } from "../support/fake-kubernetes/executor-harness.js";
import {
  assertNothingLeft,
  startKubernetesTestEnvironment,
  type KubernetesTestEnvironment,
} from "../support/fake-kubernetes/kubernetes-runtime.js";
import { RAP_COMMAND, runRap } from "../support/rap-cli.js";
import { startTmux, type TmuxTerminal } from "../support/tmux-terminal.js";
import { waitFor } from "../support/wait-for.js";

const SESSION_MARKER = `session-${randomBytes(6).toString("hex")}`;

describe("rap exec on the kubernetes driver (fake API server, real docker)", () => {
  let env: KubernetesTestEnvironment;
  let agent: ExecutorUnderTest;
  let local: LocalServer;
  let socket: string;
  let auditFile: string;
  let terminal: TmuxTerminal | undefined;
  const signal = new AbortController().signal;
  const id = jobId(randomBytes(8).toString("hex"), "held");
  let job: JobDefinition;

  beforeAll(async () => {
    env = await startKubernetesTestEnvironment();
    agent = kubernetesExecutor(env);
    auditFile = path.join(env.dir, "exec-audit.log");
    socket = path.join(env.dir, "agent.sock");
    local = await startLocalServer(socket, {
      executor: agent.executor,
      storage: agent.config.storage,
      execEnabled: true,
      audit: new AuditLog(auditFile),
      log: createAgentLogger("error", {}),
      env: agent.config.childEnv,
      status: () => {
        throw new Error("not used");
      },
    });
    // Held until the test writes `stop` into its workspace (at most 10 minutes).
    job = shellJob("i=0; while [ ! -f stop ] && [ $i -lt 12000 ]; do sleep 0.05; i=$((i + 1)); done", {
      id,
      taskId: `${id}-001`,
    });
    await agent.executor.prepare(job, signal);
    await agent.executor.execute(job, signal);
    await waitFor(() => agent.executor.isRunning(id, signal), { timeoutMs: 60_000, message: "the job's pod to run" });
  });

  afterAll(async () => {
    terminal?.dispose();
    try {
      if (job) {
        writeFileSync(path.join(env.volumesDir, job.id, "stop"), "");
        await agent.executor.waitForExit(job, signal);
        await agent.executor.finalize(job, {}, signal);
        await agent.executor.cleanup(job, signal);
      }
      await local?.close();
      await agent?.close();
      await assertNothingLeft(env);
    } finally {
      await env?.dispose();
    }
  });

  it("opens a shell in the job's container: listing, resize, exit status, audit-logged", async () => {
    terminal = startTmux({ cwd: env.dir, env: { RAP_AGENT_SOCKET: socket }, columns: 120, rows: 40 });
    terminal.runAndReport(`${RAP_COMMAND} exec ${id}`);
    await terminal.waitForText((text) => /^\/workspace \$\s*$/m.test(text), "the container's shell prompt");
    terminal.type("ls /workspace");
    await terminal.waitForText((text) => /^analysis\s+output\s*$/m.test(text), "the listing of /workspace");
    terminal.resize(100, 30);
    // tmux -> rap exec (SIGWINCH) -> the agent -> the resize channel -> the kubelet's pty -> the
    // container's tty, each hop asynchronous: ask again until the container reports the new size.
    let sizeChecks = 0;
    await waitFor(
      async () => {
        const check = `size-check-${++sizeChecks}`;
        terminal!.type(`stty size; echo ${check}`);
        const text = await terminal!.waitForText((pane) => new RegExp(`^${check}\\s*$`, "m").test(pane), check);
        return new RegExp(`^30 100\\s*\\n${check}\\s*$`, "m").test(text);
      },
      { timeoutMs: 60_000, intervalMs: 0, message: "the new window size inside the container" },
    );
    terminal.type(`echo ${SESSION_MARKER}`);
    await terminal.waitForText((text) => new RegExp(`^${SESSION_MARKER}\\s*$`, "m").test(text), "the session's echo");
    terminal.type("exit 3");
    expect(await terminal.waitForExit()).toBe(3);
    terminal.dispose();
    terminal = undefined;

    const audit = readFileSync(auditFile, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(audit.map((entry) => [entry.event, entry.job_id, entry.command, entry.exit_code])).toEqual([
      ["exec_started", id, ["/bin/sh"], undefined],
      ["exec_ended", id, ["/bin/sh"], 3],
    ]);
    expect(readFileSync(auditFile, "utf8")).not.toContain(SESSION_MARKER);
    // One exec call to the API server for the session.
    expect(env.cluster.server.count("create", "pods/exec")).toBe(1);
  });

  it("runs a one-shot command and returns its status; exit 0 is a Success status", async () => {
    const failing = await runRap(["exec", id, "--socket", socket, "--", "sh", "-c", "id -u; ls /workspace; exit 5"]);
    expect(failing.exitCode).toBe(5);
    // rap exec's stdin is closed at once, which it passes on as Ctrl-D; the container's tty echoes
    // that end of input as "^@" wherever it falls between the command's lines.
    expect(failing.stdout.replace(/\r/g, "").replace("^@", "")).toBe("10000\nanalysis  output\n");
    const passing = await runRap(["exec", id, "--socket", socket, "--", "true"]);
    expect([passing.exitCode, passing.stdout.replace("^@", "")]).toEqual([0, ""]);
  });

  it("refuses a job with no running pod", async () => {
    const unknown = await runRap(["exec", "aaaaaaaaaaaaaaaa", "--socket", socket, "--", "true"]);
    expect([unknown.exitCode, unknown.stderr]).toEqual([
      1,
      "rap exec: job aaaaaaaaaaaaaaaa has no running container on this backend\n",
    ]);
  });
});
