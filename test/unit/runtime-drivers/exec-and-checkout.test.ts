import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkoutCommit, redactUrlCredentials } from "../../../runtime-drivers/checkout.js";
import { createCommandRunner } from "../../../runtime-drivers/exec.js";
import type { Logger } from "../../../runtime-drivers/types.js";

function recordingLogger(lines: string[]): Logger {
  const record = (message: string) => lines.push(message);
  return { debug: record, info: record, warn: record, error: record };
}

describe("command runner", () => {
  it("prints each command in debug mode, quoting words that need it", async () => {
    const lines: string[] = [];
    const runner = createCommandRunner({ baseEnv: { PATH: process.env.PATH ?? "" }, debug: true, log: recordingLogger(lines) });
    const result = await runner.run("sh", ["-c", "echo out; echo err >&2; exit 3"]);
    expect(lines).toEqual(["$ sh -c 'echo out; echo err >&2; exit 3'"]);
    expect([result.exitCode, result.stdout, result.stderr]).toEqual([3, "out\n", "err\n"]);
  });

  it("prints nothing without debug mode", async () => {
    const lines: string[] = [];
    const runner = createCommandRunner({ baseEnv: { PATH: process.env.PATH ?? "" }, debug: false, log: recordingLogger(lines) });
    await runner.run("true", []);
    expect(lines).toEqual([]);
  });
});

describe("checkout", () => {
  it("never lets an access token reach an error message", async () => {
    const runner = createCommandRunner({ baseEnv: { PATH: process.env.PATH ?? "" }, debug: false, log: recordingLogger([]) });
    const target = mkdtempSync(path.join(tmpdir(), "rap-checkout-"));
    const error = await checkoutCommit(
      "https://github.com/opensafely/private-study",
      "a".repeat(40),
      target,
      {
        reposDir: path.join(target, "repos"),
        githubProxyDomain: "127.0.0.1:9",
        accessToken: "s3cr3t-token",
        tokenUser: "jobrunner-test",
        runner,
      },
      AbortSignal.timeout(60_000),
    ).then(
      () => undefined,
      (caught: unknown) => caught as Error,
    );
    expect(error?.message).toBe(`Could not checkout commit ${"a".repeat(40)} from https://github.com/opensafely/private-study`);
    const cause = String((error?.cause as Error | undefined)?.message);
    expect(cause).not.toContain("s3cr3t-token");
  });

  it("redacts credentials embedded in URLs", () => {
    expect(redactUrlCredentials("fatal: unable to access 'https://user:tok@host/x': refused")).toBe(
      "fatal: unable to access 'https://********@host/x': refused",
    );
  });
});
