/**
 * The JSON a task row keeps in its `definition` and `agent_results` columns, checked on the way back
 * in: a field that is missing, misspelt or of the wrong type is an error naming it, never a silent "".
 */
import { z } from "zod";
import { OUTPUT_PRIVACIES, type TaskDefinition } from "../jobs/task-definition.js";
import { STAGES, type Stage, type TaskResult } from "../jobs/task-result.js";

const strings = z.array(z.string()).readonly();

const jobDefinition = z.strictObject({
  kind: z.literal("job"),
  id: z.string(),
  rapId: z.string(),
  taskId: z.string(),
  repoUrl: z.string(),
  commit: z.string(),
  study: z.strictObject({ gitRepoUrl: z.string(), commit: z.string(), branch: z.string() }),
  workspace: z.string(),
  action: z.string(),
  createdAt: z.number().int(),
  image: z.string(),
  imageSha: z.string().nullable(),
  args: strings,
  env: z.record(z.string(), z.string()),
  inputJobIds: strings,
  outputSpec: z.record(z.string(), z.enum(OUTPUT_PRIVACIES)),
  allowDatabaseAccess: z.boolean(),
  level4MaxCsvRows: z.number().int(),
  level4MaxFilesize: z.number().int(),
  user: z.string(),
  databaseName: z.string().nullable(),
  cpuCount: z.string(),
  memoryLimit: z.string(),
  level4FileTypes: strings,
  traceContext: z.record(z.string(), z.string()).optional(),
});

const databaseTaskDefinition = z.strictObject({
  kind: z.literal("database"),
  databaseName: z.string(),
  image: z.string(),
  args: strings,
  hesExpectedActivityMonth: z.string(),
});

const taskDefinition = z.discriminatedUnion("kind", [jobDefinition, databaseTaskDefinition]);

const jobMetrics = z.strictObject({
  cpu_sample: z.number(),
  cpu_cumsum: z.number(),
  cpu_mean: z.number(),
  cpu_peak: z.number(),
  mem_mb_sample: z.number(),
  mem_mb_cumsum: z.number(),
  mem_mb_mean: z.number(),
  mem_mb_peak: z.number(),
  container_id: z.string(),
});

const resultFields = {
  exitCode: z.number().int().nullable(),
  statusMessage: z.string(),
  hasUnmatchedPatterns: z.boolean(),
  hasLevel4ExcludedFiles: z.boolean(),
  jobMetrics: jobMetrics.nullable(),
  databaseStatus: z.string(),
};

const taskResult = z.discriminatedUnion("outcome", [
  z.strictObject({ outcome: z.literal("finished"), error: z.null(), ...resultFields }),
  z.strictObject({
    outcome: z.literal("failed"),
    error: z.strictObject({ type: z.string(), message: z.string(), permanent: z.boolean() }),
    ...resultFields,
  }),
  z.strictObject({ outcome: z.literal("cancelled"), error: z.null(), ...resultFields }),
]);

const stage = z.enum(STAGES);

function parseColumn<T>(schema: z.ZodType<T>, column: string, taskId: string, text: string): T {
  return checkColumn(schema, column, taskId, JSON.parse(text));
}

function checkColumn<T>(schema: z.ZodType<T>, column: string, taskId: string, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(`task ${taskId}: stored ${column} is invalid: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/**
 * Parsed values by their stored text, at most `limit` of them (the oldest goes first). Only values
 * that parsed are kept, so an invalid text fails every time it is read, naming its task.
 */
export class ParsedByText<T> {
  private readonly values = new Map<string, T>();

  constructor(private readonly limit: number) {}

  get(text: string, parse: (text: string) => T): T {
    const known = this.values.get(text);
    if (known !== undefined) return known;
    const value = parse(text);
    if (this.values.size >= this.limit) this.values.delete(this.values.keys().next().value!);
    this.values.set(text, value);
    return value;
  }

  get size(): number {
    return this.values.size;
  }
}

/**
 * A task's definition never changes once stored, yet it is read again on every scheduling round
 * that examines its job, on each push and on each agent update; parsing and checking it each time
 * was ≈ 2.5% of the controller's time per create. The values are read-only (TaskDefinition's
 * fields all are), so one parsed object can be handed to every reader.
 */
const definitions = new ParsedByText<TaskDefinition>(4096);

export function parseTaskDefinition(taskId: string, text: string): TaskDefinition {
  return definitions.get(text, (fresh) => parseColumn<TaskDefinition>(taskDefinition, "definition", taskId, fresh));
}

export function parseTaskResult(taskId: string, text: string): TaskResult {
  return parseColumn<TaskResult>(taskResult, "agent_results", taskId, text);
}

export function parseStage(taskId: string, text: string): Stage {
  // The column holds the bare stage name; the schema is built once (a schema per row cost more than the row).
  return checkColumn<Stage>(stage, "agent_stage", taskId, text);
}
