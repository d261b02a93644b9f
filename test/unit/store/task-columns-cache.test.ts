/**
 * Parsed task definitions are kept by their stored text: the same text gives the same (read-only)
 * object, a different text is parsed afresh, an invalid text fails on every read naming its task,
 * and the cache stays within its bound, dropping the oldest first.
 */
import { describe, expect, it } from "vitest";
import { ParsedByText, parseTaskDefinition } from "../../../controller/store/task-columns.js";

const definition = {
  kind: "database",
  databaseName: "default",
  image: "ghcr.io/opensafely-core/tpp-database-utils:latest",
  args: ["db-status"],
  hesExpectedActivityMonth: "",
} as const;

describe("task definitions parsed once per text", () => {
  it("gives the value an uncached parse gives, the same object for the same text", () => {
    const text = JSON.stringify(definition);
    const first = parseTaskDefinition("t-001", text);
    expect(first).toStrictEqual(definition);
    expect(parseTaskDefinition("t-002", text)).toBe(first);
    const other = parseTaskDefinition("t-003", JSON.stringify({ ...definition, args: ["other"] }));
    expect(other.args).toEqual(["other"]);
  });

  it("fails every read of an invalid text, naming the task read", () => {
    const invalid = JSON.stringify({ ...definition, image: 7 });
    expect(() => parseTaskDefinition("t-010", invalid)).toThrow(/^task t-010: stored definition is invalid/);
    expect(() => parseTaskDefinition("t-011", invalid)).toThrow(/^task t-011: stored definition is invalid/);
  });

  it("keeps at most its limit, dropping the oldest text first", () => {
    const cache = new ParsedByText<number>(2);
    let parses = 0;
    const parse = (text: string) => (parses++, Number(text));
    expect(cache.get("1", parse)).toBe(1);
    expect(cache.get("2", parse)).toBe(2);
    expect(cache.get("1", parse)).toBe(1);
    expect(parses).toBe(2);
    expect(cache.get("3", parse)).toBe(3);
    expect(cache.size).toBe(2);
    // "1" was the oldest entry: it is parsed again, "3" is not.
    expect(cache.get("1", parse)).toBe(1);
    expect(cache.get("3", parse)).toBe(3);
    expect(parses).toBe(4);
    expect(() =>
      cache.get("x", () => {
        throw new Error("bad");
      }),
    ).toThrow("bad");
    expect(cache.size).toBe(2);
  });
});
