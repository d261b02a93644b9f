// `needs`: type and separator rules, unknown targets, and our own cycle detection.
import { describe, expect, it } from "vitest";
import { findDependencyCycle } from "../../../controller/pipeline/needs-graph.js";
import { parseProject } from "../../../controller/pipeline/parse-project.js";
import { rejectionMessage } from "./helpers.js";

/** A v5 project; each entry is [name, needs-as-YAML or null]. */
function project(actions: readonly [string, string | null][]): string {
  const lines = ["version: 5", "actions:"];
  for (const [name, needs] of actions) {
    lines.push(`  ${name}:`, `    run: python:v2 ${name}.py`, `    outputs: {highly_sensitive: {x: output/${name}.csv}}`);
    if (needs !== null) lines.push(`    needs: ${needs}`);
  }
  return `${lines.join("\n")}\n`;
}

describe("needs", () => {
  it("keeps the listed order; null or absent means none", () => {
    const pipeline = parseProject(
      project([
        ["a", null],
        ["b", "[a]"],
        ["c", "[b, a]"],
        ["d", ""],
      ]),
    );
    expect([...pipeline.actions.values()].map((a) => [a.name, a.needs])).toEqual([
      ["a", []],
      ["b", ["a"]],
      ["c", ["b", "a"]],
      ["d", []],
    ]);
  });

  it("accepts needs declared before the action they name", () => {
    expect(
      parseProject(
        project([
          ["b", "[a]"],
          ["a", null],
        ]),
      ).actions.get("b")?.needs,
    ).toEqual(["a"]);
  });

  it("applies upstream's rules and messages", () => {
    expect(
      rejectionMessage(
        project([
          ["a", null],
          ["b", "a"],
        ]),
      ),
    ).toBe("Invalid project: \n`needs` section for action b must be a list");
    expect(
      rejectionMessage(
        project([
          ["a", null],
          ["b", null],
          ["c", "[a b]"],
        ]),
      ),
    ).toBe("Invalid project: \n`needs` actions should be separated with commas, but c needs `a b`");
    expect(
      rejectionMessage(
        project([
          ["a", "[x]"],
          ["b", "[y]"],
        ]),
      ),
    ).toBe("Invalid project: \nAction `a` references an unknown action in its `needs` list: x");
  });

  it("rejects non-string entries with a message of ours (upstream crashes)", () => {
    expect(
      rejectionMessage(
        project([
          ["a", null],
          ["b", "[1]"],
        ]),
      ),
    ).toBe("Invalid project: \n`needs` section for action b must be a list of action names, got 1");
  });
});

describe("dependency cycles (our check, not upstream's)", () => {
  it("rejects an action that needs itself", () => {
    expect(rejectionMessage(project([["a", "[a]"]]))).toBe("Invalid project: \nAction 'a' has a circular dependency: a -> a");
  });

  it("rejects a two-action cycle", () => {
    expect(
      rejectionMessage(
        project([
          ["a", "[b]"],
          ["b", "[a]"],
        ]),
      ),
    ).toBe("Invalid project: \nAction 'a' has a circular dependency: a -> b -> a");
  });

  it("reports the cycle itself, not the path leading to it", () => {
    expect(
      rejectionMessage(
        project([
          ["a", "[b]"],
          ["b", "[c]"],
          ["c", "[d]"],
          ["d", "[b]"],
        ]),
      ),
    ).toBe("Invalid project: \nAction 'b' has a circular dependency: b -> c -> d -> b");
  });

  it("finds nothing in a diamond", () => {
    expect(
      findDependencyCycle([
        { id: "a", needs: [] },
        { id: "b", needs: ["a"] },
        { id: "c", needs: ["a"] },
        { id: "d", needs: ["b", "c"] },
      ]),
    ).toBeNull();
  });

  it("leaves upstream's errors first: an unknown target is reported even when there is also a cycle", () => {
    expect(
      rejectionMessage(
        project([
          ["a", "[a]"],
          ["b", "[zz]"],
        ]),
      ),
    ).toBe("Invalid project: \nAction `b` references an unknown action in its `needs` list: zz");
  });
});
