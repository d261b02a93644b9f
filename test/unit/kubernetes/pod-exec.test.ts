/**
 * The exit code of a pods/exec session from the Status the API server sends on channel 3 as the
 * command ends (the shapes the kubelet's remote command server writes).
 */
import { describe, expect, it } from "vitest";
import { EXEC_FAILED_EXIT_CODE, execExitCode } from "../../../runtime-drivers/kubernetes/pod-exec.js";
import { exitStatus } from "../../support/fake-kubernetes/exec-endpoint.js";

describe("execExitCode", () => {
  it("is 0 for a Success status", () => {
    expect(execExitCode({ metadata: {}, status: "Success" })).toEqual({ code: 0 });
  });

  it("reads the code of a NonZeroExitCode failure from its ExitCode cause", () => {
    expect(
      execExitCode({
        status: "Failure",
        reason: "NonZeroExitCode",
        message: "command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3",
        details: { causes: [{ reason: "ExitCode", message: "3" }] },
      }),
    ).toEqual({ code: 3 });
  });

  it("agrees with the fake API server's statuses", () => {
    expect(execExitCode(exitStatus(["sh"], 0))).toEqual({ code: 0 });
    expect(execExitCode(exitStatus(["sh", "-c", "exit 42"], 42))).toEqual({ code: 42 });
  });

  it("is a failure to run, with the server's message, for any other status", () => {
    const message =
      'Internal error occurred: error executing command in container: failed to exec in container: exec: "nope": executable file not found in $PATH';
    expect(execExitCode({ status: "Failure", reason: "InternalError", message })).toEqual({
      code: EXEC_FAILED_EXIT_CODE,
      message,
    });
    expect(EXEC_FAILED_EXIT_CODE).toBe(126);
    // A NonZeroExitCode without a readable code is not taken as success.
    expect(execExitCode({ status: "Failure", reason: "NonZeroExitCode", details: { causes: [] } })).toEqual({
      code: 126,
      message: "the command could not be run",
    });
  });
});
