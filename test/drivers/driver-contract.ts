/**
 * The contract every container driver must meet, run through the whole system (REST API, controller,
 * agent stream, agent) against a real runtime: exact files on disk, manifest contents, level-4
 * outcomes and job status codes, cancel, an agent SIGKILLed mid-run, and hostile studies.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentConfig } from "../../agent/config.js";
import { jobId } from "../../controller/jobs/ids.js";
import { agentConfig, startAgent, type AgentHarness } from "../support/agent-harness.js";
import { spawnAgent } from "../support/agent-process.js";
import { standinImage } from "../support/standin-images.js";
import { createBody, rest, startController, type ControllerHarness } from "../support/controller-harness.js";
import { createStudyRepo, type StudyRepo } from "../support/study-repo.js";
import { waitFor } from "../support/wait-for.js";

interface ApiJob {
  identifier: string;
  action: string;
  status: string;
  status_code: string;
  status_message: string;
  metrics: Record<string, unknown>;
}

type Outputs = Record<string, Record<string, string>>;

interface Action {
  readonly script: string;
  readonly outputs: Outputs;
  readonly needs?: readonly string[];
}

function projectYaml(actions: Readonly<Record<string, Action>>): Record<string, string> {
  const lines = ['version: "5.0"', "actions:"];
  const files: Record<string, string> = {};
  for (const [name, action] of Object.entries(actions)) {
    lines.push(`  ${name}:`, `    run: python:v2 analysis/${name}.sh`);
    if (action.needs) lines.push(`    needs: [${action.needs.join(", ")}]`);
    lines.push("    outputs:");
    for (const [level, outputs] of Object.entries(action.outputs)) {
      lines.push(`      ${level}:`);
      for (const [key, pattern] of Object.entries(outputs)) lines.push(`        ${key}: ${pattern}`);
    }
    files[`analysis/${name}.sh`] = `set -e\nmkdir -p output\n${action.script}\n`;
  }
  return { "project.yaml": `${lines.join("\n")}\n`, ...files };
}

/**
 * What the contract needs to know about a runtime beyond the agent's settings: how to look into it
 * (is anything of a job left?) and how to plant another attempt's leftovers. Docker and podman
 * are looked at through their CLI; other runtimes (kubernetes) bring their own.
 */
export interface ContractRuntime {
  readonly driver: "docker" | "podman" | "kubernetes";
  /** Starts what the runtime needs and returns the agent's settings (env overrides) for it. */
  setup(): Promise<Record<string, string>>;
  /** Checks the runtime holds nothing of the suite any more (after the agent stopped), then stops it. */
  teardown(): Promise<void>;
  /** True when the runtime has nothing left of job `id` (containers, Jobs, pods). */
  isGone(id: string): Promise<boolean>;
  /** Leaves a finished leftover of another attempt (task `taskId`) of job `id` in the runtime. */
  leaveOtherAttempt(id: string, taskId: string): Promise<void>;
  /** The status message of a job killed for exceeding its 64 MB memory limit. */
  readonly oomMessage: string;
}

function containerCliRuntime(driver: "docker" | "podman"): ContractRuntime {
  return {
    driver,
    setup: () => Promise.resolve({}),
    teardown: () => Promise.resolve(),
    isGone: (id) => {
      const names = execFileSync(driver, ["container", "ls", "--all", "--format", "{{.Names}}"], { encoding: "utf8" });
      return Promise.resolve(!names.includes(`os-job-${id}`));
    },
    leaveOtherAttempt: (id, taskId) => {
      execFileSync(driver, [
        "run",
        "--name",
        `os-job-${id}`,
        "--label",
        "job-runner",
        "--label",
        `task-id=${taskId}`,
        "--network",
        "none",
        standinImage("python:v2"),
        "-c",
        "true",
      ]);
      return Promise.resolve();
    },
    // podman 4.3 on cgroup v1 never sets State.OOMKilled, so its OOM kill reads as upstream's
    // message for an exit 137 without that flag (upstream calls the flag unreliable too).
    oomMessage:
      driver === "docker"
        ? "Job exited with an error: Job ran out of memory (limit was 0.06GB)"
        : "Job exited with an error: Job killed by OpenSAFELY admin or memory limits",
  };
}

