/**
 * The agent contract end to end without a network: the controller's domain types through its edge
 * (controller/rpc/agent-convert.ts), the protobuf wire bytes, and the agent's edge (agent/convert.ts),
 * in both directions. Each case asserts every field, so a field dropped or renamed on either side fails.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { databaseTaskResult, failedTaskResult, jobFromProto, jobTaskResult, STAGES } from "../../../agent/convert.js";
import type { Task } from "../../../controller/jobs/job.js";
import type { JobDefinition } from "../../../controller/jobs/task-definition.js";
import { MalformedReportError, reportFromProto, taskToProto } from "../../../controller/agents/agent-convert.js";
import { parseTaskDefinition, parseTaskResult } from "../../../controller/store/task-columns.js";
import {
  file_agent_v1_agent,
  Stage,
  TaskOutcome,
  TaskSchema,
  TaskType,
  TaskUpdateSchema,
  type TaskResult as ProtoTaskResult,
  type TaskUpdate,
} from "../../../gen/agent/v1/agent_pb.js";
import type { JobStatus } from "../../../runtime-drivers/index.js";

const definition: JobDefinition = {
  kind: "job",
  id: "jobid123",
  rapId: "rapid456",
  taskId: "jobid123-001",
  repoUrl: "https://github.com/opensafely-actions/cohort-joiner",
  commit: "c0ffee",
  study: { gitRepoUrl: "https://github.com/opensafely/study", commit: "abc123", branch: "main" },
  workspace: "my-workspace",
  action: "generate_dataset",
  createdAt: 1_712_345_678,
  image: "ghcr.io/opensafely-core/ehrql:v1",
  imageSha: null,
  args: ["generate-dataset", "analysis/dataset.py", "--output", "output/dataset.csv.gz"],
  env: { OPENSAFELY_BACKEND: "tpp", EHRQL_PERMISSIONS: '["a", "b"]' },
  inputJobIds: ["earlier1"],
  outputSpec: {
    "output/dataset.csv.gz": "highly_sensitive",
    "output/summary.csv": "moderately_sensitive",
    "output/notes.txt": "minimally_sensitive",
  },
  allowDatabaseAccess: true,
  level4MaxCsvRows: 5000,
  level4MaxFilesize: 16_777_216,
  user: "alice",
  databaseName: "default",
  cpuCount: "2",
  memoryLimit: "4G",
  level4FileTypes: [".csv", ".txt"],
};

function task(overrides: Partial<Task> = {}): Task {
  return {
    id: "jobid123-001",
    backend: "tpp",
    type: "runjob",
    jobId: "jobid123",
    definition,
    active: true,
    createdAt: 1_712_345_700,
    finishedAt: null,
    attributes: { user: "alice", project: "p", orgs: "o" },
    agentStage: null,
    agentComplete: false,
    agentResult: null,
    agentTimestampNs: null,
    lastSeq: 0,
    ...overrides,
  };
}

/** What the wire carries: encode and decode, as the stream does. */
const overTheWire = (update: TaskUpdate): TaskUpdate => fromBinary(TaskUpdateSchema, toBinary(TaskUpdateSchema, update));

function update(result: ProtoTaskResult | undefined, stage = Stage.FINALIZED): TaskUpdate {
  return overTheWire(
    create(TaskUpdateSchema, { taskId: "jobid123-001", seq: 3n, stage, complete: true, timestampNs: 7n, result }),
  );
}

const status = (state: JobStatus["state"], results: Record<string, unknown>): JobStatus => ({ state, timestampNs: 7n, results });

describe("the .proto holds the contract", () => {
  it("imports nothing (no google.protobuf.Struct) and types the stage as an enum", () => {
    expect(file_agent_v1_agent.dependencies.map((file) => file.name)).toEqual([]);
    const stage = TaskUpdateSchema.fields.find((field) => field.name === "stage");
    expect([stage?.fieldKind, stage?.fieldKind === "enum" ? stage.enum.typeName : ""]).toEqual(["enum", "agent.v1.Stage"]);
    const result = TaskUpdateSchema.fields.find((field) => field.name === "result");
    expect([result?.fieldKind, result?.fieldKind === "message" ? result.message.typeName : ""]).toEqual([
      "message",
      "agent.v1.TaskResult",
    ]);
  });
});

describe("a job definition, controller to agent", () => {
  it("arrives with every field as the controller built it", () => {
    const wire = fromBinary(TaskSchema, toBinary(TaskSchema, taskToProto(task())));
    expect([wire.id, wire.backend, wire.type, wire.createdAt, wire.attributes]).toEqual([
      "jobid123-001",
      "tpp",
      TaskType.RUNJOB,
      1_712_345_700n,
      { user: "alice", project: "p", orgs: "o" },
    ]);
    if (wire.definition.case !== "job") throw new Error("expected a job definition");
    const expected: Record<string, unknown> = { ...definition, imageSha: undefined };
    delete expected.kind;
    expect(jobFromProto(wire.definition.value)).toStrictEqual(expected);
  });

  it("a database check arrives as a database definition", () => {
    const check = task({
      id: "dbstatus-2025-03-01-0",
      type: "dbstatus",
      jobId: null,
      definition: { kind: "database", databaseName: "default", image: "utils:latest", args: ["x"], hesExpectedActivityMonth: "" },
    });
    const wire = fromBinary(TaskSchema, toBinary(TaskSchema, taskToProto(check)));
    expect(wire.type).toBe(TaskType.DBSTATUS);
    expect(wire.definition.case === "database" ? [wire.definition.value.databaseName, wire.definition.value.args] : []).toEqual([
      "default",
      ["x"],
    ]);
  });
});

