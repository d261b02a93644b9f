/**
 * The `rap` admin subcommands as an operator runs them: the real bin/rap.js in a child process
 * against a real controller, configured by RAP_CONTROLLER_URL and RAP_ADMIN_TOKEN. Checks the
 * printed forms (upstream's flag lines and reboot report), --json, and the exit codes scripts use:
 * 0 done, 1 refused or failed, 2 usage.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobId } from "../../controller/jobs/ids.js";
import { ADMIN_TOKEN, startController, type ControllerHarness } from "../support/controller-harness.js";
import { createStudyRepo, TWO_ACTION_STUDY } from "../support/study-repo.js";

const root = path.resolve(import.meta.dirname, "../..");
const execute = promisify(execFile);
const TIME = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z`;

let controller: ControllerHarness;
beforeAll(async () => {
  controller = await startController();
});
afterAll(async () => {
  await controller.dispose();
});

async function rap(
  args: string[],
  options: { token?: string | null; cwd?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const token = options.token === undefined ? ADMIN_TOKEN : options.token;
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
    RAP_CONTROLLER_URL: controller.url,
    ...(token === null ? {} : { RAP_ADMIN_TOKEN: token }),
  };
  try {
    const running = execute(process.execPath, [path.join(root, "bin/rap.js"), ...args], {
      env,
      cwd: options.cwd ?? root,
      timeout: 60_000,
    });
    // No terminal and nothing typed: a confirmation prompt reads end of input.
    running.child.stdin?.end();
    const { stdout, stderr } = await running;
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

describe("rap admin subcommands", () => {
  it("pause and flags print upstream's flag lines; a bare flag name is a usage error", async () => {
    const paused = await rap(["pause", "on", "TEST"]);
    expect(paused.code).toBe(0);
    expect(paused.stdout).toMatch(new RegExp(`^\\[test\\] paused=true \\(${TIME}\\)\\n$`));

    const got = await rap(["flags", "get", "--backend", "test", "paused", "mode"]);
    expect(got.stdout).toMatch(new RegExp(`^\\[test\\] paused=true \\(${TIME}\\)\\n\\[test\\] mode=None \\(never set\\)\\n$`));

    const bare = await rap(["flags", "set", "--backend", "test", "paused"]);
    expect([bare.code, bare.stderr.split("\n")[0]]).toEqual([
      2,
      "rap flags set: invalid flag 'paused': give NAME=VALUE, or NAME= to clear it (e.g. paused=true)",
    ]);
  });

  it("prepare-for-reboot --status prints the report (exit 0 only when safe); without -y and no answer nothing happens", async () => {
    expect((await rap(["pause", "off", "test"])).code).toBe(0);
    const unpaused = await rap(["prepare-for-reboot", "--backend", "test", "--status"]);
    expect(unpaused.code).toBe(1);
    expect(unpaused.stdout).toContain("1) backend 'test' is not paused");
    const timedOut = await rap([
      "prepare-for-reboot",
      "--backend",
      "test",
      "--status",
      "--wait",
      "--interval",
      "1",
      "--timeout",
      "1",
    ]);
    expect(timedOut.code).toBe(1);
    expect(timedOut.stderr).toBe("waiting: 0 running, 0 being stopped, backend not paused\n");
    expect((await rap(["pause", "on", "test"])).code).toBe(0);
    const status = await rap(["prepare-for-reboot", "--backend", "test", "-s"]);
    expect(status).toMatchObject({
      code: 0,
      stdout:
        "\n== PREPARING FOR REBOOT ==\n1) backend 'test' is paused\n2) 0 job(s) are running\n\n== READY TO REBOOT ==\nSafe to reboot now\n\n",
    });
    const unconfirmed = await rap(["prepare_for_reboot", "--backend", "test"]);
    expect([unconfirmed.code, unconfirmed.stderr]).toEqual([1, "aborted; nothing was changed\n"]);
    expect((await rap(["pause", "off", "test"])).code).toBe(0);
  });

  it("adds jobs from a relative repository path, shows, lists and kills them", async () => {
    const study = createStudyRepo(TWO_ACTION_STUDY);
    const added = await rap(
      ["add-job", path.basename(study.path), "summarise", "--backend", "test", "--workspace", "cli", "--json"],
      { cwd: path.dirname(study.path) },
    );
    expect(added.code).toBe(0);
    const response = JSON.parse(added.stdout) as { rapId: string; commit: string; jobs: { action: string; repoUrl: string }[] };
    expect(response.commit).toBe(study.commit);
    expect(response.jobs.map((job) => [job.action, job.repoUrl])).toEqual([
      ["generate", study.path],
      ["summarise", study.path],
    ]);
    const generate = jobId(response.rapId, "generate");

    const listed = await rap(["jobs", "--workspace", "cli"]);
    expect(listed.stdout.split("\n")[0]).toMatch(/^ID\s+RAP ID\s+ACTION\s+STATUS\s+AGE\s+MESSAGE$/);
    expect(listed.stdout).toContain(generate);

    const shown = await rap(["job", generate]);
    expect(shown.stdout).toMatch(/^id:\s+\S+\nrap id:/);
    expect(shown.stdout).toContain(`action:         generate\n`);
    const shownJson = JSON.parse((await rap(["job", generate, "--json"])).stdout) as { job: { createdAt: string } };
    expect(shownJson.job.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const killed = await rap(["kill-job", generate]);
    expect([killed.code, killed.stdout]).toEqual([0, `job ${generate} (generate) killed: killed_by_admin\n`]);
    const afterKill = (await rap(["job", generate])).stdout;
    expect(afterKill).toMatch(/\nhistory:\n {2}TIME +AGE +STATUS +MESSAGE\n {2}\S+Z +\S+ +created +Created\n/);
    expect(afterKill).toMatch(/ {2}\S+Z +\S+ +killed_by_admin +An OpenSAFELY admin manually killed this job\n/);
    expect(afterKill).toContain(`\non the backend:\n  log       $HIGH_PRIVACY_STORAGE_BASE/logs/`);
    const again = await rap(["kill-job", generate]);
    expect([again.code, again.stderr]).toEqual([
      1,
      `rap kill-job: FailedPrecondition: job '${generate}' has already finished (killed_by_admin)\n`,
    ]);
  });

  it("exits 1 when the token is wrong or missing, 2 on bad usage, and lists agents", async () => {
    expect(await rap(["agents"], { token: "nope" })).toMatchObject({
      code: 1,
      stderr:
        "rap agents: PermissionDenied: this token may not call AdminService\nhint: RAP_ADMIN_TOKEN is not the controller's admin token\n",
    });
    expect(await rap(["agents"], { token: null })).toMatchObject({
      code: 1,
      stderr: "rap agents: Unauthenticated: admin token required\nhint: set RAP_ADMIN_TOKEN to the controller's admin token\n",
    });
    expect((await rap(["jobs", "--bogus"])).code).toBe(2);
    expect(await rap(["agents"])).toMatchObject({ code: 0, stdout: "no agents connected\n" });
  });
});
