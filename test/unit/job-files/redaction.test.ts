import { describe, expect, it } from "vitest";
import { redactContainerInspect, redactEnvLine, redactResultsForController } from "../../../runtime-drivers/job-files/index.js";

describe("environment redaction", () => {
  it("keeps only safe-listed values", () => {
    const safe =
      "PATH PYTHON_VERSION DEBIAN_FRONTEND DEBCONF_NONINTERACTIVE_SEEN UBUNTU_VERSION PYENV_SHELL PYENV_VERSION PYTHONUNBUFFERED OPENSAFELY_BACKEND TZ TEMP_DATABASE_NAME PYTHONPATH container LANG LC_ALL EHRQL_PERMISSIONS".split(
        " ",
      );
    for (const key of safe) expect(redactEnvLine(`${key}=v=1`)).toBe(`${key}=v=1`);
    expect(redactEnvLine("DATABASE_URL=mssql://u:p@h")).toBe("DATABASE_URL=xxxx-REDACTED-xxxx");
    expect(redactEnvLine("path=/x")).toBe("path=xxxx-REDACTED-xxxx");
    expect(redactEnvLine("NOEQUALS")).toBe("NOEQUALS=xxxx-REDACTED-xxxx");
  });

  it("redacts a copy of the inspect output and leaves the input alone", () => {
    const inspect = { Config: { Env: ["TZ=UTC", "SECRET=s"], Image: "x" }, State: { ExitCode: 0 } };
    expect(redactContainerInspect(inspect)).toStrictEqual({
      Config: { Env: ["TZ=UTC", "SECRET=xxxx-REDACTED-xxxx"], Image: "x" },
      State: { ExitCode: 0 },
    });
    expect(inspect.Config.Env).toStrictEqual(["TZ=UTC", "SECRET=s"]);
    expect(redactContainerInspect({ Config: { Env: null } })).toStrictEqual({ Config: { Env: null } });
  });
});

describe("redactResultsForController", () => {
  const metadata = {
    outputs: { "output/a.csv": "highly_sensitive" },
    unmatched_patterns: [],
    unmatched_outputs: [],
    status_message: "Completed successfully",
    hint: null,
    exit_code: "0",
    level4_excluded_files: {},
  };

  it("drops file lists and adds booleans", () => {
    expect(redactResultsForController(metadata)).toStrictEqual({
      status_message: "Completed successfully",
      hint: null,
      exit_code: "0",
      has_unmatched_patterns: false,
      has_level4_excluded_files: false,
    });
  });

  it("blanks the message and hint when patterns or outputs were unmatched", () => {
    expect(
      redactResultsForController({
        ...metadata,
        unmatched_patterns: ["a.csv"],
        status_message: "\n  No outputs found matching patterns:\n - a.csv",
        hint: "h",
        level4_excluded_files: { "b.csv": "File has patient_id column" },
      }),
    ).toStrictEqual({
      status_message: "",
      hint: "",
      exit_code: "0",
      has_unmatched_patterns: true,
      has_level4_excluded_files: true,
    });
    expect(redactResultsForController({ ...metadata, unmatched_outputs: ["x.csv"] })).toStrictEqual({
      status_message: "",
      hint: "",
      exit_code: "0",
      has_unmatched_patterns: false,
      has_level4_excluded_files: false,
    });
  });

  it("returns empty results unchanged", () => {
    expect(redactResultsForController({})).toStrictEqual({});
  });
});