describe("a task result, agent to controller", () => {
  const metrics = {
    cpu_sample: 1.5,
    cpu_cumsum: 30,
    cpu_mean: 1.25,
    cpu_peak: 2,
    mem_mb_sample: 100,
    mem_mb_cumsum: 2000,
    mem_mb_mean: 90.5,
    mem_mb_peak: 120,
    container_id: "os-job-jobid123",
  };

  it("a finished job: exit code, message and metrics; no file names", () => {
    const result = jobTaskResult(
      status("finalized", {
        exit_code: "1",
        status_message: "Job exited with code 1",
        unmatched_patterns: [],
        unmatched_outputs: [],
        level4_excluded_files: { "output/big.csv": "too big" },
        error: null,
        cancelled: false,
        job_metrics: metrics,
      }),
    );
    expect(reportFromProto(update(result))).toStrictEqual({
      taskId: "jobid123-001",
      seq: 3,
      stage: "finalized",
      complete: true,
      timestampNs: 7n,
      result: {
        outcome: "finished",
        error: null,
        exitCode: 1,
        statusMessage: "Job exited with code 1",
        hasUnmatchedPatterns: false,
        hasLevel4ExcludedFiles: true,
        jobMetrics: metrics,
        databaseStatus: "",
      },
    });
  });

  it("unmatched patterns blank the status message (it would name files)", () => {
    const result = jobTaskResult(
      status("finalized", {
        exit_code: "0",
        status_message: "No outputs found matching patterns:\n - x/*.csv",
        unmatched_patterns: ["x/*.csv"],
      }),
    );
    expect(reportFromProto(update(result)).result).toMatchObject({
      outcome: "finished",
      exitCode: 0,
      statusMessage: "",
      hasUnmatchedPatterns: true,
      jobMetrics: null,
    });
  });

  it("an executor error keeps its type, message and permanence; no container means no exit code", () => {
    const result = jobTaskResult(
      status("error", { exit_code: "None", error: { type: "CheckoutError", message: "no such commit", permanent: true } }),
    );
    expect(reportFromProto(update(result, Stage.ERROR))).toMatchObject({
      stage: "error",
      result: { outcome: "failed", exitCode: null, error: { type: "CheckoutError", message: "no such commit", permanent: true } },
    });
  });

  it("a cancelled job, a database check and an unrunnable definition", () => {
    expect(
      reportFromProto(update(jobTaskResult(status("finalized", { exit_code: "137", cancelled: true })))).result?.outcome,
    ).toBe("cancelled");
    const check = reportFromProto(
      update(databaseTaskResult({ results: { status: "db-maintenance" }, error: null }), Stage.UNSPECIFIED),
    );
    expect([check.stage, check.result?.outcome, check.result?.databaseStatus]).toEqual([null, "finished", "db-maintenance"]);
    const failedCheck = databaseTaskResult({ results: null, error: { type: "ValueError", message: "bad" } });
    expect(reportFromProto(update(failedCheck, Stage.UNSPECIFIED)).result?.error).toEqual({
      type: "ValueError",
      message: "bad",
      permanent: false,
    });
    const unrunnable = failedTaskResult(new TypeError("no privacy level"), true);
    expect(reportFromProto(update(unrunnable, Stage.ERROR)).result?.error).toEqual({
      type: "TypeError",
      message: "no privacy level",
      permanent: true,
    });
  });

  it("every executor state has its own stage on the wire", () => {
    expect(new Set(Object.values(STAGES)).size).toBe(8);
    expect(Object.values(STAGES)).not.toContain(Stage.UNSPECIFIED);
  });

  it("a report the controller cannot read is refused, naming the problem", () => {
    expect(() => reportFromProto(update(undefined))).toThrow(
      new MalformedReportError("task jobid123-001: a completing update has no result"),
    );
    const noReason = create(TaskUpdateSchema, { taskId: "t", seq: 1n, complete: true, result: { outcome: TaskOutcome.FAILED } });
    expect(() => reportFromProto(overTheWire(noReason))).toThrow("task t: a failed result must say why (error is missing)");
    const noOutcome = create(TaskUpdateSchema, { taskId: "t", seq: 1n, complete: true, result: {} });
    expect(() => reportFromProto(overTheWire(noOutcome))).toThrow("task t: result has no outcome");
    // Sequence numbers count from 1, and stay within what a JS number and SQLite hold exactly.
    for (const seq of [0n, 2n ** 53n, 2n ** 64n - 1n]) {
      const outOfRange = create(TaskUpdateSchema, { taskId: "t", seq, stage: Stage.EXECUTING });
      expect(() => reportFromProto(overTheWire(outOfRange))).toThrow(`task t: sequence number ${seq} is out of range`);
    }
  });
});

describe("stored task columns", () => {
  it("read back exactly what was stored", () => {
    expect(parseTaskDefinition("t", JSON.stringify(definition))).toStrictEqual(definition);
    const result = { ...reportFromProto(update(jobTaskResult(status("finalized", { exit_code: "0" })))).result };
    expect(parseTaskResult("t", JSON.stringify(result))).toStrictEqual(result);
  });

  it("a misspelt or missing key is an error naming it, never a silent default", () => {
    const misspelt = JSON.stringify({ ...definition, rapId: undefined, rap_id: "rapid456" });
    expect(() => parseTaskDefinition("t-001", misspelt)).toThrow(/^task t-001: stored definition is invalid: [\s\S]*rapId/);
    expect(() => parseTaskDefinition("t-001", misspelt)).toThrow(/rap_id/);
    expect(() => parseTaskDefinition("t-001", JSON.stringify({ ...definition, outputSpec: { a: "secret" } }))).toThrow(
      /outputSpec/,
    );
  });
});
