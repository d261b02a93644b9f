/**
 * Scheduled database-status checks end to end (upstream's T71): the controller schedules DBSTATUS
 * tasks, a real agent runs the database-utils stand-in image in real docker with DATABASE_URL, and
 * the answer toggles the backend's `mode` flag, which holds and then releases a database job.
 * Manual maintenance then overrides what the checks report (disabling the checks is covered in
 * test/unit/admin). The stand-in image is a shell, so the check prints what DBSTATUS_COMMAND says.
 */
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { jobId } from "../../controller/jobs/ids.js";
import { adminClient, AS_ADMIN, waitForJob } from "../support/admin-client.js";
import { agentConfig, startAgent } from "../support/agent-harness.js";
import { createBody, rest, startController, type ControllerHarness } from "../support/controller-harness.js";
import { createStudyRepo } from "../support/study-repo.js";
import { waitFor } from "../support/wait-for.js";

const CHECKS = { MAINTENANCE_ENABLED_BACKENDS: "test", MAINTENANCE_POLL_INTERVAL: "1" };
// Prints the answer only if the agent passed the database URL through, as it must.
const SAYS_MAINTENANCE = `-c 'test -n "$DATABASE_URL" && echo db-maintenance'`;
const SAYS_FINE = `-c "echo 'none;1'"`;

interface ApiMaintenance {
  status: string;
  type: string | null;
}

async function maintenance(controller: ControllerHarness): Promise<ApiMaintenance | undefined> {
  const response = await rest(controller, "GET", "/controller/v1/backend/status/");
  return (response.json as { backends: { slug: string; db_maintenance: ApiMaintenance }[] }).backends.find(
    (b) => b.slug === "test",
  )?.db_maintenance;
}

function completedChecks(controller: ControllerHarness): number {
  return controller.app.deps.tasks
    .list({ backend: "test", limit: 1000 })
    .filter((task) => task.type === "dbstatus" && task.agentComplete).length;
}

describe("scheduled DBSTATUS through a real agent", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it("turns maintenance mode on and off, holding database jobs meanwhile; manual mode wins", async () => {
    let controller = await startController({ env: { ...CHECKS, DBSTATUS_COMMAND: SAYS_MAINTENANCE } });
    const { workdir } = controller;
    const port = controller.app.port;
    cleanups.push(() => controller.dispose());
    const agent = startAgent(
      agentConfig(controller.url, {
        DATABASE_ACCESS_NETWORK: "none",
        DEFAULT_DATABASE_URL: "mssql://user:pass@database:1433/db",
      }),
    );
    cleanups.push(() => agent.stop());

    await waitFor(async () => (await maintenance(controller))?.status === "on", {
      timeoutMs: 60_000,
      message: "a DBSTATUS result to turn maintenance on",
    });
    expect(await maintenance(controller)).toMatchObject({ status: "on", type: "scheduled" });
    const admin = adminClient(controller.url);
    const flags = await admin.getFlags({ backend: "test", ids: ["mode"] }, AS_ADMIN);
    expect(flags.flags[0]?.value).toBe("db-maintenance");

    // A database job created now waits for the maintenance to end.
    const study = createStudyRepo({
      "project.yaml": [
        'version: "5.0"',
        "actions:",
        "  extract:",
        "    run: ehrql:v1 generate-dataset analysis/dataset_definition.py --output output/dataset.csv",
        "    outputs:",
        "      highly_sensitive:",
        "        dataset: output/dataset.csv",
        "",
      ].join("\n"),
      "analysis/dataset_definition.py": "# stand-in\n",
      "generate-dataset": "mkdir -p output\nprintf 'patient_id\\n1\\n' > output/dataset.csv\n",
    });
    const rapId = randomBytes(8).toString("hex"); // random: container names derive from it
    await rest(
      controller,
      "POST",
      "/controller/v1/rap/create/",
      createBody({ repo_url: study.path, commit: study.commit, rap_id: rapId, requested_actions: ["extract"] }),
    );
    const extract = jobId(rapId, "extract");
    await waitForJob(
      admin,
      extract,
      (job) => job.statusCode === "waiting_db_maintenance",
      "the database job to wait for maintenance",
    );

    // The database comes back: the next check says so, and the job runs.
    await controller.stop();
    controller = await startController({ workdir, port, env: { ...CHECKS, DBSTATUS_COMMAND: SAYS_FINE } });
    await waitFor(async () => (await maintenance(controller))?.status === "off", {
      timeoutMs: 60_000,
      message: "a DBSTATUS result to turn maintenance off",
    });
    expect((await adminClient(controller.url).getFlags({ backend: "test", ids: ["mode"] }, AS_ADMIN)).flags[0]?.value).toBe("");
    await waitForJob(
      adminClient(controller.url),
      extract,
      (job) => job.state === "succeeded",
      "the database job to run once maintenance ended",
    );

    // Manual maintenance: later checks still run, say all is fine, and change nothing.
    const manualAdmin = adminClient(controller.url);
    await manualAdmin.setDbMaintenance({ backend: "test", on: true }, AS_ADMIN);
    const before = completedChecks(controller);
    await waitFor(() => completedChecks(controller) >= before + 2, { timeoutMs: 60_000, message: "two more checks to complete" });
    expect(await maintenance(controller)).toMatchObject({ status: "on", type: "manual" });
  });
});
