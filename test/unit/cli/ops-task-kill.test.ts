/**
 * `rap task kill`'s steps against a recording CommandRunner (the runtime is faked at its CLI
 * boundary; the working directory is a real folder): job ids derived by removing the prefix only,
 * the order that makes the agent re-run the job (working directory, rename, kill, remove), and the
 * message for a container that finished between the listing and the kill.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { CommandResult, CommandRunner } from "../../../runtime-drivers/index.js";
import { jobIdFromContainerName, runTaskKill } from "../../../cli/ops/task-kill.js";
import { rapInProcess } from "../../support/cli-runtime.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const ok = (stdout = ""): CommandResult => ({ exitCode: 0, stdout, stderr: "", all: stdout });
const noSuch: CommandResult = { exitCode: 1, stdout: "", stderr: "Error: No such container", all: "" };

function recorder(answer: (args: readonly string[]) => CommandResult, volumesDir: string) {
  const calls: string[] = [];
  const runner: CommandRunner = {
    run: (file, args) => {
      calls.push(`${file} ${args.join(" ")}${existsSync(path.join(volumesDir, "sobjsobjsobjsobj")) ? "" : " (dir gone)"}`);
      return Promise.resolve(answer(args));
    },
  };
  return { calls, runner };
}

function setUp() {
  const volumesDir = mkdtempSync(path.join(tmpdir(), "rap-kill-unit-"));
  dirs.push(volumesDir);
  mkdirSync(path.join(volumesDir, "sobjsobjsobjsobj"));
  let out = "";
  const io = {
    out: (text: string) => void (out += text),
    err: (text: string) => void (out += text),
    ask: () => Promise.resolve(undefined),
  };
  return { volumesDir, io, output: () => out };
}

describe("rap task kill steps", () => {
  it("derives job ids by removing the os-job- prefix only (not upstream's lstrip)", () => {
    expect(jobIdFromContainerName("os-job-sobjsobjsobjsobj")).toBe("sobjsobjsobjsobj");
    expect(jobIdFromContainerName("os-job-")).toBeUndefined();
    expect(jobIdFromContainerName("other")).toBeUndefined();
  });

  it("deletes the working directory, renames the container out of the job's name, then kills and removes it", async () => {
    const s = setUp();
    const { calls, runner } = recorder(
      (args) => (args[1] === "ls" ? ok("os-job-sobjsobjsobjsobj\nunrelated\n") : ok()),
      s.volumesDir,
    );
    const code = await runTaskKill(
      { ...s.io, binary: "docker", runner, volumesDir: s.volumesDir, signal: new AbortController().signal },
      { partialIds: ["sobjsobjsobjsobj"], dryRun: false, yes: false },
    );
    expect(code).toBe(0);
    expect(s.output()).toBe("Task for job sobjsobjsobjsobj killed.\n");
    const renamed = /rap-killed-sobjsobjsobjsobj-[0-9a-f]{8}/.exec(calls[2] ?? "")?.[0];
    expect(calls).toEqual([
      "docker container ls --filter label=job-runner --format {{.Names}}",
      "docker container inspect --format {{json .}} os-job-sobjsobjsobjsobj",
      `docker container rename os-job-sobjsobjsobjsobj ${renamed} (dir gone)`,
      `docker container kill ${renamed} (dir gone)`,
      `docker container rm --force ${renamed} (dir gone)`,
    ]);
  });

  it("reports a container that finished after the listing, and exits 1", async () => {
    const s = setUp();
    const { calls, runner } = recorder((args) => (args[1] === "ls" ? ok("os-job-sobjsobjsobjsobj\n") : noSuch), s.volumesDir);
    const code = await runTaskKill(
      { ...s.io, binary: "podman", runner, volumesDir: s.volumesDir, signal: new AbortController().signal },
      { partialIds: ["sobjsobjsobjsobj"], dryRun: false, yes: false },
    );
    expect(code).toBe(1);
    expect(s.output()).toBe(
      "Cannot kill task for job sobjsobjsobjsobj, associated container does not exist. The job may have completed.\n",
    );
    expect(calls).toHaveLength(2);
    expect(existsSync(path.join(s.volumesDir, "sobjsobjsobjsobj"))).toBe(true);
  });

  it("is refused on a kubernetes backend, and reading the agent's config writes nothing", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "rap-kill-k8s-"));
    dirs.push(root);
    const env = { AGENT_DRIVER: "kubernetes", AGENT_WORKDIR: path.join(root, "agent"), HIGH_PRIVACY_STORAGE_BASE: root };
    expect(await rapInProcess(["task", "kill", "6y7hbsu2"], { env })).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "rap task kill: not supported on a kubernetes backend (the agent's driver is kubernetes); stop the job with 'rap kill-job' instead\n",
    });
    expect(readdirSync(root)).toEqual([]);
  });
});
