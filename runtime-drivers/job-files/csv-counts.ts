/**
 * Row and column counts of a CSV output, computed exactly as upstream's Python does (the counts go
 * into manifest.json and decide the Level 4 row limit), by replaying the `csv` module's reader:
 * the file is decoded as strict UTF-8 (a byte-order mark is kept, so it becomes part of the first
 * header), `\r\n` and `\r` become `\n` (Python's universal newlines), and the default "excel"
 * dialect is parsed in non-strict mode with the 131072-character field limit.
 *
 * Header = first record. Rows = following records that are not blank lines. Columns = number of
 * keys in the first data row as `csv.DictReader` builds it: distinct header names, plus one when the
 * row has more fields than the header. An empty file counts 0 rows and 0 columns. Anything the
 * Python reader would raise on (bad UTF-8, an oversized field) yields `undefined`, and upstream
 * then skips the CSV checks for that file.
 */
import { readFile } from "node:fs/promises";
import { parseCsvRecords } from "./csv-records.js";

export interface CsvCounts {
  readonly rows: number;
  readonly cols: number;
  /** The header names, or undefined for an empty file. */
  readonly headers: readonly string[] | undefined;
}

/** Counts from already-read bytes; undefined where Python's reader would raise. */
export function csvCountsFromBytes(bytes: Uint8Array): CsvCounts | undefined {
  let records: string[][];
  try {
    const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
    records = parseCsvRecords(text);
  } catch {
    return undefined;
  }
  const [headers, ...rest] = records;
  if (!headers) return { rows: 0, cols: 0, headers: undefined };
  const dataRows = rest.filter((record) => record.length > 0);
  const firstRow = dataRows[0];
  if (!firstRow) return { rows: 0, cols: 0, headers };
  const cols = new Set(headers).size + (firstRow.length > headers.length ? 1 : 0);
  return { rows: dataRows.length, cols, headers };
}

/** Reads a file and counts it; undefined when it cannot be read or parsed. */
export async function csvCounts(file: string): Promise<CsvCounts | undefined> {
  try {
    return csvCountsFromBytes(await readFile(file));
  } catch {
    return undefined;
  }
}
