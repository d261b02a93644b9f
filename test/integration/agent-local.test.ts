/**
 * The agent's local service driven as an operator would, in a real terminal (tmux), against a real
 * controller, a real agent and real docker containers: `rap agent status`, `rap logs -f` following a
 * job to its end, `rap exec` into a running job (list /workspace, resize, `exit 3`), exec refused
 * when turned off, the audit log, and that no job output or session content reaches the
 * controller's logs or database.
 */
import { randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgentLogger } from "../../agent/logger.js";
import { serveAgentLocal } from "../../agent/local/serve-agent-local.js";
import type { LocalServer } from "../../agent/local/local-server.js";
import { startLocalServer } from "../../agent/local/local-server.js";
import { AuditLog } from "../../agent/local/audit-log.js";
import { createLogger } from "../../controller/logger.js";
import { jobId } from "../../controller/jobs/ids.js";
import { agentConfig, startAgent, type AgentHarness } from "../support/agent-harness.js";
import { createBody, rest, startController, type ControllerHarness } from "../support/controller-harness.js";
import { RAP_COMMAND, runRap, startRap } from "../support/rap-cli.js";
import { createStudyRepo } from "../support/study-repo.js";
import { startTmux, type TmuxTerminal } from "../support/tmux-terminal.js";
import { waitFor } from "../support/wait-for.js";

const RAP_ID = randomBytes(8).toString("hex");
const OUTPUT_MARKER = `job-output-${randomBytes(6).toString("hex")}`;
const SESSION_MARKER = `session-${randomBytes(6).toString("hex")}`;

/** `gated` prints a line, waits for `go` (at most 120 s), prints a second line; `held` waits for `stop` (at most 20 min). */
function study() {
  return createStudyRepo({
    "project.yaml": [
      'version: "5.0"',
      "actions:",
      "  gated:",
      "    run: python:v2 analysis/gated.sh",
      "    outputs:",
      "      moderately_sensitive:",
      "        out: output/gated.txt",
      "  held:",
      "    run: python:v2 analysis/held.sh",
      "    outputs:",
      "      moderately_sensitive:",
      "        out: output/held.txt",
      "",
    ].join("\n"),
    "analysis/gated.sh": [
      `echo "first ${OUTPUT_MARKER}"`,
      "i=0; while [ ! -f go ] && [ $i -lt 2400 ]; do sleep 0.05; i=$((i + 1)); done",
      'echo "second line"',
      "mkdir -p output; echo ok > output/gated.txt",
      "",
    ].join("\n"),
    "analysis/held.sh": [
      `echo "held ${OUTPUT_MARKER}"`,
      // Long enough to outlast every test that needs it running on a loaded machine (it ran out at
      // 2 minutes once, before the restart test); afterAll releases it in any case.
      "i=0; while [ ! -f stop ] && [ $i -lt 24000 ]; do sleep 0.05; i=$((i + 1)); done",
      "mkdir -p output; echo ok > output/held.txt",
      "",
    ].join("\n"),
  });
}

function dockerExec(job: string, ...command: string[]): void {
  execFileSync("docker", ["container", "exec", `os-job-${job}`, ...command], { stdio: "ignore" });
}

