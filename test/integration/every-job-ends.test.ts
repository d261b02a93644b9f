/**
 * Findings 2 and 3 of the reliability review, end to end with docker: a job that can never succeed
 * ends at once, failed, with its reason as job-server shows it, instead of coming back as a new task
 * every few seconds; and a finalize that cannot work (a name that is unsafe as a path, here planted
 * in the stored task as if it had got past validation) fails the job, frees its slot and removes its
 * container instead of retrying for ever.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { jobId } from "../../controller/jobs/ids.js";
import { agentConfig, startAgent } from "../support/agent-harness.js";
import { createBody, rest, startController, type ControllerHarness } from "../support/controller-harness.js";
import { createStudyRepo } from "../support/study-repo.js";
import { waitFor } from "../support/wait-for.js";

interface ApiJob {
  action: string;
  status: string;
  status_code: string;
  status_message: string;
}

function oneActionStudy(run: string, script = "echo hi\n") {
  return createStudyRepo({
    "project.yaml": [
      'version: "5.0"',
      "actions:",
      "  only:",
      `    run: ${run}`,
      "    outputs:",
      "      moderately_sensitive:",
      "        out: output/out.txt",
      "",
    ].join("\n"),
    "analysis/run.sh": `mkdir -p output\n${script}echo done > output/out.txt\n`,
  });
}

describe("every job ends", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function create(controller: ControllerHarness, rapId: string, run: string) {
    const study = oneActionStudy(run);
    const body = createBody({ rap_id: rapId, repo_url: study.path, commit: study.commit, requested_actions: ["only"] });
    expect((await rest(controller, "POST", "/controller/v1/rap/create/", body)).status).toBe(201);
  }

  async function finalJob(controller: ControllerHarness, rapId: string): Promise<ApiJob> {
    return waitFor(
      async () => {
        const response = await rest(controller, "POST", "/controller/v1/rap/status/", { rap_ids: [rapId] });
        const job = (response.json as { jobs: ApiJob[] }).jobs[0];
        return job && ["failed", "succeeded"].includes(job.status) ? job : undefined;
      },
      { timeoutMs: 60_000, message: "the job to end" },
    );
  }

  it("fails a job whose image is not on the backend at once, with the reason, and makes no second task", async () => {
    const rapId = randomBytes(8).toString("hex");
    const controller = await startController();
    cleanups.push(() => controller.dispose());
    await create(controller, rapId, "python:v99 analysis/run.sh");
    const agent = startAgent(agentConfig(controller.url));
    cleanups.push(() => agent.stop());
    const job = await finalJob(controller, rapId);
    expect([job.status, job.status_code, job.status_message]).toEqual([
      "failed",
      "job_error",
      "This job returned a fatal error. MissingImageError: image rap-standin/python:v99 is not present on this backend and pulling is turned off",
    ]);
    expect(controller.app.deps.tasks.forJob(jobId(rapId, "only"), "runjob").map((task) => task.id)).toEqual([
      `${jobId(rapId, "only")}-001`,
    ]);
  });

  it("refuses, at rap/create, an action name that cannot be a path, in upstream's error shape, creating no job", async () => {
    const rapId = randomBytes(8).toString("hex");
    const controller = await startController();
    cleanups.push(() => controller.dispose());
    const study = createStudyRepo({
      "project.yaml": [
        'version: "5.0"',
        "actions:",
        '  "../evx":',
        "    run: python:v2 analysis/run.sh",
        "    outputs:",
        "      moderately_sensitive:",
        "        out: output/out.txt",
        "",
      ].join("\n"),
    });
    const body = createBody({ rap_id: rapId, repo_url: study.path, commit: study.commit, requested_actions: ["../evx"] });
    const response = await rest(controller, "POST", "/controller/v1/rap/create/", body);
    expect([response.status, response.json]).toEqual([
      400,
      {
        error: "Error creating jobs",
        details:
          'Invalid project: \nAction name "../evx" cannot be used: it contains a path separator (action names become file names on the backend)',
      },
    ]);
    const status = await rest(controller, "POST", "/controller/v1/rap/status/", { rap_ids: [rapId] });
    expect((status.json as { jobs: unknown[] }).jobs).toEqual([]);
  });

  it("fails a job whose finalize cannot work, and removes its container", async () => {
    const rapId = randomBytes(8).toString("hex");
    const controller = await startController();
    cleanups.push(() => controller.dispose());
    await create(controller, rapId, "python:v2 analysis/run.sh");
    const id = jobId(rapId, "only");
    // As if the name had got past validation: the container runs, finalize refuses the name.
    await waitFor(() => controller.app.deps.tasks.get(`${id}-001`), { message: "the task to exist" });
    controller.app.deps.db
      .prepare("UPDATE tasks SET definition = json_set(definition, '$.action', '../evx') WHERE id = ?")
      .run(`${id}-001`);
    const agent = startAgent(agentConfig(controller.url));
    cleanups.push(() => agent.stop());
    const job = await finalJob(controller, rapId);
    expect([job.status, job.status_code, job.status_message]).toEqual([
      "failed",
      "job_error",
      'This job returned a fatal error. UnsafeNameError: Unsafe action name: "../evx"',
    ]);
    await waitFor(() => agent.agent.inFlight().length === 0, { message: "the agent to let go of the task" });
    const containers = execFileSync("docker", ["ps", "-aq", "--filter", `name=os-job-${id}`], { encoding: "utf8" });
    expect(containers.trim()).toBe("");
    expect(controller.app.deps.tasks.forJob(id, "runjob").map((task) => [task.id, task.active])).toEqual([[`${id}-001`, false]]);
  });
});
