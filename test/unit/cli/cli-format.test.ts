/**
 * The admin CLI's text output and argument forms: upstream's flag lines, `name=value` parsing
 * (a bare name is an error, an empty value clears), tables, and repository paths made absolute.
 */
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { FlagSchema } from "../../../gen/admin/v1/admin_pb.js";
import { UsageError } from "../../../cli/cli-errors.js";
import { parseAssignment } from "../../../cli/admin/flag-commands.js";
import { flagLine, table } from "../../../cli/admin/format.js";
import { absoluteRepo } from "../../../cli/admin/job-commands.js";
import { timestampFromSeconds } from "../../../controller/rpc/admin-convert.js";

describe("flag lines", () => {
  it("print like upstream's Flag.__str__", () => {
    const at = timestampFromSeconds(Date.UTC(2025, 5, 1, 10, 30) / 1000 + 0.123456);
    expect(flagLine(create(FlagSchema, { backend: "tpp", id: "paused", value: "true", changedAt: at }))).toBe(
      "[tpp] paused=true (2025-06-01T10:30:00.123456Z)",
    );
    expect(flagLine(create(FlagSchema, { backend: "tpp", id: "mode", changedAt: timestampFromSeconds(1_700_000_000) }))).toBe(
      "[tpp] mode=None (2023-11-14T22:13:20Z)",
    );
    expect(flagLine(create(FlagSchema, { backend: "tpp", id: "mode", value: "" }))).toBe("[tpp] mode= (never set)");
  });
});

describe("flag assignments", () => {
  it("take name=value, clear with name=, and refuse a bare name", () => {
    expect(parseAssignment("paused=true")).toEqual({ id: "paused", value: "true" });
    expect(parseAssignment("mode=")).toEqual({ id: "mode" });
    expect(parseAssignment("a=b=c")).toEqual({ id: "a", value: "b=c" });
    expect(() => parseAssignment("paused")).toThrow(UsageError);
    expect(() => parseAssignment("paused")).toThrow(
      "invalid flag 'paused': give NAME=VALUE, or NAME= to clear it (e.g. paused=true)",
    );
    expect(() => parseAssignment("=true")).toThrow("invalid flag '=true'");
  });
});

describe("tables and paths", () => {
  it("align columns without trailing blanks", () => {
    expect(
      table(
        ["A", "LONGER"],
        [
          ["xyz", "1"],
          ["", ""],
        ],
      ),
    ).toBe("A    LONGER\nxyz  1\n\n");
  });

  it("make local repository paths absolute and leave URLs alone", () => {
    expect(absoluteRepo("study", "/home/me")).toBe("/home/me/study");
    expect(absoluteRepo("/abs/study", "/home/me")).toBe("/abs/study");
    expect(absoluteRepo("https://github.com/opensafely/x", "/home/me")).toBe("https://github.com/opensafely/x");
  });
});
