/**
 * The agent process: one session to the controller, one handler per pushed task. A task delivered
 * again while its handler runs is ignored; delivered after, it is handled again and the executor's
 * status (from the runtime and the disk) makes that a resend of the result, never a second run.
 * A CANCELJOB first stops the job's RUNJOB handler, then runs the cancel steps.
 */
import { create } from "@bufbuild/protobuf";
import {
  type DatabaseTaskDefinition,
  Stage,
  TaskOutcome,
  TaskResultSchema,
  TaskType,
  type Task,
} from "../gen/agent/v1/agent_pb.js";
import { Backoff, sleep } from "./backoff.js";
import type { Executor, ExecutorFailure, JobDefinition } from "../runtime-drivers/index.js";
import { cancelJob } from "./cancel-job.js";
import type { AgentConfig } from "./config.js";
import { failedTaskResult, jobFromProto } from "./convert.js";
import { checkTaskRepository } from "./repo-allow-list.js";
import { handleDatabaseTask, type DatabaseTaskRunner } from "./database-task.js";
import { createDatabaseTaskRunner } from "./executor-factory.js";
import type { Logger } from "./logger.js";
import { AgentLease } from "./lease.js";
import { Outbox } from "./outbox.js";
import { describeFailure, runJob } from "./run-job.js";
import { AgentSession } from "./session.js";
import { TaskReporter } from "./task-reporter.js";

/** While draining, how often the outbox is looked at for the last acknowledgements. */
const DRAIN_POLL_MS = 100;

interface RunningTask {
  readonly jobId: string | undefined;
  readonly controller: AbortController;
  readonly done: Promise<void>;
}

export type AgentState = "starting" | "connecting" | "connected" | "stopped";

export class Agent {
  private readonly running = new Map<string, RunningTask>();
  private readonly stopTasks = new AbortController();
  readonly outbox: Outbox;
  private state: AgentState = "starting";
  /** Set by drain(): no new task is taken, the ones in hand are finished and reported. */
  private draining = false;
  /** Told of every state change (metrics count reconnects from it). */
  onStateChange: ((state: AgentState) => void) | undefined;
  /** Told when a job task's handler starts; the function it returns is called when the handler ends. */
  onJobTask: ((task: Task, job: JobDefinition) => () => void) | undefined;

  private readonly databaseTasks: DatabaseTaskRunner;
  /** Whether this agent may still touch its jobs (see lease.ts). */
  readonly lease = new AgentLease();

  constructor(
    private readonly config: AgentConfig,
    private readonly executor: Executor,
    private readonly log: Logger,
    databaseTasks?: DatabaseTaskRunner,
  ) {
    this.outbox = new Outbox(`${config.workdir}/outbox.sqlite`);
    this.databaseTasks = databaseTasks ?? createDatabaseTaskRunner(config, executor);
  }

  get currentState(): AgentState {
    return this.state;
  }

  /** Ready for work: the stream is up and the agent is not draining (the agent's /readyz). */
  readiness(): { ready: boolean; reason: string } {
    if (this.draining) return { ready: false, reason: "draining for shutdown" };
    if (this.state !== "connected") return { ready: false, reason: `stream to the controller is ${this.state}` };
    return { ready: true, reason: "stream to the controller is connected" };
  }

  /** Task ids being worked on right now. */
  inFlight(): string[] {
    return [...this.running.keys()];
  }

  private setState(state: AgentState): void {
    if (state === this.state) return;
    this.log.info("agent state changed", { from: this.state, to: state });
    this.state = state;
    this.onStateChange?.(state);
  }

  /**
   * Runs until `signal` aborts. Tasks keep running across reconnects; on abort their handlers stop
   * watching, while the job containers themselves run on, to be picked up after a restart.
   */
  async run(signal: AbortSignal): Promise<void> {
    signal.addEventListener("abort", () => this.stopTasks.abort(), { once: true });
    const session = new AgentSession({
      controllerUrl: this.config.controllerUrl,
      tls: this.config.tls,
      token: this.config.token,
      backend: this.config.backend,
      agentId: this.config.agentId,
      version: this.config.version,
      driver: this.executor.driver,
      outbox: this.outbox,
      log: this.log.child({ component: "session" }),
      onTask: (task) => {
        if (this.declines(task)) return "declined";
        this.accept(task);
        return "taken";
      },
      inFlight: () => this.inFlight(),
      onWelcome: (welcome, helloSentAtMs) => {
        // Stand down first: a task another agent holds must not resume when the lease is renewed.
        for (const taskId of welcome.disowned) this.standDown(taskId);
        this.lease.granted(welcome.leaseMs, helloSentAtMs);
      },
      onHeartbeatAnswered: (sentAtMs) => this.lease.renewed(sentAtMs),
      onConnected: (connected) => {
        if (!signal.aborted) this.setState(connected ? "connected" : "connecting");
      },
    });
    this.setState("connecting");
    await this.executor.reapFinished(signal).then(
      (reaped) =>
        reaped.length > 0 && this.log.info("removed containers of jobs that had already finished", { jobs: reaped.join(",") }),
      (error: unknown) => this.log.warn("could not look for finished containers", { error }),
    );
    // Side loops stop with the session, however it ends (a refused token ends it without `signal`).
    const running = new AbortController();
    const stopRunning = () => running.abort();
    signal.addEventListener("abort", stopRunning, { once: true });
    const sampling = this.sampleMetrics(running.signal);
    try {
      await session.run(signal);
    } finally {
      signal.removeEventListener("abort", stopRunning);
      running.abort();
      this.setState("stopped");
      await sampling;
    }
  }

