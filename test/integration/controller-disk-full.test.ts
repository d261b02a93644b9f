/**
 * The controller's disk fills up while a job runs (its state directory is a small tmpfs, filled to
 * ENOSPC by a filler file) and the job ends while it is full. The controller must stay up, refuse
 * writes with a clear error (REST 503 in upstream's error shape; the agent stream Unavailable with
 * the same reason), keep answering reads, and lose nothing: once the space is freed the agent's
 * stored-up updates arrive and the job succeeds, its container started once, with one RUNJOB task.
 * Real parts: `rap controller` and `rap agent` processes, real docker, a real tmpfs.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fromBinary } from "@bufbuild/protobuf";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { DISK_FULL_MESSAGE as DISK_FULL } from "../../controller/store/storage-errors.js";
import { TaskUpdateSchema } from "../../gen/agent/v1/agent_pb.js";
import { jobId } from "../../controller/jobs/ids.js";
import { agentConfig } from "../support/agent-harness.js";
import { spawnAgent } from "../support/agent-process.js";
import { createBody, rest } from "../support/controller-harness.js";
import { spawnController } from "../support/controller-process.js";
import { fillDisk, mountTmpfs } from "../support/full-disk.js";
import { createGatedStudy } from "../support/study-repo.js";
import { waitFor } from "../support/wait-for.js";

interface ApiJob {
  status: string;
  status_code: string;
}

describe("controller disk full", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it("refuses writes with a clear 503, stays up, and loses no agent update once space is freed", async () => {
    const workdir = mkdtempSync(path.join(tmpdir(), "rap-disk-full-"));
    cleanups.push(() => rmSync(workdir, { recursive: true, force: true }));
    const controllerDir = path.join(workdir, "controller");
    cleanups.push(mountTmpfs(controllerDir, "32m"));
    const controller = await spawnController(controllerDir, 0, { AGENT_HEARTBEAT_INTERVAL_MS: "500", AGENT_LEASE_MS: "3000" });
    cleanups.push(() => controller.kill("SIGKILL"));
    const config = agentConfig(controller.url, { AGENT_WORKDIR: path.join(workdir, "agent") });
    const agent = spawnAgent(config);
    cleanups.push(() => agent.kill("SIGKILL"));

    const study = createGatedStudy();
    const rapId = randomBytes(8).toString("hex");
    const gated = jobId(rapId, "gated");
    cleanups.push(() => {
      execFileSync("sh", ["-c", `docker ps -aq --filter name=os-job-${gated} | xargs -r docker rm -f >/dev/null 2>&1 || true`]);
    });
    const create = (id: string) =>
      rest(controller, "POST", "/controller/v1/rap/create/", {
        ...createBody({ rap_id: id, repo_url: study.path, commit: study.commit, requested_actions: ["gated"] }),
        workspace: `ws-${id}`,
      });
    const jobNow = async () =>
      ((await rest(controller, "POST", "/controller/v1/rap/status/", { rap_ids: [rapId] })).json as { jobs: ApiJob[] }).jobs[0];
    expect((await create(rapId)).status).toBe(201);
    await waitFor(async () => (await jobNow())?.status_code === "executing", {
      timeoutMs: 60_000,
      message: "the job to execute",
    });

    const free = fillDisk(controllerDir);
    cleanups.push(free);
    // A create is refused, whole, with the reason; a cancel too; reads still answer.
    const refused = await create(randomBytes(8).toString("hex"));
    expect([refused.status, refused.json]).toEqual([503, { error: "Service unavailable", details: DISK_FULL }]);
    const cancel = await rest(controller, "POST", "/controller/v1/rap/cancel/", { rap_id: rapId, actions: ["gated"] });
    expect([cancel.status, cancel.json]).toEqual([503, { error: "Service unavailable", details: DISK_FULL }]);
    expect(await jobNow()).toMatchObject({ status: "running", status_code: "executing" });
    // The agent's stream is refused with the same reason (its heartbeats renew leases: a write).
    await waitFor(() => agent.output().includes(DISK_FULL), { message: "the agent to be told the disk is full" });

    // The job ends while the disk is full: its final update waits in the agent's outbox.
    writeFileSync(path.join(config.storage.volumesDir, gated, "go"), "");
    const outbox = new BetterSqlite3(path.join(config.workdir, "outbox.sqlite"), { readonly: true });
    cleanups.push(() => void outbox.close());
    await waitFor(
      () =>
        outbox
          .prepare<[], { payload: Buffer }>("SELECT payload FROM updates")
          .all()
          .some((row) => fromBinary(TaskUpdateSchema, row.payload).complete),
      { timeoutMs: 60_000, message: "the job's final update to wait in the agent's outbox" },
    );
    expect(await jobNow()).toMatchObject({ status: "running" });
    expect([controller.child.exitCode, controller.child.signalCode]).toEqual([null, null]);

    free();
    await waitFor(async () => (await jobNow())?.status === "succeeded", { timeoutMs: 60_000, message: "the job to succeed" });
    expect(await jobNow()).toMatchObject({ status: "succeeded", status_code: "succeeded" });
    const output = path.join(config.storage.mediumPrivacyDir, "workspaces", `ws-${rapId}`, "output/runs.txt");
    expect(readFileSync(output, "utf8")).toBe("run\n");
    await waitFor(() => !existsSync(path.join(config.storage.volumesDir, gated)), { message: "the working directory to go" });
    expect(execFileSync("docker", ["ps", "-aq", "--filter", `name=os-job-${gated}`], { encoding: "utf8" }).trim()).toBe("");
    const db = new BetterSqlite3(path.join(controllerDir, "db.sqlite"), { readonly: true });
    cleanups.push(() => void db.close());
    const tasks = db.prepare("SELECT COUNT(*) AS n FROM tasks WHERE job_id = ? AND type = 'runjob'").get(gated);
    expect(tasks).toEqual({ n: 1 });
    // Only the one create went in: the refused one left no job behind.
    expect(db.prepare("SELECT COUNT(*) AS n FROM job").get()).toEqual({ n: 1 });
    expect(controller.output()).toContain("database cannot be written");
    expect([controller.child.exitCode, controller.child.signalCode]).toEqual([null, null]);
  }, 240_000);
});
