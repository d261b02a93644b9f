/**
 * Finding 1 of the reliability review: an agent frozen (SIGSTOP) past its lease, a standby agent
 * (another AGENT_ID, the same storage) takes the job over and finishes it. The controller must store
 * the standby's updates (each agent numbers its own from 1), the job's result must arrive once, from
 * the standby, and the frozen agent, once resumed, must leave the job alone: no update, no file, no
 * container. Real parts throughout: the frozen agent is a `rap agent` process, the standby runs in
 * this process, both drive real docker.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { jobId } from "../../controller/jobs/ids.js";
import { agentConfig, startAgent } from "../support/agent-harness.js";
import { spawnAgent } from "../support/agent-process.js";
import { createBody, rest, startController } from "../support/controller-harness.js";
import { createGatedStudy } from "../support/study-repo.js";
import { waitFor } from "../support/wait-for.js";

const RAP_ID = randomBytes(8).toString("hex");

interface ApiJob {
  action: string;
  status: string;
  status_code: string;
  status_message: string;
}

describe("standby takeover", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it("stores the standby's result once and the frozen agent, resumed, leaves the job alone", async () => {
    const controller = await startController({ env: { AGENT_HEARTBEAT_INTERVAL_MS: "500", AGENT_LEASE_MS: "3000" } });
    cleanups.push(() => controller.dispose());
    const storage = mkdtempSync(path.join(tmpdir(), "rap-takeover-"));
    cleanups.push(() => rmSync(storage, { recursive: true, force: true }));
    const shared = {
      HIGH_PRIVACY_STORAGE_BASE: path.join(storage, "high_privacy"),
      MEDIUM_PRIVACY_STORAGE_BASE: path.join(storage, "medium_privacy"),
    };
    const frozenConfig = agentConfig(controller.url, { ...shared, AGENT_ID: `frozen-${RAP_ID}` });
    const frozen = spawnAgent(frozenConfig);
    cleanups.push(async () => {
      frozen.child.kill("SIGCONT");
      await frozen.kill("SIGKILL");
      rmSync(frozenConfig.workdir, { recursive: true, force: true });
    });

    const study = createGatedStudy();
    const gated = jobId(RAP_ID, "gated");
    const taskId = `${gated}-001`;
    const body = createBody({ rap_id: RAP_ID, repo_url: study.path, commit: study.commit, requested_actions: ["gated"] });
    expect((await rest(controller, "POST", "/controller/v1/rap/create/", body)).status).toBe(201);
    const jobNow = async () =>
      ((await rest(controller, "POST", "/controller/v1/rap/status/", { rap_ids: [RAP_ID] })).json as { jobs: ApiJob[] }).jobs[0];
    await waitFor(async () => (await jobNow())?.status_code === "executing", {
      timeoutMs: 60_000,
      message: "the job to execute",
    });
    expect(controller.app.deps.tasks.lease(taskId)?.agentId).toBe(frozenConfig.agentId);

    frozen.child.kill("SIGSTOP");
    const standby = startAgent(agentConfig(controller.url, { ...shared, AGENT_ID: `standby-${RAP_ID}` }));
    cleanups.push(() => standby.stop());
    await waitFor(
      () => {
        const session = controller.app.sessions.get("test");
        return session?.identity.agentId === standby.config.agentId && session.pushedTaskIds.has(taskId);
      },
      { timeoutMs: 30_000, message: "the standby to be given the task once the frozen agent's lease ran out" },
    );
    writeFileSync(path.join(standby.config.storage.volumesDir, gated, "go"), "");
    await waitFor(async () => (await jobNow())?.status === "succeeded", { timeoutMs: 60_000, message: "the job to succeed" });
    const output = path.join(storage, "medium_privacy/workspaces/workspace/output/runs.txt");
    expect(readFileSync(output, "utf8")).toBe("run\n");
    const outputWritten = statSync(output).mtimeMs;
    await waitFor(() => standby.agent.inFlight().length === 0, { message: "the standby to tidy up" });

    // The frozen agent wakes: its lease ran out by its own clock, so it waits instead of acting.
    frozen.child.kill("SIGCONT");
    await waitFor(() => frozen.output().includes("lease on this task has run out"), {
      message: "the resumed agent to notice its lease had run out",
    });
    // With the standby gone, it connects again and is told to stand down on the task.
    await standby.stop();
    await waitFor(() => frozen.output().includes("standing down without touching its job"), {
      timeoutMs: 60_000,
      message: "the resumed agent to stand down",
    });
    await waitFor(() => controller.app.sessions.get("test")?.identity.agentId === frozenConfig.agentId, {
      message: "the resumed agent to be connected",
    });

    // One result, from the standby, and nothing since.
    const job = await jobNow();
    expect([job?.status, job?.status_code, job?.status_message]).toEqual(["succeeded", "succeeded", "Completed successfully"]);
    expect(controller.app.deps.tasks.lease(taskId)?.agentId).toBe(standby.config.agentId);
    const history = controller.app.deps.db
      .prepare<[string], { status_code: string }>("SELECT status_code FROM job_status_history WHERE job_id = ? ORDER BY rowid")
      .all(gated)
      .map((row) => row.status_code);
    expect(history.filter((code) => code === "succeeded")).toEqual(["succeeded"]);
    expect(frozen.output()).not.toContain("update from an agent that no longer holds");
    const outbox = new BetterSqlite3(path.join(frozenConfig.workdir, "outbox.sqlite"), { readonly: true });
    cleanups.push(() => void outbox.close());
    expect(outbox.prepare("SELECT COUNT(*) AS n FROM updates WHERE task_id = ?").get(taskId)).toEqual({ n: 0 });
    expect(readFileSync(output, "utf8")).toBe("run\n");
    expect(statSync(output).mtimeMs).toBe(outputWritten);
    const containers = execFileSync("docker", ["ps", "-aq", "--filter", `name=os-job-${gated}`], { encoding: "utf8" });
    expect(containers.trim()).toBe("");
  });
});
