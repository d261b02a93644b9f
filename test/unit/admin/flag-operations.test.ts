/**
 * Flags, pause and manual database maintenance as operators set them (upstream's T76 flags CLI and
 * T77 pause / db_maintenance commands): values written, null clears, timestamps kept when nothing
 * changes, and the printed `[backend] id=value (time|never set)` lines.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AdminError } from "../../../controller/admin/admin-errors.js";
import { getFlags, setDbMaintenance, setFlags, setPaused, type FlagView } from "../../../controller/admin/flag-operations.js";
import { adminFlag } from "../../../controller/rpc/admin-convert.js";
import { flagLine } from "../../../cli/admin/format.js";
import { buildTestController, DEFAULT_NOW_MS, type TestController } from "../../support/controller-deps.js";

let tc: TestController;
beforeEach(() => {
  tc = buildTestController();
});
afterEach(() => tc.dispose());

const lines = (flags: readonly FlagView[]) => flags.map((flag) => flagLine(adminFlag(flag)));

describe("T77 pause and db_maintenance", () => {
  it("pause on and off print the paused flag", () => {
    expect(lines(setPaused(tc.deps, "test", true))).toEqual(["[test] paused=true (2025-03-01T10:05:10Z)"]);
    tc.clock.advance(1_500);
    expect(lines(setPaused(tc.deps, "TEST", false))).toEqual(["[test] paused=None (2025-03-01T10:05:11.500000Z)"]);
    expect(tc.wakes()).toBe(2);
  });

  it("db_maintenance on, with and without --disable-checks, and off", () => {
    expect(lines(setDbMaintenance(tc.deps, "tpp", true, false))).toEqual([
      "[tpp] mode=db-maintenance (2025-03-01T10:05:10Z)",
      "[tpp] manual-db-maintenance=on (2025-03-01T10:05:10Z)",
      "[tpp] db-maintenance-checks-disabled=None (2025-03-01T10:05:10Z)",
    ]);
    tc.clock.advance(60_000);
    expect(lines(setDbMaintenance(tc.deps, "tpp", true, true))).toEqual([
      // Unchanged values keep the time they were set.
      "[tpp] mode=db-maintenance (2025-03-01T10:05:10Z)",
      "[tpp] manual-db-maintenance=on (2025-03-01T10:05:10Z)",
      "[tpp] db-maintenance-checks-disabled=true (2025-03-01T10:06:10Z)",
    ]);
    expect(lines(setDbMaintenance(tc.deps, "tpp", false, false))).toEqual([
      "[tpp] mode=None (2025-03-01T10:06:10Z)",
      "[tpp] manual-db-maintenance=None (2025-03-01T10:06:10Z)",
      "[tpp] db-maintenance-checks-disabled=None (2025-03-01T10:06:10Z)",
    ]);
  });

  it("refuses unknown backends and --disable-checks with off", () => {
    expect(() => setPaused(tc.deps, "nope", true)).toThrow(AdminError);
    expect(() => setDbMaintenance(tc.deps, "tpp", false, true)).toThrow(
      "disable_checks only applies when turning maintenance on",
    );
  });
});

describe("T76 flags get and set", () => {
  it("gets named flags (never set ones included) or every stored flag", () => {
    setFlags(tc.deps, "test", [
      { id: "foo", value: "bar" },
      { id: "baz", value: null },
    ]);
    expect(lines(getFlags(tc.deps, "test", ["foo", "unknown"]))).toEqual([
      "[test] foo=bar (2025-03-01T10:05:10Z)",
      "[test] unknown=None (never set)",
    ]);
    expect(getFlags(tc.deps, "test", []).map((flag) => [flag.id, flag.value])).toEqual([
      ["baz", null],
      ["foo", "bar"],
    ]);
    expect(getFlags(tc.deps, "tpp", [])).toEqual([]);
  });

  it("clears with a null value and refuses odd names", () => {
    setFlags(tc.deps, "test", [{ id: "foo", value: "bar" }]);
    expect(setFlags(tc.deps, "test", [{ id: "foo", value: null }])[0]).toEqual({
      backend: "test",
      id: "foo",
      value: null,
      timestamp: DEFAULT_NOW_MS / 1000,
    });
    expect(() => setFlags(tc.deps, "test", [{ id: "bad name", value: "x" }])).toThrow("invalid flag name 'bad name'");
    expect(() => setFlags(tc.deps, "test", [])).toThrow("no flags to set");
  });
});
