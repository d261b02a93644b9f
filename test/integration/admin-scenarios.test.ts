/**
 * Upstream's operator scenarios end to end (reference/jobrunner.md §4.12-4.13): a real controller,
 * a real agent, real docker containers, driven through AdminService. Pausing holds pending jobs
 * only; manual database maintenance stops database jobs and restarts them after; prepare-for-reboot
 * resets running jobs and its report says when it is safe; kill stops a container for good; the
 * connected agent is listed. Jobs block on a `go` file the test drops into their working directory.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { jobId } from "../../controller/jobs/ids.js";
import { adminClient, AS_ADMIN, waitForJob, type AdminClient } from "../support/admin-client.js";
import { agentConfig, startAgent, type AgentHarness } from "../support/agent-harness.js";
import { createBody, rest, startController, type ControllerHarness } from "../support/controller-harness.js";
import { createStudyRepo, type StudyRepo } from "../support/study-repo.js";
import { waitFor } from "../support/wait-for.js";

const run = promisify(execFile);

/** Two gated ordinary actions and a gated database action (ehrQL's generate-dataset). */
function gatedStudy(): StudyRepo {
  const gated = (name: string) => [
    `  ${name}:`,
    `    run: python:v2 analysis/gated.sh ${name}`,
    "    outputs:",
    "      moderately_sensitive:",
    `        runs: output/${name}.txt`,
  ];
  return createStudyRepo({
    "project.yaml": [
      'version: "5.0"',
      "actions:",
      ...gated("first"),
      ...gated("second"),
      "  extract:",
      "    run: ehrql:v1 generate-dataset analysis/dataset_definition.py --output output/dataset.csv",
      "    outputs:",
      "      highly_sensitive:",
      "        dataset: output/dataset.csv",
      "",
    ].join("\n"),
    "analysis/gated.sh": 'mkdir -p output\necho run >> "output/$1.txt"\nwhile [ ! -f go ]; do sleep 0.05; done\n',
    "analysis/dataset_definition.py": "# stand-in\n",
    // The stand-in ehrql image is a shell, so `ehrql:v1 generate-dataset …` runs this file.
    "generate-dataset":
      "mkdir -p output\nwhile [ ! -f go ]; do sleep 0.05; done\nprintf 'patient_id\\n1\\n' > output/dataset.csv\n",
  });
}

async function containerExists(id: string): Promise<boolean> {
  return run("docker", ["container", "inspect", `os-job-${id}`]).then(
    () => true,
    () => false,
  );
}

/** Random rap ids: container names derive from them, and another test process may share docker. */
function freshRapId(): string {
  return randomBytes(8).toString("hex");
}

