/**
 * `rap task kill` against real docker and podman: real job containers (named and labelled as the
 * agent names them), the exact messages, the prompts (in-process answers and a real terminal in
 * tmux), --dry-run and --yes; `rap workspace archive` refusing while a job container exists; and,
 * end to end with a real controller and agent, a killed job being run again from the start.
 *
 * Every container is created by the test under a random name and removed after it; containers
 * of other test runs sharing the engine never match (their ids do not contain our random token).
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { jobId } from "../../controller/jobs/ids.js";
import { agentConfig, startAgent, type AgentHarness } from "../support/agent-harness.js";
import { rapInProcess } from "../support/cli-runtime.js";
import { createBody, rest, startController, type ControllerHarness } from "../support/controller-harness.js";
import { RAP_COMMAND } from "../support/rap-cli.js";
import { standinImage } from "../support/standin-images.js";
import { createGatedStudy } from "../support/study-repo.js";
import { startTmux, type TmuxTerminal } from "../support/tmux-terminal.js";
import { waitFor } from "../support/wait-for.js";

type Driver = "docker" | "podman";

/** Ids in the agent's alphabet (a-z, 2-7), unique to this test process. */
function token(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  return [...randomBytes(8)].map((byte) => alphabet[byte % 32]).join("");
}

describe.each(["docker", "podman"] as const)("rap task kill on %s", (driver: Driver) => {
  const cli = (...args: string[]) => execFileSync(driver, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  const created: string[] = [];
  const dirs: string[] = [];
  let root = "";
  let env: Record<string, string> = {};

  function storage() {
    root = mkdtempSync(path.join(tmpdir(), `rap-task-kill-${driver}-`));
    dirs.push(root);
    env = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? root,
      CONTAINERS_CONF: process.env.CONTAINERS_CONF ?? "",
      AGENT_DRIVER: driver,
      AGENT_WORKDIR: path.join(root, "agent"),
      HIGH_PRIVACY_STORAGE_BASE: path.join(root, "high"),
      MEDIUM_PRIVACY_STORAGE_BASE: path.join(root, "medium"),
    };
  }
  const volume = (id: string) => path.join(root, "high/volumes", id);

  /** A running container as the agent starts one: `os-job-<id>`, labelled, with a prepared working directory. */
  function startJobContainer(id: string, workspace = "ws"): string {
    created.push(id);
    mkdirSync(volume(id), { recursive: true });
    writeFileSync(path.join(volume(id), ".opensafely-timestamp"), "1\n");
    return cli(
      "run",
      "--detach",
      "--name",
      `os-job-${id}`,
      "--label",
      "job-runner",
      "--label",
      `workspace=${workspace}`,
      "--network",
      "none",
      standinImage("python:v2"),
      "-c",
      "sleep 600",
    );
  }
  const state = (name: string) => cli("container", "inspect", "--format", "{{.State.Status}}", name);
  /** `<name> <state>` of every container (any state) whose name contains `part`. */
  const containers = (part: string) =>
    cli("container", "ls", "--all", "--filter", `name=${part}`, "--format", "{{.Names}}")
      .split("\n")
      .filter(Boolean)
      .sort()
      .map((name) => `${name} ${state(name)}`);

  beforeAll(() => storage());
  afterEach(() => {
    for (const id of created.splice(0)) {
      for (const line of containers(id)) cli("container", "rm", "--force", line.split(" ")[0]!);
    }
  });
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("kills and removes the container of an exact id and deletes its working directory", async () => {
    const id = `sobj${token()}xxxx`;
    startJobContainer(id);
    expect(await rapInProcess(["task", "kill", id], { env })).toEqual({
      code: 0,
      stdout: `Task for job ${id} killed.\n`,
      stderr: "",
    });
    expect(containers(id)).toEqual([]);
    expect(existsSync(volume(id))).toBe(false);
  });

  it("says so when nothing running matches, and exits 1", async () => {
    const missing = `${token()}zz`;
    expect(await rapInProcess(["task", "kill", missing], { env })).toEqual({
      code: 1,
      stdout: `No running tasks found matching '${missing}'\n`,
      stderr: "",
    });
  });

  it("asks for a number when several match and kills only the chosen one; --yes refuses to guess", async () => {
    const common = token();
    const [first, second] = [`${common}aaaa1111`, `${common}bbbb2222`];
    startJobContainer(first);
    startJobContainer(second);
    const list = `Multiple running tasks found matching '${common}':\n  1: ${first}\n  2: ${second}\n\n`;
    expect(await rapInProcess(["task", "kill", "--yes", common], { env })).toEqual({
      code: 1,
      stdout: list,
      stderr: `rap task kill: '${common}' matches 2 running tasks; give more of the job id\n`,
    });
    expect(containers(common)).toEqual([`os-job-${first} running`, `os-job-${second} running`]);
    expect(await rapInProcess(["task", "kill", common], { env, answers: ["2"] })).toEqual({
      code: 0,
      stdout: `${list}Enter number: Task for job ${second} killed.\n`,
      stderr: "",
    });
    expect(containers(common)).toEqual([`os-job-${first} running`]);
    expect([existsSync(volume(first)), existsSync(volume(second))]).toEqual([true, false]);
  });

  it("asks for Enter before killing an inexact single match; no answer kills nothing", async () => {
    const id = `${token()}cccc3333`;
    const partial = id.slice(0, 10);
    startJobContainer(id);
    const about = `About to kill tasks for jobs:\n  ${id}\n\nEnter to continue, Ctrl-C to quit `;
    expect(await rapInProcess(["task", "kill", partial], { env })).toEqual({
      code: 1,
      stdout: about,
      stderr: "rap task kill: not confirmed; nothing was killed\n",
    });
    expect(state(`os-job-${id}`)).toBe("running");
    expect(await rapInProcess(["task", "kill", partial], { env, answers: [""] })).toEqual({
      code: 0,
      stdout: `${about}Task for job ${id} killed.\n`,
      stderr: "",
    });
    expect(containers(id)).toEqual([]);
  });

  it("--dry-run names the container and directory and changes nothing; --yes takes an inexact match", async () => {
    const id = `${token()}dddd4444`;
    startJobContainer(id);
    expect(await rapInProcess(["task", "kill", "--dry-run", id.slice(0, 12)], { env })).toEqual({
      code: 0,
      stdout: `Would kill task for job ${id}: container os-job-${id}, working directory ${volume(id)}\n`,
      stderr: "",
    });
    expect(state(`os-job-${id}`)).toBe("running");
    expect(existsSync(volume(id))).toBe(true);
    expect(await rapInProcess(["task", "kill", "--yes", id.slice(0, 12)], { env })).toEqual({
      code: 0,
      stdout: `Task for job ${id} killed.\n`,
      stderr: "",
    });
    expect(containers(id)).toEqual([]);
  });

  it("rap workspace archive refuses while a job container of the workspace exists", async () => {
    const id = `${token()}eeee5555`;
    const workspace = `ws-${id}`;
    mkdirSync(path.join(root, "high/workspaces", workspace, "output"), { recursive: true });
    startJobContainer(id, workspace);
    expect(await rapInProcess(["workspace", "archive", workspace], { env })).toEqual({
      code: 1,
      stdout: "",
      stderr: `rap workspace archive: Workspace ${workspace} has job containers (os-job-${id}); wait for its jobs to finish\n`,
    });
    expect(existsSync(path.join(root, "high/workspaces", workspace))).toBe(true);
    expect(existsSync(path.join(root, "high/archives"))).toBe(false);
  });

  describe("in a real terminal", () => {
    let terminal: TmuxTerminal | undefined;
    afterEach(() => {
      terminal?.dispose();
      terminal = undefined;
    });

    it("takes the number typed at the prompt", async () => {
      const common = token();
      const [first, second] = [`${common}ffff1111`, `${common}gggg2222`];
      startJobContainer(first);
      startJobContainer(second);
      terminal = startTmux({ cwd: root, env });
      terminal.runAndReport(`${RAP_COMMAND} task kill ${common}`);
      await terminal.waitForText((pane) => pane.includes("Enter number: "), "the number prompt");
      terminal.type("1");
      expect(await terminal.waitForExit()).toBe(0);
      expect(terminal.capture()).toContain(
        `Multiple running tasks found matching '${common}':\n  1: ${first}\n  2: ${second}\n\nEnter number: 1\nTask for job ${first} killed.\n`,
      );
      expect(containers(common)).toEqual([`os-job-${second} running`]);
    });

    it("Ctrl-C at the Enter prompt kills nothing and exits 1", async () => {
      const id = `${token()}hhhh3333`;
      startJobContainer(id);
      terminal = startTmux({ cwd: root, env });
      terminal.runAndReport(`${RAP_COMMAND} task kill ${id.slice(0, 9)}`);
      await terminal.waitForText((pane) => pane.includes("Enter to continue, Ctrl-C to quit "), "the confirmation prompt");
      terminal.keys("C-c");
      expect(await terminal.waitForExit()).toBe(1);
      expect(terminal.capture()).toContain("rap task kill: not confirmed; nothing was killed");
      expect(state(`os-job-${id}`)).toBe("running");
      expect(existsSync(volume(id))).toBe(true);
    });
  });
});

