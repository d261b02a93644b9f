/**
 * Wrong arguments and configuration, as an operator types them: each ends with exit 2 and a message
 * naming the option, value or environment variable, the allowed values and the closest one.
 * Nothing reaches a controller (RAP_CONTROLLER_URL points at a closed port).
 */
import { describe, expect, it } from "vitest";
import { rapInProcess } from "../../support/cli-runtime.js";

const env = { RAP_CONTROLLER_URL: "http://127.0.0.1:9", RAP_ADMIN_TOKEN: "t" };
const HELP_HINT = "(add --help for usage)\n";

describe("invalid arguments exit 2 with a message that says what is wrong", () => {
  it("an enum value, with the allowed values and a suggestion", async () => {
    expect(await rapInProcess(["jobs", "--state", "runing"], { env })).toEqual({
      code: 2,
      stdout: "",
      stderr:
        "error: option '--state <state>' argument 'runing' is invalid. Allowed: pending, running, succeeded, failed. (did you mean 'running'?)\n" +
        HELP_HINT,
    });
    const code = await rapInProcess(["jobs", "--status-code", "waiting_on_worker"], { env });
    expect(code.code).toBe(2);
    expect(code.stderr).toContain("(did you mean 'waiting_on_workers'?)\n");
  });

  it("a positional choice, in any case as upstream accepts it", async () => {
    expect(await rapInProcess(["pause", "maybe", "tpp"], { env })).toEqual({
      code: 2,
      stdout: "",
      stderr: "error: command-argument value 'maybe' is invalid for argument 'on|off'. Allowed: on, off.\n" + HELP_HINT,
    });
    expect((await rapInProcess(["pause", "of", "tpp"], { env })).stderr).toContain("(did you mean 'on' or 'off'?)");
    expect((await rapInProcess(["completion", "fish"])).stderr).toBe(
      "error: command-argument value 'fish' is invalid for argument 'shell'. Allowed: bash, zsh.\n" + HELP_HINT,
    );
  });

  it("a flag without a value names the NAME=VALUE form", async () => {
    expect(await rapInProcess(["flags", "set", "--backend", "tpp", "paused"], { env })).toEqual({
      code: 2,
      stdout: "",
      stderr:
        "rap flags set: invalid flag 'paused': give NAME=VALUE, or NAME= to clear it (e.g. paused=true)\n" +
        "(run 'rap flags set --help' for usage)\n",
    });
  });

  it("an unknown option or command, with a suggestion", async () => {
    expect(await rapInProcess(["jobs", "--bogus"], { env })).toEqual({
      code: 2,
      stdout: "",
      stderr: "error: unknown option '--bogus'\n" + HELP_HINT,
    });
    expect(await rapInProcess(["jobs", "--workspce", "x"], { env })).toEqual({
      code: 2,
      stdout: "",
      stderr: "error: unknown option '--workspce'\n(Did you mean --workspace?)\n" + HELP_HINT,
    });
    expect(await rapInProcess(["jbos"], { env })).toEqual({
      code: 2,
      stdout: "",
      stderr: "error: unknown command 'jbos'\n(Did you mean jobs?)\n" + HELP_HINT,
    });
  });

  it("a missing argument or required option", async () => {
    expect(await rapInProcess(["job"], { env })).toEqual({
      code: 2,
      stdout: "",
      stderr: "error: missing required argument 'job-id'\n" + HELP_HINT,
    });
    expect(await rapInProcess(["prepare-for-reboot", "--status"], { env })).toEqual({
      code: 2,
      stdout: "",
      stderr: "error: required option '--backend <backend>' not specified\n" + HELP_HINT,
    });
    expect((await rapInProcess(["jobs", "--limit", "ten"], { env })).stderr).toBe(
      "error: option '--limit <n>' argument 'ten' is invalid. Give a whole number of at least 0.\n" + HELP_HINT,
    );
  });

  it("a controller URL that is not a URL names RAP_CONTROLLER_URL", async () => {
    expect(await rapInProcess(["agents"], { env: { RAP_CONTROLLER_URL: "127.0.0.1:18431" } })).toEqual({
      code: 2,
      stdout: "",
      stderr:
        "rap agents: RAP_CONTROLLER_URL is not an http(s) URL: '127.0.0.1:18431' (give the controller's address, e.g. http://127.0.0.1:8000)\n",
    });
  });

  it("rap alone prints the help on stderr and exits 2", async () => {
    const result = await rapInProcess([]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^Usage: rap \[options\] \[command\]\n/);
  });

  it("--disable-checks only goes with on", async () => {
    expect(await rapInProcess(["db-maintenance", "off", "tpp", "--disable-checks"], { env })).toEqual({
      code: 2,
      stdout: "",
      stderr: "rap db-maintenance: --disable-checks only goes with on\n(run 'rap db-maintenance --help' for usage)\n",
    });
  });
});
