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

/** Python's `csv.field_size_limit()` default. */
const FIELD_SIZE_LIMIT = 131072;

export interface CsvCounts {
  readonly rows: number;
  readonly cols: number;
  /** The header names, or undefined for an empty file. */
  readonly headers: readonly string[] | undefined;
}

class CsvParseError extends Error {}

type State = "startRecord" | "startField" | "inField" | "inQuoted" | "quoteInQuoted" | "eatNewline";

/** Splits decoded text into records, as `csv.reader` over a text-mode file would. */
export function parseCsvRecords(text: string): string[][] {
  const normalised = text.replace(/\r\n?/g, "\n");
  const records: string[][] = [];
  let fields: string[] = [];
  let field = "";
  let fieldLength = 0;
  let state: State = "startRecord";
  const saveField = (): void => {
    fields.push(field);
    field = "";
    fieldLength = 0;
  };
  const addChar = (char: string): void => {
    if (fieldLength >= FIELD_SIZE_LIMIT) throw new CsvParseError(`field larger than field limit (${FIELD_SIZE_LIMIT})`);
    field += char;
    fieldLength += 1;
  };
  const endLine = (): void => {
    // The end of each physical line, after its "\n" (or at end of file without one).
    if (state === "startField" || state === "inField" || state === "quoteInQuoted") {
      saveField();
      state = "startRecord";
    } else if (state === "eatNewline") {
      state = "startRecord";
    }
    if (state === "startRecord") {
      records.push(fields);
      fields = [];
    }
  };
  const lines = normalised.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  for (const line of lines) {
    if (state === "startRecord" && !line.includes('"')) {
      // Fast path with the same result: a quote-free line starting a record is one record.
      const body = line.endsWith("\n") ? line.slice(0, -1) : line;
      const record = line === "\n" ? [] : body.split(",");
      if (record.some((value) => value.length > FIELD_SIZE_LIMIT && [...value].length > FIELD_SIZE_LIMIT)) {
        throw new CsvParseError(`field larger than field limit (${FIELD_SIZE_LIMIT})`);
      }
      records.push(record);
      continue;
    }
    for (const char of line) {
      switch (state) {
        case "startRecord":
          if (char === "\n") {
            state = "eatNewline";
            break;
          }
          state = "startField";
          startField(char);
          break;
        case "startField":
          startField(char);
          break;
        case "inField":
          if (char === "\n") {
            saveField();
            state = "eatNewline";
          } else if (char === ",") {
            saveField();
            state = "startField";
          } else addChar(char);
          break;
        case "inQuoted":
          if (char === '"') state = "quoteInQuoted";
          else addChar(char);
          break;
        case "quoteInQuoted":
          if (char === '"') {
            addChar(char);
            state = "inQuoted";
          } else if (char === ",") {
            saveField();
            state = "startField";
          } else if (char === "\n") {
            saveField();
            state = "eatNewline";
          } else {
            addChar(char);
            state = "inField";
          }
          break;
        case "eatNewline":
          // Unreachable with universal newlines: "\n" always ends a line.
          throw new CsvParseError("new-line character seen in unquoted field");
      }
    }
    endLine();
  }
  // End of input inside a record: non-strict Python returns what it has.
  if (state !== "startRecord" && (fieldLength > 0 || state === "inQuoted")) {
    saveField();
    records.push(fields);
  }
  return records;

  function startField(char: string): void {
    if (char === "\n") {
      saveField();
      state = "eatNewline";
    } else if (char === '"') {
      state = "inQuoted";
    } else if (char === ",") {
      saveField();
    } else {
      addChar(char);
      state = "inField";
    }
  }
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
