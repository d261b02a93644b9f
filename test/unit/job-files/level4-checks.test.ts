import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  checkLevel4File,
  csvCountsFromBytes,
  pythonSuffix,
  type Level4Limits,
} from "../../../runtime-drivers/job-files/index.js";
import { makeSandbox, type Sandbox } from "./fixtures.js";

const limits: Level4Limits = { level4MaxFilesize: 1024 * 1024, level4MaxCsvRows: 3, level4FileTypes: [".csv", ".txt"] };
const counts = (text: string | Uint8Array) => csvCountsFromBytes(typeof text === "string" ? Buffer.from(text) : text);

describe("level 4 checks", () => {
  let box: Sandbox;
  beforeEach(() => {
    box = makeSandbox();
  });
  afterEach(() => box.cleanup());

  function file(name: string, content: string | Uint8Array): string {
    const full = path.join(box.root, name);
    writeFileSync(full, content);
    return full;
  }

  it("passes a small aggregate CSV with its counts", async () => {
    const full = file("ok.csv", "group,count\na,1\n\nb,2\n");
    expect(await checkLevel4File(limits, "output/ok.csv", full, 22)).toStrictEqual({
      ok: true,
      jobMessage: null,
      fileMessage: null,
      rows: 2,
      cols: 2,
    });
  });

  it("passes a non-CSV allowed type without counts", async () => {
    const full = file("notes.txt", "hello");
    expect(await checkLevel4File(limits, "output/notes.txt", full, 5)).toStrictEqual({
      ok: true,
      jobMessage: null,
      fileMessage: null,
      rows: null,
      cols: null,
    });
  });

  it("excludes a file over the size limit, before any other check", async () => {
    const full = file("big.xlsx", "x");
    const result = await checkLevel4File(limits, "output/big.xlsx", full, 1500000);
    expect(result.ok).toBe(false);
    expect(result.jobMessage).toBe("File size of 1.43Mb is larger that limit of 1.0Mb.");
    expect(result.fileMessage).toBe(
      "\nThe file:\n\noutput/big.xlsx\n\nwas 1.43Mb, which is above the limit for moderately_sensitive files of\n1.0Mb.\n\n" +
        "As such, it has *not* been copied to Level 4 storage. Please double check that\noutput/big.xlsx contains only aggregate information, and is an appropriate size to\nbe able to be output checked.\n",
    );
    expect([result.rows, result.cols]).toStrictEqual([null, null]);
  });

  it("excludes a file of a type not allowed in level 4", async () => {
    const full = file("model.rds", "x");
    const result = await checkLevel4File(limits, "output/model.rds", full, 1);
    expect(result.jobMessage).toBe("File type of .rds is not valid level 4 file");
    expect(result.fileMessage).toBe(
      "\nThe file:\n\noutput/model.rds\n\nis of type .rds. This is not a valid file type for moderately_sensitive files.\n\n" +
        "Level 4 files should be aggregate information easily viewable by output checkers.\n\n" +
        "See available list of file types here: https://docs.opensafely.org/requesting-file-release/#allowed-file-types.\n",
    );
    expect((await checkLevel4File(limits, "output/noext", file("noext", "x"), 1)).jobMessage).toBe(
      "File type of  is not valid level 4 file",
    );
    expect((await checkLevel4File(limits, "output/a.CSV", file("a.CSV", "x"), 1)).jobMessage).toBe(
      "File type of .CSV is not valid level 4 file",
    );
  });

  it("excludes a CSV with a patient_id column and one with too many rows, joining both messages", async () => {
    const patientId =
      "\nThe file:\n\noutput/p.csv\n\nhas not been made available in level 4 because it has a `patient_id` column.\n\n" +
      "Patient level data is not allowed by policy in level 4.\n\n" +
      "You should change this file's privacy to `highly_sensitive` in your\nproject.yaml. Or, if is aggregrate data, you should remove the patient_id\ncolumn from your data.\n\n";
    const tooMany =
      "\nThe file:\n\noutput/p.csv\n\ncontained 4 rows, which is above the limit for moderately_sensitive files of\n3 rows.\n\n" +
      "As such, it has *not* been copied to Level 4 storage. Please contact tech-support for\nfurther assistance.\n";

    const onlyId = await checkLevel4File(limits, "output/p.csv", file("p1.csv", "patient_id,x\n1,2\n"), 17);
    expect(onlyId).toStrictEqual({
      ok: false,
      jobMessage: "File has patient_id column",
      fileMessage: patientId,
      rows: 1,
      cols: 2,
    });

    const onlyRows = await checkLevel4File(limits, "output/p.csv", file("p2.csv", "x\n1\n2\n3\n4\n"), 10);
    expect(onlyRows).toStrictEqual({
      ok: false,
      jobMessage: "File row count (4) exceeds maximum allowed rows (3)",
      fileMessage: tooMany,
      rows: 4,
      cols: 1,
    });

    const both = await checkLevel4File(limits, "output/p.csv", file("p3.csv", "x,patient_id\n1,1\n2,2\n3,3\n4,4\n"), 30);
    expect(both).toStrictEqual({
      ok: false,
      jobMessage: "File has patient_id column,File row count (4) exceeds maximum allowed rows (3)",
      fileMessage: `${patientId}\n\n${tooMany}`,
      rows: 4,
      cols: 2,
    });
  });

  it("passes a binary file named .csv with null counts instead of crashing, as upstream", async () => {
    const binary = Uint8Array.from({ length: 512 }, (_, i) => (i * 37) % 256);
    const result = await checkLevel4File(limits, "output/blob.csv", file("blob.csv", binary), 512);
    expect(result).toStrictEqual({ ok: true, jobMessage: null, fileMessage: null, rows: null, cols: null });
  });

  it("finds Python's suffix", () => {
    expect(["a.csv", "dir.x/a", ".hidden", ".hidden.csv", "a.", "a.tar.gz", "a"].map(pythonSuffix)).toStrictEqual([
      ".csv",
      "",
      "",
      ".csv",
      "",
      ".gz",
      "",
    ]);
  });
});