function isRunning(job: string): boolean {
  const out = execFileSync("docker", ["container", "ls", "--filter", `name=os-job-${job}`, "--format", "{{.State}}"], {
    encoding: "utf8",
  });
  return out.trim() === "running";
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

describe("the agent's local service", () => {
  const controllerLines: string[] = [];
  let controller: ControllerHarness;
  let agent: AgentHarness;
  let local: LocalServer;
  let socket: string;
  const gated = jobId(RAP_ID, "gated");
  const held = jobId(RAP_ID, "held");
  let terminal: TmuxTerminal | undefined;

  beforeAll(async () => {
    controller = await startController({ log: createLogger({ level: "debug", write: (line) => controllerLines.push(line) }) });
    const config = agentConfig(controller.url, { AGENT_EXEC_ENABLED: "true" });
    agent = startAgent(config);
    local = await serveAgentLocal(config, agent.agent, agent.executor, createAgentLogger("error", {}));
    socket = local.socketPath;
    const repo = study();
    const created = await rest(
      controller,
      "POST",
      "/controller/v1/rap/create/",
      createBody({ rap_id: RAP_ID, repo_url: repo.path, commit: repo.commit, requested_actions: ["run_all"] }),
    );
    expect(created.status).toBe(201);
    await waitFor(() => isRunning(gated) && isRunning(held), { timeoutMs: 60_000, message: "both jobs to be running" });
  });

  afterAll(async () => {
    terminal?.dispose();
    for (const job of [gated, held]) {
      try {
        dockerExec(job, "touch", "/workspace/go", "/workspace/stop");
      } catch {
        // Already finished.
      }
    }
    await local?.close();
    await agent?.stop();
    await controller?.dispose();
  });

  it("serves the socket to its owner only", () => {
    expect(statSync(socket).mode & 0o777).toBe(0o600);
  });

  it("rap agent status: connection, tasks in hand, outbox, driver, version", async () => {
    const result = await runRap(["agent", "status", "--json", "--socket", socket]);
    expect(result.exitCode).toBe(0);
    const status = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(status).toMatchObject({
      backend: "test",
      agentId: agent.config.agentId,
      version: agent.config.version,
      driver: "docker",
      connectionState: "connected",
      controllerUrl: controller.url,
      execEnabled: true,
    });
    expect((status.tasksInHand as string[]).sort()).toEqual([`${gated}-001`, `${held}-001`].sort());
    expect(typeof status.outboxDepth).toBe("number");
    const text = await runRap(["agent", "status"], { env: { RAP_AGENT_SOCKET: socket } });
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(
      /^backend +test\nagent id +\S+\nversion +\S+\ndriver +docker\ncontroller +connected \(http:\/\/127\.0\.0\.1:\d+\)\ntasks in hand +2: /,
    );
  });

  it("rap logs -f shows a running job's lines and follows it to its end, then exits 0", async () => {
    terminal = startTmux({ cwd: path.dirname(socket), env: { RAP_AGENT_SOCKET: socket } });
    terminal.runAndReport(`${RAP_COMMAND} logs -f ${gated}`);
    await terminal.waitForText((text) => text.includes(`first ${OUTPUT_MARKER}`), "the job's first line");
    expect(terminal.capture()).not.toContain("second line");
    dockerExec(gated, "touch", "/workspace/go");
    expect(await terminal.waitForExit()).toBe(0);
    expect(terminal.capture()).toMatch(new RegExp(`first ${OUTPUT_MARKER}\\s*\\nsecond line\\s*\\nEXIT1=0`));
    terminal.dispose();
    terminal = undefined;
  });

  it("rap exec lists /workspace, survives a resize, and exits with the command's status (audit-logged)", async () => {
    terminal = startTmux({ cwd: path.dirname(socket), env: { RAP_AGENT_SOCKET: socket }, columns: 120, rows: 40 });
    let sizeChecks = 0;
    terminal.runAndReport(`${RAP_COMMAND} exec ${held}`);
    await terminal.waitForText((text) => /^\/workspace \$\s*$/m.test(text), "the container's shell prompt");
    terminal.type("ls /workspace");
    await terminal.waitForText((text) => /analysis\s+project\.yaml/.test(text), "the listing of /workspace");
    terminal.resize(100, 30);
    // The new size travels tmux -> rap exec (SIGWINCH) -> the agent's pty -> docker exec -> the
    // container's tty, each hop asynchronous: ask again until the container reports it.
    await waitFor(
      async () => {
        const check = `size-check-${++sizeChecks}`;
        terminal!.type(`stty size; echo ${check}`);
        const text = await terminal!.waitForText((pane) => new RegExp(`^${check}\\s*$`, "m").test(pane), `${check}`);
        return new RegExp(`^30 100\\s*\\n${check}\\s*$`, "m").test(text);
      },
      { timeoutMs: 60_000, intervalMs: 0, message: "the new window size inside the container" },
    );
    terminal.type(`echo ${SESSION_MARKER}`);
    await terminal.waitForText((text) => new RegExp(`^${SESSION_MARKER}\\s*$`, "m").test(text), "the session's echo");
    terminal.type("exit 3");
    expect(await terminal.waitForExit()).toBe(3);
    const audit = readFileSync(agent.config.local.auditLogPath, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(audit.map((entry) => [entry.event, entry.job_id, entry.command])).toEqual([
      ["exec_started", held, ["/bin/sh"]],
      ["exec_ended", held, ["/bin/sh"]],
    ]);
    expect(audit[1]).toMatchObject({ exit_code: 3, user: expect.any(String) as string, session: audit[0]!.session });
    expect(audit[1]!.duration_ms).toEqual(expect.any(Number));
    // The audit log records the session's facts, never what was typed or printed in it.
    expect(readFileSync(agent.config.local.auditLogPath, "utf8")).not.toContain(SESSION_MARKER);
  });

  it("rap exec with a command runs it and returns its status", async () => {
    const result = await runRap(["exec", held, "--socket", socket, "--", "sh", "-c", "ls /workspace; exit 5"]);
    expect(result.exitCode).toBe(5);
    expect(result.stdout.replace(/\r/g, "")).toMatch(/analysis\s+project\.yaml/);
  });

  it("refuses exec when the agent's config does not enable it, and for an unknown job", async () => {
    const closedSocket = path.join(path.dirname(socket), "exec-off.sock");
    const off = await startLocalServer(closedSocket, {
      executor: agent.executor,
      storage: agent.config.storage,
      execEnabled: false,
      audit: new AuditLog(path.join(path.dirname(socket), "off-audit.log")),
      log: createAgentLogger("error", {}),
      env: agent.config.childEnv,
      status: () => {
        throw new Error("not used");
      },
    });
    try {
      const refused = await runRap(["exec", held, "--socket", closedSocket, "--", "true"]);
      expect([refused.exitCode, refused.stderr]).toEqual([
        1,
        "rap exec: exec is turned off on this agent (set local.exec_enabled: true in its config)\n",
      ]);
    } finally {
      await off.close();
    }
    const unknown = await runRap(["exec", "aaaaaaaaaaaaaaaa", "--socket", socket, "--", "true"]);
    expect([unknown.exitCode, unknown.stderr]).toEqual([
      1,
      "rap exec: job aaaaaaaaaaaaaaaa has no running container on this backend\n",
    ]);
    const logs = await runRap(["logs", "aaaaaaaaaaaaaaaa", "--socket", socket]);
    expect([logs.exitCode, logs.stderr]).toEqual([
      1,
      "rap logs: no job aaaaaaaaaaaaaaaa on this backend (no container and no log)\n",
    ]);
  });

  // Deterministic under load: the old agent is dropped at once (no wait for a task that cannot end),
  // and the job is released only once the follower itself has printed its output, so `docker logs
  // -f` is attached before the container can end and be removed. Each wait is on a condition.
  it("rap logs -f follows a job the agent adopted after a restart, to its end", { timeout: 240_000 }, async () => {
    const config = agent.config;
    await local.close();
    await agent.abandon();
    expect(isRunning(held)).toBe(true);
    // A new agent on the same workdir picks the running job up from the runtime and disk.
    agent = startAgent(config);
    local = await serveAgentLocal(config, agent.agent, agent.executor, createAgentLogger("error", {}));
    await waitFor(() => agent.agent.inFlight().includes(`${held}-001`), {
      timeoutMs: 60_000,
      message: "the new agent to adopt the job",
    });
    const following = startRap(["logs", "-f", held, "--socket", socket]);
    await waitFor(() => following.stdout().includes(`held ${OUTPUT_MARKER}`), {
      timeoutMs: 100_000,
      message: "the follower to print the adopted job's output",
    });
    expect(isRunning(held)).toBe(true);
    dockerExec(held, "touch", "/workspace/stop");
    const followed = await following.result;
    expect([followed.exitCode, followed.stderr]).toEqual([0, ""]);
    expect(followed.stdout.replace(/\r/g, "")).toBe(`held ${OUTPUT_MARKER}\n`);
  });

  it("a finished job's log comes from the log file; no job output or session reaches the controller", async () => {
    // `held` waits for its stop file; release it here so this test needs no other test to have run.
    // The previous test's release may still be ending the container: a failed exec into a container
    // that has stopped meanwhile is that, not an error.
    try {
      if (isRunning(held)) dockerExec(held, "touch", "/workspace/stop");
    } catch (error) {
      if (isRunning(held)) throw error;
    }
    await waitFor(
      async () => {
        const response = await rest(controller, "POST", "/controller/v1/rap/status/", { rap_ids: [RAP_ID] });
        const jobs = (response.json as { jobs: { status: string }[] }).jobs;
        return jobs.length === 2 && jobs.every((job) => job.status === "succeeded");
      },
      { timeoutMs: 60_000, message: "both jobs to succeed" },
    );
    const logs = await runRap(["logs", held, "--json", "--socket", socket]);
    expect(logs.exitCode).toBe(0);
    const lines = logs.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { source: string; line: string });
    expect(lines[0]).toEqual({
      job_id: held,
      source: "log_file",
      line: expect.stringMatching(new RegExp(`Z held ${OUTPUT_MARKER}$`)) as string,
    });

    // Everything the controller keeps: its database files and every line it logged.
    const stored = filesUnder(controller.workdir).map((file) => readFileSync(file).toString("latin1"));
    for (const marker of [OUTPUT_MARKER, SESSION_MARKER, "second line"]) {
      expect(stored.filter((content) => content.includes(marker))).toEqual([]);
      expect(controllerLines.filter((line) => line.includes(marker))).toEqual([]);
    }
    expect(controllerLines.length).toBeGreaterThan(0);
  });
});
