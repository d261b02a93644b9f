// Action names that cannot be file names are refused when the project is read (ours: upstream
// accepts any name, and the job then fails only after it has run).
import { describe, expect, it } from "vitest";
import { parseProject } from "../../../controller/pipeline/parse-project.js";
import { rejectionMessage } from "./helpers.js";

function project(name: string): string {
  return [
    "version: 5",
    "actions:",
    `  ${JSON.stringify(name)}:`,
    "    run: python:v2 a.py",
    "    outputs: {highly_sensitive: {x: output/a.csv}}",
    "",
  ].join("\n");
}

describe("action names", () => {
  it.each([
    ["..", "it is not a file name"],
    [".", "it is not a file name"],
    ["../evx", "it contains a path separator"],
    ["x;touch /tmp/pwned", "it contains a path separator"],
    ["a\\b", "it contains a path separator"],
    ["a\u0007b", "it contains a control character"],
    ["x".repeat(201), "it is longer than 200 bytes"],
  ])("refuses %j: %s", (name, reason) => {
    expect(rejectionMessage(project(name))).toBe(
      `Invalid project: \nAction name ${JSON.stringify(name)} cannot be used: ${reason} (action names become file names on the backend)`,
    );
  });

  it("accepts what upstream accepts and a file name can hold: spaces, punctuation, non-ASCII, 200 bytes", () => {
    for (const name of ["generate dataset", "x;y", "étude-1.v2", "x".repeat(200)]) {
      expect([...parseProject(project(name)).actions.keys()]).toEqual([name]);
    }
  });
});