  /** Samples running jobs' CPU and memory every few seconds while any task is in hand. */
  private async sampleMetrics(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      if (this.running.size > 0) {
        await this.executor.sampleMetrics(signal).catch((error: unknown) => {
          if (!signal.aborted) this.log.warn("could not sample job metrics", { error });
        });
      }
      await sleep(this.config.statsPollIntervalSeconds * 1000, signal);
    }
  }

  /** Waits until every task handler has let go, then closes the outbox. Call after run() returned. */
  async close(): Promise<void> {
    this.stopTasks.abort();
    await Promise.allSettled([...this.running.values()].map((task) => task.done));
    await this.executor.close?.();
    this.outbox.close();
  }

  /** Another agent holds this task now: stop its handler without touching the job, and drop its updates. */
  private standDown(taskId: string): void {
    this.log.warn("another agent holds this task now; standing down without touching its job", { task_id: taskId });
    this.running.get(taskId)?.controller.abort();
    this.outbox.forget(taskId);
  }

  /** Waits, before a step that touches the job, until this agent's lease is held (false: stop). */
  private holdLease(log: Logger, signal: AbortSignal): Promise<boolean> {
    return this.lease.hold(signal, () =>
      log.warn("lease on this task has run out; waiting for the controller before touching the job"),
    );
  }

  /**
   * The first step of shutdown: takes no new task (the controller pushes it again to the next
   * agent), lets the tasks in hand finish and waits until the controller has acknowledged every
   * update in the outbox. Resolves then, or when `signal` aborts (the grace is over); the session
   * stays open meanwhile so results still reach the controller.
   */
  async drain(signal: AbortSignal): Promise<void> {
    this.draining = true;
    this.log.info("draining: no new tasks; finishing the tasks in hand", { in_flight: this.running.size });
    const aborted = new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      signal.addEventListener("abort", () => resolve(), { once: true });
    });
    while (!signal.aborted && (this.running.size > 0 || this.outbox.depth() > 0)) {
      if (this.running.size > 0) {
        await Promise.race([Promise.allSettled([...this.running.values()].map((task) => task.done)), aborted]);
      } else {
        // Acknowledgements arrive on the stream; the outbox tells of appends only, so look again shortly.
        await sleep(DRAIN_POLL_MS, signal);
      }
    }
    this.log.info(signal.aborted ? "drain cut short; tasks left in hand" : "drained", { in_flight: this.running.size });
  }

  /** While draining, a task not already in hand is left to the next agent (a cancel of one in hand is not). */
  private declines(task: Task): boolean {
    if (!this.draining || this.running.has(task.id) || this.cancelsJobInHand(task)) return false;
    this.log.info("draining: task not taken", { task_id: task.id, type: TaskType[task.type] });
    return true;
  }

  private accept(task: Task): void {
    if (this.running.has(task.id)) return;
    if (task.definition.case === "database") {
      this.acceptDatabaseTask(task, task.definition.value);
      return;
    }
    if (task.definition.case !== "job") {
      this.log.warn("task type not handled by this agent", { task_id: task.id, type: TaskType[task.type] });
      return;
    }
    let job: JobDefinition;
    try {
      job = jobFromProto(task.definition.value);
    } catch (error) {
      // Running it again would fail the same way: the task ends now, and the controller fails the job.
      this.log.error("task definition cannot be run", { task_id: task.id, error });
      this.outbox.append({ taskId: task.id, stage: Stage.ERROR, complete: true, result: failedTaskResult(error, true) });
      return;
    }
    if (task.type === TaskType.RUNJOB) {
      try {
        checkTaskRepository(this.config.repoPolicy, job);
      } catch (error) {
        // Refused before anything is fetched or started: the failure is the task's final outcome.
        this.log.error("task refused: repository not allowed on this agent", { task_id: task.id, error });
        this.outbox.append({ taskId: task.id, stage: Stage.ERROR, complete: true, result: failedTaskResult(error, true) });
        return;
      }
    }
    const log = this.log.child({
      task_id: task.id,
      job_id: job.id,
      rap_id: job.rapId,
      action: job.action,
      workspace: job.workspace,
    });
    // Never the definition's env: it may hold a licence or other values this agent cannot mask.
    log.debug("task received", { type: TaskType[task.type], image: job.image, requires_db: job.allowDatabaseAccess });
    const controller = new AbortController();
    const abort = () => controller.abort();
    this.stopTasks.signal.addEventListener("abort", abort, { once: true });
    const reporter = new TaskReporter(this.outbox, task.id);
    const hold = (signal: AbortSignal) => this.holdLease(log, signal);
    const work = async () => {
      if (task.type === TaskType.CANCELJOB) {
        await this.stopRunJob(job.id);
        log.info("cancelling job");
        if (!(await hold(controller.signal))) return;
        await cancelJob(this.executor, job, reporter, controller.signal);
      } else {
        log.info("running job");
        await runJob(this.executor, job, reporter, log, controller.signal, hold);
      }
    };
    // A step that fails (a runtime hiccup, a full disk) is retried from the executor's status with
    // backoff, a bounded number of times; the controller sees the task as running meanwhile. An
    // error no retry can mend (an unsafe name, a missing image), or the last allowed attempt, ends
    // the task as failed with that error, and the job's container is removed so its slot is free.
    const retrying = async () => {
      const backoff = new Backoff({ initialMs: 1000, maxMs: 60_000 });
      for (let attempt = 1; !controller.signal.aborted; attempt++) {
        try {
          if (!(await hold(controller.signal))) return;
          return await work();
        } catch (error) {
          if (controller.signal.aborted) return;
          const failure = describeFailure(error);
          if (failure.permanent || attempt >= this.config.taskStepAttempts) {
            log.error("task step failed; giving up on this attempt", { error, attempts: attempt, permanent: failure.permanent });
            await this.giveUp(task.id, job, failure, log, controller.signal);
            return;
          }
          const delay = backoff.next();
          log.error("task step failed; retrying", { error, retry_in_ms: delay, attempt });
          await sleep(delay, controller.signal);
        }
      }
    };
    const handled = this.onJobTask?.(task, job);
    const done = retrying().finally(() => {
      this.stopTasks.signal.removeEventListener("abort", abort);
      this.running.delete(task.id);
      handled?.();
    });
    this.running.set(task.id, { jobId: job.id, controller, done });
  }

  /** Ends a task whose steps keep failing: the failure is its outcome, and the job's container goes. */
  private async giveUp(taskId: string, job: JobDefinition, failure: ExecutorFailure, log: Logger, signal: AbortSignal) {
    if (!(await this.holdLease(log, signal))) return;
    const result = create(TaskResultSchema, { outcome: TaskOutcome.FAILED, error: failure });
    this.outbox.append({ taskId, stage: Stage.ERROR, complete: true, result });
    await this.executor.cleanup(job, signal).catch((error: unknown) => {
      if (!signal.aborted) log.warn("could not remove the job's container after giving up", { error });
    });
  }

  /** DBSTATUS / DBDATACHECK: one run of the check, tracked like any task so shutdown waits for it. */
  private acceptDatabaseTask(task: Task, definition: DatabaseTaskDefinition): void {
    const controller = new AbortController();
    const abort = () => controller.abort();
    this.stopTasks.signal.addEventListener("abort", abort, { once: true });
    const log = this.log.child({ task_id: task.id, type: TaskType[task.type] });
    log.debug("task received");
    const done = handleDatabaseTask(task, definition, this.databaseTasks, this.outbox, log, controller.signal)
      .catch((error: unknown) => {
        if (!controller.signal.aborted) log.error("database task failed", { error });
      })
      .finally(() => {
        this.stopTasks.signal.removeEventListener("abort", abort);
        this.running.delete(task.id);
      });
    this.running.set(task.id, { jobId: undefined, controller, done });
  }

  /** A CANCELJOB for a job being run here is still taken while draining (the job stops sooner). */
  private cancelsJobInHand(task: Task): boolean {
    if (task.type !== TaskType.CANCELJOB || task.definition.case !== "job") return false;
    const jobId = task.definition.value.id;
    return [...this.running.values()].some((running) => running.jobId === jobId);
  }

  /** Aborts this job's RUNJOB handler (if any) and waits until it has let go. */
  private async stopRunJob(jobId: string): Promise<void> {
    const handlers = [...this.running.entries()].filter(([id, task]) => task.jobId === jobId && !id.endsWith("-cancel"));
    for (const [, task] of handlers) task.controller.abort();
    await Promise.allSettled(handlers.map(([, task]) => task.done));
  }
}