describe.each(["docker", "podman"] as const)("a job killed with rap task kill on %s", (driver: Driver) => {
  let controller: ControllerHarness;
  let agent: AgentHarness;
  beforeAll(async () => {
    controller = await startController();
    agent = startAgent(agentConfig(controller.url, { AGENT_DRIVER: driver }));
    await waitFor(() => controller.app.sessions.get("test"), { message: "agent to connect" });
  });
  afterAll(async () => {
    await agent.stop();
    await controller.dispose();
  });

  it("is run again from the start by the agent, under the same job, and then succeeds", { timeout: 240_000 }, async () => {
    const cli = (...args: string[]) => execFileSync(driver, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
    const study = createGatedStudy();
    const rapId = randomBytes(8).toString("hex");
    const workspace = `ws-kill-${driver}`;
    const id = jobId(rapId, "gated");
    const body = createBody({
      rap_id: rapId,
      workspace,
      repo_url: study.path,
      commit: study.commit,
      requested_actions: ["gated"],
    });
    expect((await rest(controller, "POST", "/controller/v1/rap/create/", body)).status).toBe(201);
    const status = async () =>
      (
        (await rest(controller, "POST", "/controller/v1/rap/status/", { rap_ids: [rapId] })).json as {
          jobs: { status: string }[];
        }
      ).jobs[0]?.status;
    const running = () => {
      try {
        return cli("container", "inspect", "--format", "{{.State.Status}} {{.Id}}", `os-job-${id}`);
      } catch {
        return undefined;
      }
    };
    const volume = path.join(agent.config.storage.volumesDir, id);
    const first = await waitFor(
      () => running()?.startsWith("running ") && existsSync(path.join(volume, "output/runs.txt")) && running(),
      {
        timeoutMs: 90_000,
        message: "the job's container to run",
      },
    );
    const env = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      CONTAINERS_CONF: process.env.CONTAINERS_CONF ?? "",
      AGENT_DRIVER: driver,
      AGENT_WORKDIR: agent.config.workdir,
      HIGH_PRIVACY_STORAGE_BASE: agent.config.storage.highPrivacyDir,
      MEDIUM_PRIVACY_STORAGE_BASE: agent.config.storage.mediumPrivacyDir,
    };
    expect(await rapInProcess(["task", "kill", id], { env })).toEqual({
      code: 0,
      stdout: `Task for job ${id} killed.\n`,
      stderr: "",
    });

    // A new container for the same job, in a fresh working directory (the script has written once).
    const second = await waitFor(
      () => {
        const now = running();
        return now?.startsWith("running ") && now !== first && existsSync(path.join(volume, "output/runs.txt")) && now;
      },
      { timeoutMs: 90_000, message: "the agent to start the job again" },
    );
    expect(second.split(" ")[1]).not.toBe(first.split(" ")[1]);
    expect(readFileSync(path.join(volume, "output/runs.txt"), "utf8")).toBe("run\n");
    expect(await status()).toBe("running");
    // Nothing of the killed container is left: it was renamed out of the job's name and removed.
    expect(cli("container", "ls", "--all", "--filter", `name=${id}`, "--format", "{{.Names}}")).toBe(`os-job-${id}`);

    writeFileSync(path.join(volume, "go"), "");
    await waitFor(async () => (await status()) === "succeeded", { timeoutMs: 90_000, message: "the job to succeed" });
    const medium = path.join(agent.config.storage.mediumPrivacyDir, "workspaces", workspace);
    expect(readFileSync(path.join(medium, "output/runs.txt"), "utf8")).toBe("run\n");
    await waitFor(() => running() === undefined, { message: "the agent to remove the job's container" });
    rmSync(study.path, { recursive: true, force: true });
  });
});