export function describeDriverContract(which: "docker" | "podman" | ContractRuntime): void {
  const runtime = typeof which === "string" ? containerCliRuntime(which) : which;
  const driver = runtime.driver;
  describe(`${driver} driver contract`, () => {
    let controller: ControllerHarness;
    let agent: AgentHarness;
    let rapCounter = 0;
    let AGENT_SETTINGS: Record<string, string> = {};

    beforeAll(async () => {
      AGENT_SETTINGS = { ...(await runtime.setup()), AGENT_DRIVER: driver, STATS_POLL_INTERVAL: "2" };
      // A small memory limit so the OOM scenario is quick; the other jobs need a few MB.
      controller = await startController({ env: { TEST_JOB_MEMORY_LIMIT: "64m", TEST_MAX_WORKERS: "4" } });
      agent = startAgent(agentConfig(controller.url, AGENT_SETTINGS));
      await waitFor(() => controller.app.sessions.get("test"), { message: "agent to connect" });
    });
    afterAll(async () => {
      await agent.stop();
      await controller.dispose();
      await runtime.teardown();
    });

    const store = () => agent.config.storage;
    const high = (workspace: string, file: string) => path.join(store().highPrivacyDir, "workspaces", workspace, file);
    const medium = (workspace: string, file: string) => path.join(store().mediumPrivacyDir, "workspaces", workspace, file);

    /** Submits `actions` (run_all) in a fresh workspace and waits until every job has finished. */
    async function run(actions: Readonly<Record<string, Action>>, options: { requested?: string[]; wait?: boolean } = {}) {
      rapCounter += 1;
      // Random, so container names (derived from rap id and action) never collide with another
      // test process using the same runtime on this machine.
      const rapId = randomBytes(8).toString("hex");
      const workspace = `ws-${driver}-${rapCounter}`;
      const study: StudyRepo = createStudyRepo(projectYaml(actions));
      const created = await rest(
        controller,
        "POST",
        "/controller/v1/rap/create/",
        createBody({
          rap_id: rapId,
          workspace,
          repo_url: study.path,
          commit: study.commit,
          requested_actions: options.requested ?? ["run_all"],
        }),
      );
      expect(created.status).toBe(201);
      const jobs = async () =>
        ((await rest(controller, "POST", "/controller/v1/rap/status/", { rap_ids: [rapId] })).json as { jobs: ApiJob[] }).jobs;
      const finished =
        options.wait === false
          ? await jobs()
          : await waitFor(
              async () => {
                const all = await jobs();
                return all.every((job) => job.status === "succeeded" || job.status === "failed") && all;
              },
              { timeoutMs: 90_000, message: "jobs to finish" },
            );
      const byAction = Object.fromEntries(finished.map((job) => [job.action, job]));
      return { rapId, workspace, study, jobs, byAction };
    }

    const manifest = (workspace: string) =>
      JSON.parse(readFileSync(medium(workspace, "metadata/manifest.json"), "utf8")) as {
        outputs: Record<string, Record<string, unknown>>;
      };
    const jobLog = (workspace: string, action: string) => readFileSync(high(workspace, `metadata/${action}.log`), "utf8");

    it("copies a dependency's outputs in, matches globbed outputs and files them by privacy level", async () => {
      const { byAction, workspace, rapId, study } = await run({
        make: {
          script: "printf 'a,b\\n1,2\\n' > output/part1.csv\nprintf 'a,b\\n3,4\\n' > output/part2.csv",
          outputs: { highly_sensitive: { parts: "output/part*.csv" } },
        },
        combine: {
          needs: ["make"],
          script: "cat output/part1.csv output/part2.csv | grep -v '^a,b' > output/rows.txt",
          outputs: { moderately_sensitive: { rows: "output/rows.txt" } },
        },
      });
      expect([byAction.make?.status_code, byAction.combine?.status_code]).toEqual(["succeeded", "succeeded"]);
      expect(byAction.combine?.status_message).toBe("Completed successfully");
      expect(readFileSync(high(workspace, "output/part1.csv"), "utf8")).toBe("a,b\n1,2\n");
      expect(readFileSync(high(workspace, "output/part2.csv"), "utf8")).toBe("a,b\n3,4\n");
      expect(readFileSync(medium(workspace, "output/rows.txt"), "utf8")).toBe("1,2\n3,4\n");
      expect(existsSync(medium(workspace, "output/part1.csv"))).toBe(false);
      const entries = manifest(workspace).outputs;
      expect(Object.keys(entries).sort()).toEqual(["output/part1.csv", "output/part2.csv", "output/rows.txt"]);
      expect(entries["output/rows.txt"]).toMatchObject({
        level: "moderately_sensitive",
        job_id: jobId(rapId, "combine"),
        job_request: rapId,
        action: "combine",
        user: "testuser",
        repo: study.path,
        commit: study.commit,
        size: 8,
        excluded: false,
        message: null,
        row_count: null,
        col_count: null,
        content_hash: createHash("sha256").update("1,2\n3,4\n").digest("hex"),
      });
      expect(entries["output/part1.csv"]).toMatchObject({ level: "highly_sensitive", size: 8, row_count: null, col_count: null });
      // combine's run read the study's project.yaml: make's earlier entries are still in it, its own are fresh.
      expect([entries["output/part1.csv"]?.out_of_date_action, entries["output/part2.csv"]?.out_of_date_action]).toEqual([
        false,
        false,
      ]);
      expect(Object.hasOwn(entries["output/rows.txt"] ?? {}, "out_of_date_action")).toBe(false);
    });

    it("fails with unmatched_patterns and names the near misses in the job log only", async () => {
      const { byAction, workspace } = await run({
        miss: { script: "echo x > output/other.csv", outputs: { highly_sensitive: { wanted: "output/wanted.csv" } } },
      });
      expect(byAction.miss?.status).toBe("failed");
      expect(byAction.miss?.status_code).toBe("unmatched_patterns");
      expect(byAction.miss?.status_message).toBe("Outputs matching expected patterns were not found. See job log for details.");
      const log = jobLog(workspace, "miss");
      expect(log).toContain("No outputs found matching patterns:\n - output/wanted.csv");
      expect(log).toContain("Did you mean to match one of these files instead?\n - output/other.csv");
    });

    it("keeps a patient-level file marked moderately_sensitive out of the medium-privacy store", async () => {
      const { byAction, workspace } = await run({
        leak: {
          script: "printf 'patient_id,value\\n1,5\\n' > output/patients.csv",
          outputs: { moderately_sensitive: { table: "output/patients.csv" } },
        },
      });
      expect(byAction.leak?.status_code).toBe("succeeded");
      expect(byAction.leak?.status_message).toBe(
        "Completed successfully, but some file(s) marked as moderately_sensitive were excluded. See job log for details.",
      );
      expect(readFileSync(high(workspace, "output/patients.csv"), "utf8")).toBe("patient_id,value\n1,5\n");
      expect(existsSync(medium(workspace, "output/patients.csv"))).toBe(false);
      expect(readFileSync(medium(workspace, "output/patients.csv.txt"), "utf8")).toContain(
        "output/patients.csv\n\nhas not been made available in level 4 because it has a `patient_id` column.",
      );
      expect(manifest(workspace).outputs["output/patients.csv"]).toMatchObject({
        excluded: true,
        message: "File has patient_id column",
        row_count: 1,
        col_count: 2,
      });
    });

    it("reports a non-zero exit as nonzero_exit and still files the outputs", async () => {
      const { byAction, workspace } = await run({
        broken: {
          script: "echo partial > output/partial.txt\nexit 3",
          outputs: { moderately_sensitive: { partial: "output/partial.txt" } },
        },
      });
      expect([byAction.broken?.status, byAction.broken?.status_code, byAction.broken?.status_message]).toEqual([
        "failed",
        "nonzero_exit",
        "Job exited with an error",
      ]);
      expect(jobLog(workspace, "broken")).toContain("exit_code: 3\n");
      expect(readFileSync(high(workspace, "output/partial.txt"), "utf8")).toBe("partial\n");
    });

    it("files a 100 MB log whole, line for line, without holding it in the agent's memory", async () => {
      // 50,000 lines of 2,000 characters: within the last 100,000 log entries the runtimes are asked
      // for (podman stores a long line as several entries).
      const lines = 50_000;
      // The agent runs in this process: its resident memory is sampled while the job runs and is
      // filed, and only then does the test read the log.
      let peakRss = process.memoryUsage().rss;
      const baseline = peakRss;
      const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 10);
      const { byAction, workspace } = await run({
        chatty: {
          script: `awk 'BEGIN { s = sprintf("%2000s", ""); gsub(/ /, "x", s); for (i = 0; i < ${lines}; i++) print i s }'\necho done > output/done.txt`,
          outputs: { moderately_sensitive: { done: "output/done.txt" } },
        },
      }).finally(() => clearInterval(sampler));
      // Read whole, the log costs several times its 100 MB (a pipe buffer, a string, a copy with the
      // summary): the docker agent grew by 528 MB here before logs were spooled to a file. Spooled,
      // what remains is the rest of the suite's noise (about 60-70 MB seen). Every driver hands
      // job-files a file: the container CLIs their spool, Kubernetes the job's own log on its volume.
      expect(peakRss - baseline).toBeLessThan(128 * 1024 * 1024);
      expect([byAction.chatty?.status, byAction.chatty?.status_code]).toEqual(["succeeded", "succeeded"]);
      const log = readFileSync(high(workspace, "metadata/chatty.log"), "utf8");
      const [body = "", summary] = log.split("=============JOB SUMMARY=============");
      expect(summary).toContain("exit_code: 0");
      // Every character arrived: the x's of each line once its timestamp (container CLIs) is dropped.
      const stamped = driver !== "kubernetes";
      const bodyLines = body.split("\n").map((line) => (stamped ? line.replace(/^\S+ /, "") : line));
      expect(bodyLines.reduce((sum, line) => sum + (line.match(/x/g)?.length ?? 0), 0)).toBe(lines * 2000);
      // Line for line, where the runtime keeps long lines whole (podman returns a long line as
      // several partial entries, each with its own timestamp).
      if (driver !== "podman") {
        const printed = bodyLines.filter((line) => line.endsWith("x".repeat(2000)));
        expect(printed.length).toBe(lines);
        expect(printed.at(0)).toBe(`0${"x".repeat(2000)}`);
        expect(printed.at(-1)).toBe(`${lines - 1}${"x".repeat(2000)}`);
      }
      expect(readFileSync(medium(workspace, "metadata/chatty.log"), "utf8") === log).toBe(true);
    });

    it("reports a job killed for memory as out of memory", async () => {
      const { byAction } = await run({
        // The output exists before the kill, so the message is not blanked for unmatched patterns.
        hungry: {
          script: "echo start > output/started.txt\nx=$(head -c 300000000 /dev/zero | tr '\\0' a)\necho ${#x}",
          outputs: { moderately_sensitive: { out: "output/started.txt" } },
        },
      });
      expect([byAction.hungry?.status, byAction.hungry?.status_code]).toEqual(["failed", "nonzero_exit"]);
      expect(byAction.hungry?.status_message).toBe(runtime.oomMessage);
    });

    it("reports the job's CPU and memory metrics to the controller", async () => {
      // The job keeps a CPU busy until the agent has sampled it at least once, then is released.
      const { rapId, jobs } = await run(
        {
          busy: {
            script: "i=0; while [ ! -f go ]; do i=$((i + 1)); done\necho $i > output/n.txt",
            outputs: { moderately_sensitive: { n: "output/n.txt" } },
          },
        },
        { wait: false },
      );
      const id = jobId(rapId, "busy");
      await waitFor(() => existsSync(path.join(agent.config.storage.tempDir, "metrics", `${id}.json`)), {
        timeoutMs: 60_000,
        message: "a metrics sample",
      });
      writeFileSync(path.join(store().volumesDir, id, "go"), "");
      const [busy] = await waitFor(
        async () => {
          const all = await jobs();
          return all.every((job) => job.status === "succeeded" || job.status === "failed") && all;
        },
        { timeoutMs: 60_000, message: "the job to finish" },
      );
      expect(busy?.status_code).toBe("succeeded");
      const metrics = busy?.metrics ?? {};
      expect(Object.keys(metrics).sort()).toEqual([
        "container_id",
        "cpu_cumsum",
        "cpu_mean",
        "cpu_peak",
        "cpu_sample",
        "mem_mb_cumsum",
        "mem_mb_mean",
        "mem_mb_peak",
        "mem_mb_sample",
      ]);
      expect(typeof metrics.container_id).toBe("string");
      expect(metrics.cpu_peak).toBeGreaterThan(0);
    });

    it("stops a running job on cancel and leaves no container or working directory behind", async () => {
      const { rapId, jobs } = await run(
        {
          gated: {
            script: "echo started > output/started.txt\nwhile [ ! -f go ]; do sleep 0.05; done",
            outputs: { moderately_sensitive: { out: "output/started.txt" } },
          },
        },
        { wait: false },
      );
      const id = jobId(rapId, "gated");
      await waitFor(async () => (await jobs()).find((job) => job.status_code === "executing"), {
        timeoutMs: 60_000,
        message: "the job to execute",
      });
      const cancelled = await rest(controller, "POST", "/controller/v1/rap/cancel/", { rap_id: rapId, actions: ["gated"] });
      expect(cancelled.json).toEqual({ result: "Success", details: "1 actions cancelled", count: 1 });
      await waitFor(async () => (await jobs()).find((job) => job.status_code === "cancelled_by_user"), {
        message: "cancelled_by_user",
      });
      await waitFor(async () => (await runtime.isGone(id)) && !existsSync(path.join(store().volumesDir, id)), {
        timeoutMs: 30_000,
        message: "container and working directory to be removed",
      });
      const [final] = await jobs();
      expect([final?.status, final?.status_code, final?.status_message]).toEqual([
        "failed",
        "cancelled_by_user",
        "Cancelled by user",
      ]);
    });

    it("finishes a job exactly once when its agent is SIGKILLed mid-run and started again", async () => {
      const config: AgentConfig = agentConfig(controller.url, { ...AGENT_SETTINGS, STATS_POLL_INTERVAL: "10" });
      // Swap the in-process agent for one in its own process, which the test can kill.
      await agent.stop();
      let child = spawnAgent(config);
      try {
        const { rapId, workspace, jobs } = await run(
          {
            once: {
              script: "echo run >> output/runs.txt\nwhile [ ! -f go ]; do sleep 0.05; done",
              outputs: { moderately_sensitive: { runs: "output/runs.txt" } },
            },
          },
          { wait: false },
        );
        await waitFor(async () => (await jobs()).find((job) => job.status_code === "executing"), {
          timeoutMs: 60_000,
          message: "the job to execute",
        });
        await child.kill("SIGKILL");
        writeFileSync(path.join(config.storage.volumesDir, jobId(rapId, "once"), "go"), "");
        child = spawnAgent(config);
        const [job] = await waitFor(
          async () => {
            const all = await jobs();
            return all.every((found) => found.status === "succeeded" || found.status === "failed") && all;
          },
          { timeoutMs: 60_000, message: "the job to finish after the restart" },
        );
        expect([job?.status_code, job?.status_message]).toEqual(["succeeded", "Completed successfully"]);
        expect(readFileSync(path.join(config.storage.highPrivacyDir, "workspaces", workspace, "output/runs.txt"), "utf8")).toBe(
          "run\n",
        );
        // The result is reported before cleanup: let the restarted agent finish tidying up.
        await waitFor(() => !existsSync(path.join(config.storage.volumesDir, jobId(rapId, "once"))), {
          message: "the job's working directory to be removed",
        });
      } finally {
        await child.kill("SIGTERM");
        agent = startAgent(agentConfig(controller.url, AGENT_SETTINGS));
        await waitFor(() => controller.app.sessions.get("test")?.identity.agentId === agent.config.agentId, {
          message: "the agent to reconnect",
        });
      }
    });

    it("runs a new attempt in a fresh container when another attempt's container was left behind", async () => {
      // Same deterministic name, another attempt's task id, already exited with no output.
      const rapId = randomBytes(8).toString("hex");
      const id = jobId(rapId, "fresh");
      await runtime.leaveOtherAttempt(id, `${id}-000`);
      const workspace = `ws-${driver}-fresh`;
      const study = createStudyRepo(
        projectYaml({
          fresh: { script: "echo mine > output/mine.txt", outputs: { moderately_sensitive: { mine: "output/mine.txt" } } },
        }),
      );
      await rest(
        controller,
        "POST",
        "/controller/v1/rap/create/",
        createBody({ rap_id: rapId, workspace, repo_url: study.path, commit: study.commit, requested_actions: ["fresh"] }),
      );
      const [job] = await waitFor(
        async () => {
          const all = (
            (await rest(controller, "POST", "/controller/v1/rap/status/", { rap_ids: [rapId] })).json as { jobs: ApiJob[] }
          ).jobs;
          return all.every((found) => found.status === "succeeded" || found.status === "failed") && all;
        },
        { timeoutMs: 60_000, message: "the job to finish" },
      );
      expect([job?.status_code, job?.status_message]).toEqual(["succeeded", "Completed successfully"]);
      expect(readFileSync(medium(workspace, "output/mine.txt"), "utf8")).toBe("mine\n");
    });

    it("never follows a symlink out of the job's directory when collecting outputs", async () => {
      const { byAction, workspace } = await run({
        escape: {
          script: "ln -s /etc/passwd output/passwd.csv\nln -s / output/root\necho ok > output/real.csv",
          outputs: { moderately_sensitive: { csvs: "output/*.csv" }, highly_sensitive: { conf: "output/root/etc/*.conf" } },
        },
      });
      expect(byAction.escape?.status_code).toBe("unmatched_patterns");
      expect(readFileSync(high(workspace, "output/real.csv"), "utf8")).toBe("ok\n");
      expect(existsSync(high(workspace, "output/passwd.csv"))).toBe(false);
      expect(existsSync(high(workspace, "output/root"))).toBe(false);
      expect(existsSync(medium(workspace, "output/root"))).toBe(false);
    });

    it("handles a file that claims to be CSV but is not, and an oversized output, without crashing", async () => {
      const { byAction, workspace } = await run({
        odd: {
          script: "head -c 2048 /dev/urandom > output/binary.csv\nhead -c 17000000 /dev/zero | tr '\\0' x > output/huge.txt",
          outputs: { moderately_sensitive: { binary: "output/binary.csv", huge: "output/huge.txt" } },
        },
      });
      expect(byAction.odd?.status_code).toBe("succeeded");
      expect(existsSync(medium(workspace, "output/huge.txt"))).toBe(false);
      expect(readFileSync(medium(workspace, "output/huge.txt.txt"), "utf8")).toContain(
        "output/huge.txt\n\nwas 16.21Mb, which is above the limit for moderately_sensitive files of\n16.0Mb.",
      );
      expect(manifest(workspace).outputs["output/huge.txt"]).toMatchObject({
        excluded: true,
        size: 17000000,
        message: "File size of 16.21Mb is larger that limit of 16.0Mb.",
      });
    });
  });
}