describe("CSV counting (Python csv.DictReader rules)", () => {
  it("counts an empty file and a header-only file as 0/0", () => {
    expect(counts("")).toStrictEqual({ rows: 0, cols: 0, headers: undefined });
    expect(counts("a,b\n")).toStrictEqual({ rows: 0, cols: 0, headers: ["a", "b"] });
  });

  it("skips blank lines but not whitespace-only or quoted-empty lines", () => {
    expect(counts("a,b\n\n1,2\n\n\n3,4")).toStrictEqual({ rows: 2, cols: 2, headers: ["a", "b"] });
    expect(counts('a\n \n""\n')).toStrictEqual({ rows: 2, cols: 1, headers: ["a"] });
  });

  it("counts columns from the first data row as a dict", () => {
    expect(counts("a,b,c\n1\n")?.cols).toBe(3);
    expect(counts("a,b\n1,2,3,4\n")?.cols).toBe(3);
    expect(counts("a,a,b\n1,2,3\n")?.cols).toBe(2);
  });

  it("handles quotes, embedded newlines and CRLF like the csv module", () => {
    expect(counts('"patient_id","x"\r\n"1","a\r\nb"\r\n2,"say ""hi"""\r\n')).toStrictEqual({
      rows: 2,
      cols: 2,
      headers: ["patient_id", "x"],
    });
    expect(counts('a\n"unterminated\n\nstill')).toStrictEqual({ rows: 1, cols: 1, headers: ["a"] });
  });

  it("keeps a byte-order mark in the first header, so it does not count as patient_id", () => {
    expect(counts(Buffer.from("\ufeffpatient_id,x\n1,2\n"))?.headers).toStrictEqual(["\ufeffpatient_id", "x"]);
  });

  it("gives up (undefined) on invalid UTF-8 and on fields over 131072 characters", () => {
    expect(counts(Uint8Array.from([0x61, 0x0a, 0xff, 0x0a]))).toBe(undefined);
    expect(counts(`a\n${"x".repeat(131072)}\n`)).toStrictEqual({ rows: 1, cols: 1, headers: ["a"] });
    expect(counts(`a\n${"x".repeat(131073)}\n`)).toBe(undefined);
  });
});
