/**
 * Golden tests of `rap jobs` and `rap job` at 100 columns: a failed job with its exit code, status
 * history, a cancelled first attempt and a failed second one, and its log and output locations; a
 * job waiting on a dependency and on workers. The goldens live in golden/ and are compared byte for
 * byte; every line fits 100 columns.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  AdminJobSchema,
  AdminOutputSchema,
  AdminTaskSchema,
  GetJobResponseSchema,
  StatusChangeSchema,
} from "../../../gen/admin/v1/admin_pb.js";
import { jobDetails, taskState } from "../../../cli/admin/job-details.js";
import { jobsTable } from "../../../cli/admin/jobs-table.js";
import { timestampFromSeconds } from "../../../controller/rpc/admin-convert.js";

const NOW = new Date("2025-03-01T12:00:00Z");
const T0 = Date.parse("2025-03-01T10:00:00Z") / 1000;
const golden = (name: string) => readFileSync(path.join(import.meta.dirname, "golden", name), "utf8");

function expectFits(text: string, width: number): void {
  for (const line of text.split("\n")) expect(line.length, line).toBeLessThanOrEqual(width);
}

const failedJob = create(AdminJobSchema, {
  id: "5lzhcsbuzmr4nmxg",
  rapId: "b6r3x7bkygmmcxpn",
  backend: "tpp",
  workspace: "covid-vaccines",
  action: "generate_dataset",
  state: "failed",
  statusCode: "nonzero_exit",
  statusMessage: "Job exited with an error: check the log for details",
  runCommand: "ehrql:v1 generate-dataset analysis/dataset_definition.py --output output/dataset.csv.gz",
  repoUrl: "https://github.com/opensafely/covid-vaccines",
  commit: "0d9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f",
  branch: "main",
  requiresDb: true,
  databaseName: "default",
  createdAt: BigInt(T0),
  startedAt: BigInt(T0 + 30),
  completedAt: BigInt(T0 + 900),
  outputs: [
    create(AdminOutputSchema, { privacyLevel: "highly_sensitive", name: "dataset", pattern: "output/dataset.csv.gz" }),
    create(AdminOutputSchema, { privacyLevel: "moderately_sensitive", name: "log", pattern: "logs/*.log" }),
  ],
});

const change = (offset: number, statusCode: string, statusMessage: string) =>
  create(StatusChangeSchema, { statusCode, statusMessage, at: timestampFromSeconds(T0 + offset + 0.25) });

const failedResponse = create(GetJobResponseSchema, {
  job: failedJob,
  history: [
    change(0, "created", "Created"),
    change(1, "waiting_on_db_workers", "Waiting on available database workers"),
    change(30, "initiated", "Job executing on the backend"),
    change(120, "waiting_on_reboot", "Job restarted - waiting for server to reboot"),
    change(400, "executing", "Job executing on the backend"),
    change(900, "nonzero_exit", "Job exited with an error: check the log for details"),
  ],
  tasks: [
    create(AdminTaskSchema, {
      id: "5lzhcsbuzmr4nmxg-001",
      type: "runjob",
      active: false,
      agentStage: "executing",
      agentComplete: true,
      outcome: "cancelled",
      createdAt: BigInt(T0 + 30),
      finishedAt: BigInt(T0 + 120),
    }),
    create(AdminTaskSchema, {
      id: "5lzhcsbuzmr4nmxg-001-cancel",
      type: "canceljob",
      active: false,
      agentComplete: true,
      outcome: "finished",
      createdAt: BigInt(T0 + 120),
      finishedAt: BigInt(T0 + 125),
    }),
    create(AdminTaskSchema, {
      id: "5lzhcsbuzmr4nmxg-002",
      type: "runjob",
      active: false,
      agentStage: "finalized",
      agentComplete: true,
      outcome: "finished",
      exitCode: 3,
      createdAt: BigInt(T0 + 400),
      finishedAt: BigInt(T0 + 900),
    }),
  ],
});

describe("rap job at 100 columns", () => {
  it("a failed job: exit code, history, attempts with their true state, log and output locations", () => {
    const text = jobDetails(failedResponse, [], NOW, 100);
    expect(text).toBe(golden("job-failed.txt"));
    expectFits(text, 100);
  });

  it("a waiting job: the wait reason, and a task still waiting for the agent", () => {
    const waiting = create(GetJobResponseSchema, {
      job: create(AdminJobSchema, {
        ...failedJob,
        id: "q3wmyzdrs7tx4ubk",
        action: "analyse",
        state: "pending",
        statusCode: "waiting_on_dependencies",
        statusMessage: "Waiting on dependencies",
        runCommand: "python:v2 analysis/analyse.py",
        requiresDb: false,
        startedAt: 0n,
        completedAt: 0n,
        waitForJobIds: ["5lzhcsbuzmr4nmxg"],
        outputs: [
          create(AdminOutputSchema, { privacyLevel: "moderately_sensitive", name: "table", pattern: "output/table.csv" }),
        ],
      }),
      history: [change(0, "created", "Created"), change(1, "waiting_on_dependencies", "Waiting on dependencies")],
    });
    const reason = ["needs generate_dataset (job 5lzhcsbuzmr4nmxg): running / executing"];
    const text = jobDetails(waiting, reason, NOW, 100);
    expect(text).toBe(golden("job-waiting.txt"));
    expectFits(text, 100);
  });

  it("names each task state from the agent's report", () => {
    const task = (fields: Parameters<typeof create<typeof AdminTaskSchema>>[1]) =>
      taskState(create(AdminTaskSchema, { type: "runjob", ...fields }));
    expect(task({ active: true })).toBe("waiting for the agent");
    expect(task({ active: true, agentStage: "executing" })).toBe("running: executing");
    expect(task({ outcome: "finished", exitCode: 0 })).toBe("finished, exit code 0");
    expect(task({ outcome: "failed", errorType: "CheckoutError", errorMessage: "no such commit" })).toBe(
      "failed: CheckoutError: no such commit",
    );
    expect(task({ outcome: "cancelled", agentStage: "executing" })).toBe("cancelled at executing");
    expect(task({ agentStage: "prepared" })).toBe("ended by the controller at prepared");
    expect(taskState(create(AdminTaskSchema, { type: "canceljob", agentComplete: true }))).toBe("done: container stopped");
  });
});

describe("rap jobs at 100 columns", () => {
  it("id, rap id, action, status, age and message, long ones shortened", () => {
    const jobs = [
      failedJob,
      create(AdminJobSchema, {
        ...failedJob,
        id: "q3wmyzdrs7tx4ubk",
        action: "analyse_vaccine_effectiveness_by_region",
        state: "pending",
        statusCode: "waiting_on_dependencies",
        statusMessage: "Waiting on dependencies",
        createdAt: BigInt(T0 + 7100),
      }),
      create(AdminJobSchema, {
        ...failedJob,
        id: "k2x7c4vn5bm6zq8w",
        action: "report",
        state: "pending",
        statusCode: "waiting_on_workers",
        statusMessage: "Waiting on available workers for resource intensive job",
        createdAt: BigInt(T0 - 3 * 86_400),
      }),
    ];
    const text = jobsTable(jobs, NOW, 100);
    expect(text).toBe(golden("jobs.txt"));
    expectFits(text, 100);
  });
});
