import { describe, expect, it } from "vitest";
import { statusMessageFor, type StatusMessageInput } from "../../../runtime-drivers/job-files/index.js";

const base: StatusMessageInput = {
  container: { exitCode: 0, oomKilled: false, memoryLimitBytes: 0 },
  cancelled: false,
  errored: false,
  outputCount: 1,
  unmatchedPatterns: [],
  unmatchedOutputs: [],
};

function exited(exitCode: number, oomKilled = false, memoryLimitBytes = 0): StatusMessageInput["container"] {
  return { exitCode, oomKilled, memoryLimitBytes };
}

describe("statusMessageFor", () => {
  it("reports success only with outputs and no unmatched patterns", () => {
    expect(statusMessageFor(base)).toStrictEqual({ message: "Completed successfully", hint: null });
    expect(statusMessageFor({ ...base, outputCount: 0 })).toStrictEqual({ message: null, hint: null });
  });

  it("lists unmatched patterns and, when there are new files, the Did you mean hint", () => {
    expect(
      statusMessageFor({
        ...base,
        unmatchedPatterns: ["output/a.csv", "output/*.txt"],
        unmatchedOutputs: ["outputs/a.csv", "x.txt"],
      }),
    ).toStrictEqual({
      message: "\n  No outputs found matching patterns:\n - output/a.csv\n   - output/*.txt",
      hint: "\n  Did you mean to match one of these files instead?\n - outputs/a.csv\n   - x.txt",
    });
    expect(statusMessageFor({ ...base, outputCount: 0, unmatchedPatterns: ["output/a.csv"] })).toStrictEqual({
      message: "\n  No outputs found matching patterns:\n - output/a.csv",
      hint: null,
    });
  });

  it("does not report unmatched patterns for a non-zero exit", () => {
    expect(statusMessageFor({ ...base, container: exited(1), unmatchedPatterns: ["a.csv"] })).toStrictEqual({
      message: null,
      hint: null,
    });
  });

  it("explains exit code 137: cancelled, out of memory (with and without a limit), killed", () => {
    expect(statusMessageFor({ ...base, container: exited(137), cancelled: true, outputCount: 0 }).message).toBe(
      "Job cancelled by system",
    );
    expect(statusMessageFor({ ...base, container: exited(137, true), outputCount: 0 }).message).toBe("Job ran out of memory");
    expect(statusMessageFor({ ...base, container: exited(137, true, 4 * 1024 ** 3), outputCount: 0 }).message).toBe(
      "Job ran out of memory (limit was 4.00GB)",
    );
    expect(statusMessageFor({ ...base, container: exited(137, true, 1_500_000_000), outputCount: 0 }).message).toBe(
      "Job ran out of memory (limit was 1.40GB)",
    );
    // 0.125 GB is an exact binary tie; Python's format rounds it to even.
    expect(statusMessageFor({ ...base, container: exited(137, true, 134217728), outputCount: 0 }).message).toBe(
      "Job ran out of memory (limit was 0.12GB)",
    );
    expect(statusMessageFor({ ...base, container: exited(137), outputCount: 0 }).message).toBe(
      "Job killed by OpenSAFELY admin or memory limits",
    );
  });

  it("gives a cancelled job whose container exited normally no message, as upstream", () => {
    expect(statusMessageFor({ ...base, cancelled: true, outputCount: 0 })).toStrictEqual({ message: null, hint: null });
  });

  it("covers the no-container cases", () => {
    expect(statusMessageFor({ ...base, container: undefined, cancelled: true }).message).toBe("Job cancelled by system");
    expect(statusMessageFor({ ...base, container: undefined, errored: true }).message).toBe("Job errored");
    expect(() => statusMessageFor({ ...base, container: undefined })).toThrow(
      "Cannot finalize a job with no container unless it was cancelled or errored",
    );
  });
});
