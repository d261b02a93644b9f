/**
 * Record boundaries as Python's csv.reader (excel dialect, non-strict) gives them for text read with
 * universal newlines; each expected value is what `list(csv.reader(io.StringIO(text, newline=None)))`
 * returns for the same text.
 */
import { describe, expect, it } from "vitest";
import { FIELD_SIZE_LIMIT, parseCsvRecords } from "../../../runtime-drivers/job-files/csv-records.js";

describe("parseCsvRecords", () => {
  it.each([
    [
      "a,b\n1,2\n",
      [
        ["a", "b"],
        ["1", "2"],
      ],
    ],
    [
      "a,b\r\n1,2\r\n",
      [
        ["a", "b"],
        ["1", "2"],
      ],
    ],
    [
      "a,b\r1,2",
      [
        ["a", "b"],
        ["1", "2"],
      ],
    ],
    ['"a""b",c\n', [['a"b', "c"]]],
    ['"multi\nline",x\n', [["multi\nline", "x"]]],
    ["a\n\nb\n", [["a"], [], ["b"]]],
    ['a,"b"c\n', [["a", "bc"]]],
    ['x,"unterminated', [["x", "unterminated"]]],
    [",,\n", [["", "", ""]]],
    ['"",""\n', [["", ""]]],
    ["", []],
  ])("%j", (text, records) => {
    expect(parseCsvRecords(text)).toEqual(records);
  });

  it("refuses a field over the field limit, counted in code points, on both paths", () => {
    const atLimit = "é".repeat(FIELD_SIZE_LIMIT);
    expect(parseCsvRecords(`${atLimit}\n`)).toEqual([[atLimit]]);
    expect(() => parseCsvRecords(`${atLimit}x\n`)).toThrow(`field larger than field limit (${FIELD_SIZE_LIMIT})`);
    expect(() => parseCsvRecords(`"${atLimit}x"\n`)).toThrow(`field larger than field limit (${FIELD_SIZE_LIMIT})`);
  });
});
