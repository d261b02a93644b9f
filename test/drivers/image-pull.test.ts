/**
 * Pulling by digest and moving tags, on real docker: tags move only forward (to a newer image),
 * and a pull is tried three times before the job is told it failed. The digest flow end to end
 * (controller, registry, agent) is in image-digests.test.ts.
 */
import { randomBytes } from "node:crypto";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { moveTagsForward, pullWithRetries, type RunCli } from "../../runtime-drivers/container-cli/image-pull.js";
import { createCommandRunner, type CommandResult } from "../../runtime-drivers/exec.js";
import { quietLogger } from "../support/controller-harness.js";
import { NOT_STANDIN, standinImage } from "../support/standin-images.js";

const runner = createCommandRunner({ baseEnv: { PATH: process.env.PATH ?? "" }, debug: false, log: quietLogger() });
const cli: RunCli = (args, options) => runner.run("docker", args, options);
const signal = new AbortController().signal;
const prefix = `rap-tags-${randomBytes(4).toString("hex")}`;
const made: string[] = [];

async function committed(name: string): Promise<string> {
  const container = `${prefix}-${name}`;
  await execa("docker", ["create", "--name", container, standinImage("python:v2")]);
  try {
    await execa("docker", [
      "commit",
      "--change",
      `ENV WHICH=${name}`,
      "--change",
      `LABEL ${NOT_STANDIN}`,
      container,
      `${prefix}/${name}:built`,
    ]);
  } finally {
    await execa("docker", ["rm", container]);
  }
  made.push(`${prefix}/${name}:built`);
  return (await execa("docker", ["image", "inspect", "--format", "{{.Id}}", `${prefix}/${name}:built`])).stdout;
}
const idOf = async (ref: string) => (await execa("docker", ["image", "inspect", "--format", "{{.Id}}", ref])).stdout;

afterAll(async () => {
  await execa("docker", ["image", "rm", "--force", ...made], { reject: false });
});

describe("moving tags to a pulled image", () => {
  it("moves a tag to a newer image and never back to an older one", async () => {
    const older = await committed("older");
    const newer = await committed("newer");
    const tag = `${prefix}/python:v2`;
    const other = `${prefix}/ghcr-name/python:v2`;
    made.push(tag, other);
    // Nothing tagged yet: both tags go to the image given.
    expect(await moveTagsForward(cli, `${prefix}/older:built`, [tag, other, tag], signal)).toEqual([tag, other]);
    expect([await idOf(tag), await idOf(other)]).toEqual([older, older]);
    expect(await moveTagsForward(cli, `${prefix}/newer:built`, [tag, other], signal)).toEqual([tag, other]);
    expect([await idOf(tag), await idOf(other)]).toEqual([newer, newer]);
    // A job given the older digest runs it, but the tags stay on the newer image.
    expect(await moveTagsForward(cli, `${prefix}/older:built`, [tag, other], signal)).toEqual([]);
    expect([await idOf(tag), await idOf(other)]).toEqual([newer, newer]);
  });
});

describe("pulling with retries", () => {
  it("tries three times, a second apart, and gives the last error", async () => {
    const calls: string[][] = [];
    const failing: RunCli = (args) => {
      calls.push(args);
      return Promise.resolve<CommandResult>({
        exitCode: 1,
        stdout: "",
        stderr: `attempt ${calls.length}: manifest unknown\n`,
        all: "",
      });
    };
    expect(await pullWithRetries(failing, "registry.test/x/python:v2@sha256:00", 10_000, signal)).toEqual({
      ok: false,
      error: "attempt 3: manifest unknown",
    });
    expect(calls).toEqual(Array.from({ length: 3 }, () => ["pull", "--quiet", "registry.test/x/python:v2@sha256:00"]));
  });

  it("stops at the first success", async () => {
    let calls = 0;
    const flaky: RunCli = () =>
      Promise.resolve<CommandResult>({ exitCode: ++calls < 2 ? 1 : 0, stdout: "", stderr: "connection reset", all: "" });
    expect(await pullWithRetries(flaky, "registry.test/x/python:v2@sha256:00", 10_000, signal)).toEqual({ ok: true, error: "" });
    expect(calls).toBe(2);
  });

  it("a real failing pull through docker reports docker's own message", async () => {
    const outcome = await pullWithRetries(cli, `127.0.0.1:9/${prefix}/none:v1`, 30_000, signal);
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toContain("127.0.0.1:9");
  });
});
