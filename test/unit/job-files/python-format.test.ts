import { describe, expect, it } from "vitest";
import {
  compareCodePoints,
  megabytes,
  pythonFixed2,
  pythonJsonDumps,
  tabulate,
} from "../../../runtime-drivers/job-files/python-format.js";

describe("python formatting", () => {
  it("prints megabytes like repr(round(bytes / 1048576, 2))", () => {
    expect(megabytes(1048576)).toBe("1.0");
    expect(megabytes(16 * 1048576)).toBe("16.0");
    expect(megabytes(524288)).toBe("0.5");
    expect(megabytes(1500000)).toBe("1.43");
    expect(megabytes(131072)).toBe("0.12"); // 0.125: tie, to even
    expect(megabytes(393216)).toBe("0.38"); // 0.375: tie, to even
    expect(megabytes(10)).toBe("0.0");
    expect(megabytes(1101005)).toBe("1.05");
  });

  it("formats with two decimals like Python's :.2f", () => {
    expect(pythonFixed2(2 * 1024 ** 3, 1024 ** 3)).toBe("2.00");
    expect(pythonFixed2(402653184, 1024 ** 3)).toBe("0.38");
  });

  it("dumps JSON with indent 2 and ASCII escapes", () => {
    expect(pythonJsonDumps({ a: "é\u007f", b: [], c: {}, d: [1] })).toBe(
      '{\n  "a": "\\u00e9\\u007f",\n  "b": [],\n  "c": {},\n  "d": [\n    1\n  ]\n}',
    );
  });

  it("tabulates two padded columns", () => {
    expect(
      tabulate(
        [
          ["a.csv", "x"],
          ["bb.csv", "long"],
        ],
        "  - ",
        2,
      ),
    ).toBe("  a.csv   - x   \n  bb.csv  - long");
    expect(tabulate([], "  - ", 2, "(no outputs)")).toBe("  (no outputs)");
  });

  it("orders by code point", () => {
    expect(["\u{1F600}", "\uFF21", "B", "a"].sort(compareCodePoints)).toStrictEqual(["B", "a", "\uFF21", "\u{1F600}"]);
  });
});