describe("operator scenarios with a real agent and docker", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setUp(agentOverrides: Record<string, string> = {}) {
    const controller: ControllerHarness = await startController();
    cleanups.push(() => controller.dispose());
    const agent: AgentHarness = startAgent(agentConfig(controller.url, agentOverrides));
    cleanups.push(() => agent.stop());
    const study = gatedStudy();
    const admin: AdminClient = adminClient(controller.url);
    const create = async (rapId: string, actions: string[]) => {
      const created = await rest(
        controller,
        "POST",
        "/controller/v1/rap/create/",
        createBody({ repo_url: study.path, commit: study.commit, rap_id: rapId, requested_actions: actions }),
      );
      expect(created.status).toBe(201);
      return actions.map((action) => jobId(rapId, action));
    };
    const release = (id: string) => writeFileSync(path.join(agent.config.storage.volumesDir, id, "go"), "");
    /** Executing on the given attempt (task `<id>-00N` active), so its gate is the live one. */
    const executing = (id: string, attempt: string) =>
      waitForJob(
        admin,
        id,
        (job, tasks) => job.statusCode === "executing" && tasks.some((task) => task.id === `${id}-${attempt}` && task.active),
        `${id} to execute (attempt ${attempt})`,
      );
    return { controller, agent, admin, create, release, executing };
  }

  it("pause holds pending jobs only: the running one finishes, the new one waits until unpaused", async () => {
    const { admin, create, release, executing } = await setUp();
    const [first] = await create(freshRapId(), ["first"]);
    await executing(first!, "001");

    const paused = await admin.setPaused({ backend: "test", paused: true }, AS_ADMIN);
    expect(paused.flags.map((flag) => [flag.id, flag.value])).toEqual([["paused", "true"]]);
    const [second] = await create(freshRapId(), ["second"]);
    await waitForJob(admin, second!, (job) => job.statusCode === "paused", "the new job to be held");
    const held = (await admin.getJob({ id: second! }, AS_ADMIN)).job!;
    expect([held.state, held.statusMessage]).toEqual([
      "pending",
      "Backend is currently paused for maintenance, job will start once this is completed",
    ]);

    release(first!);
    await waitForJob(admin, first!, (job) => job.state === "succeeded", "the running job to finish while paused");
    expect((await admin.getJob({ id: second! }, AS_ADMIN)).job?.statusCode).toBe("paused");

    await admin.setPaused({ backend: "test", paused: false }, AS_ADMIN);
    await executing(second!, "001");
    release(second!);
    await waitForJob(admin, second!, (job) => job.state === "succeeded", "the held job to run after unpausing");
  });

  it("manual maintenance stops database jobs only, and restarts them when it ends", async () => {
    const { controller, admin, create, release, executing } = await setUp({ USING_DUMMY_DATA_BACKEND: "true" });
    const [extract, other] = await create(freshRapId(), ["extract", "first"]);
    await executing(extract!, "001");
    await executing(other!, "001");

    const on = await admin.setDbMaintenance({ backend: "test", on: true }, AS_ADMIN);
    expect(on.flags.map((flag) => [flag.id, flag.value ?? null])).toEqual([
      ["mode", "db-maintenance"],
      ["manual-db-maintenance", "on"],
      ["db-maintenance-checks-disabled", null],
    ]);
    const stopped = await waitForJob(
      admin,
      extract!,
      (job) => job.statusCode === "waiting_db_maintenance",
      "the database job to be stopped",
    );
    expect([stopped.job?.state, stopped.job?.statusMessage]).toEqual(["pending", "Waiting for database to finish maintenance"]);
    await waitFor(async () => !(await containerExists(extract!)), { message: "the database job's container to be removed" });
    const status = await rest(controller, "GET", "/controller/v1/backend/status/");
    expect((status.json as { backends: { db_maintenance: unknown }[] }).backends[0]?.db_maintenance).toMatchObject({
      status: "on",
      type: "manual",
    });
    // The ordinary job never noticed.
    expect((await admin.getJob({ id: other! }, AS_ADMIN)).job?.statusCode).toBe("executing");

    await admin.setDbMaintenance({ backend: "test", on: false }, AS_ADMIN);
    const restarted = await executing(extract!, "002");
    expect(restarted.tasks.map((task) => [task.id.slice(extract!.length), task.type, task.active])).toEqual([
      ["-001", "runjob", false],
      ["-001-cancel", "canceljob", false],
      ["-002", "runjob", true],
    ]);
    release(extract!);
    release(other!);
    await waitForJob(admin, extract!, (job) => job.state === "succeeded", "the database job to succeed after maintenance");
    await waitForJob(admin, other!, (job) => job.state === "succeeded", "the ordinary job to succeed");
  });

  it("prepare-for-reboot resets running jobs; the report says when it is safe; they run again after", async () => {
    const { admin, create, release, executing } = await setUp();
    const [first] = await create(freshRapId(), ["first"]);
    await executing(first!, "001");
    expect((await admin.getRebootStatus({ backend: "test" }, AS_ADMIN)).status?.report).toBe(
      "\n== PREPARING FOR REBOOT ==\n1) backend 'test' is not paused\n2) 1 job(s) are running\n" +
        "Backend 'test' is not paused. Run prepare_for_reboot, then check the status again\n",
    );

    const prepared = await admin.prepareForReboot({ backend: "test" }, AS_ADMIN);
    expect(prepared.resetJobs.map((job) => [job.id, job.statusCode])).toEqual([[first, "waiting_on_reboot"]]);
    expect(prepared.status?.paused).toBe(true);
    const ready = await waitFor(
      async () =>
        (await admin.getRebootStatus({ backend: "test" }, AS_ADMIN)).status?.ready &&
        (await admin.getRebootStatus({ backend: "test" }, AS_ADMIN)).status,
      {
        timeoutMs: 60_000,
        message: "the backend to be ready to reboot",
      },
    );
    expect(ready.report).toBe(
      "\n== PREPARING FOR REBOOT ==\n1) backend 'test' is paused\n2) 0 job(s) are running\n\n== READY TO REBOOT ==\nSafe to reboot now\n",
    );
    expect(await containerExists(first!)).toBe(false);
    expect((await admin.getJob({ id: first! }, AS_ADMIN)).job?.statusCode).toBe("waiting_on_reboot");

    await admin.setPaused({ backend: "test", paused: false }, AS_ADMIN);
    await executing(first!, "002");
    release(first!);
    await waitForJob(admin, first!, (job) => job.state === "succeeded", "the reset job to succeed after the reboot");
  });

  it("kill stops the container for good, and the agent is listed while connected", async () => {
    const { admin, agent, create, executing } = await setUp();
    const [first] = await create(freshRapId(), ["first"]);
    await executing(first!, "001");

    const { agents } = await admin.listAgents({}, AS_ADMIN);
    expect(agents.map((a) => [a.backend, a.agentId, a.driver, a.version, a.activeTaskIds])).toEqual([
      ["test", agent.config.agentId, "docker", agent.config.version, [`${first}-001`]],
    ]);
    expect(Number(agents[0]?.lastSeenAt?.seconds)).toBeGreaterThanOrEqual(Number(agents[0]?.connectedAt?.seconds));

    const killed = await admin.killJob({ id: first! }, AS_ADMIN);
    expect([killed.job?.state, killed.job?.statusCode, killed.job?.statusMessage]).toEqual([
      "failed",
      "killed_by_admin",
      "An OpenSAFELY admin manually killed this job",
    ]);
    await waitFor(async () => !(await containerExists(first!)), { message: "the killed job's container to be removed" });
    await waitFor(async () => (await admin.getJob({ id: first! }, AS_ADMIN)).tasks.every((task) => !task.active), {
      message: "the cancel task to finish",
    });
    expect((await admin.getJob({ id: first! }, AS_ADMIN)).job?.statusCode).toBe("killed_by_admin");
  });
});
