/**
 * A replay of Python's `csv.reader` (the default "excel" dialect, non-strict, with the default
 * 131072-character field limit) over text already decoded and read with universal newlines, so
 * that the record boundaries — and therefore the row counts in manifest.json — agree with
 * upstream's to the record. Each parser state is a method named after Python's own state.
 */

/** Python's `csv.field_size_limit()` default. */
export const FIELD_SIZE_LIMIT = 131072;

export class CsvParseError extends Error {}

type State = "startRecord" | "startField" | "inField" | "inQuoted" | "quoteInQuoted" | "eatNewline";

/** Splits decoded text into records, as `csv.reader` over a text-mode file would. */
export function parseCsvRecords(text: string): string[][] {
  const reader = new CsvRecordReader();
  for (const line of text.replace(/\r\n?/g, "\n").match(/[^\n]*\n|[^\n]+$/g) ?? []) reader.line(line);
  return reader.finish();
}

class CsvRecordReader {
  private readonly records: string[][] = [];
  private fields: string[] = [];
  private field = "";
  private fieldLength = 0;
  private state: State = "startRecord";

  /** One physical line, with its "\n" (the last line of a file may have none). */
  line(line: string): void {
    if (this.state === "startRecord" && !line.includes('"')) {
      this.quoteFreeRecord(line);
      return;
    }
    for (const char of line) this.char(char);
    this.endLine();
  }

  /** The records; input ending inside a record gives what it has, as non-strict Python does. */
  finish(): string[][] {
    if (this.state !== "startRecord" && (this.fieldLength > 0 || this.state === "inQuoted")) {
      this.saveField();
      this.records.push(this.fields);
    }
    return this.records;
  }

  /** Fast path with the same result: a quote-free line starting a record is one record. */
  private quoteFreeRecord(line: string): void {
    const body = line.endsWith("\n") ? line.slice(0, -1) : line;
    const record = line === "\n" ? [] : body.split(",");
    // Length in code points, as Python counts; the UTF-16 length is a cheap first filter.
    if (record.some((value) => value.length > FIELD_SIZE_LIMIT && [...value].length > FIELD_SIZE_LIMIT)) {
      throw new CsvParseError(`field larger than field limit (${FIELD_SIZE_LIMIT})`);
    }
    this.records.push(record);
  }

  private char(char: string): void {
    switch (this.state) {
      case "startRecord":
        if (char === "\n") this.state = "eatNewline";
        else {
          this.state = "startField";
          this.startField(char);
        }
        return;
      case "startField":
        return this.startField(char);
      case "inField":
        return this.inField(char);
      case "inQuoted":
        if (char === '"') this.state = "quoteInQuoted";
        else this.addChar(char);
        return;
      case "quoteInQuoted":
        return this.quoteInQuoted(char);
      case "eatNewline":
        // Unreachable with universal newlines: "\n" always ends a line.
        throw new CsvParseError("new-line character seen in unquoted field");
    }
  }

  private startField(char: string): void {
    if (char === "\n") {
      this.saveField();
      this.state = "eatNewline";
    } else if (char === '"') {
      this.state = "inQuoted";
    } else if (char === ",") {
      this.saveField();
    } else {
      this.addChar(char);
      this.state = "inField";
    }
  }

  private inField(char: string): void {
    if (char === "\n") {
      this.saveField();
      this.state = "eatNewline";
    } else if (char === ",") {
      this.saveField();
      this.state = "startField";
    } else this.addChar(char);
  }

  /** After a quote inside a quoted field: a doubled quote, the field's end, or (non-strict) more text. */
  private quoteInQuoted(char: string): void {
    if (char === '"') {
      this.addChar(char);
      this.state = "inQuoted";
    } else if (char === ",") {
      this.saveField();
      this.state = "startField";
    } else if (char === "\n") {
      this.saveField();
      this.state = "eatNewline";
    } else {
      this.addChar(char);
      this.state = "inField";
    }
  }

  /** The end of each physical line, after its "\n" (or at end of file without one). */
  private endLine(): void {
    if (this.state === "startField" || this.state === "inField" || this.state === "quoteInQuoted") {
      this.saveField();
      this.state = "startRecord";
    } else if (this.state === "eatNewline") {
      this.state = "startRecord";
    }
    if (this.state === "startRecord") {
      this.records.push(this.fields);
      this.fields = [];
    }
  }

  private saveField(): void {
    this.fields.push(this.field);
    this.field = "";
    this.fieldLength = 0;
  }

  private addChar(char: string): void {
    if (this.fieldLength >= FIELD_SIZE_LIMIT) throw new CsvParseError(`field larger than field limit (${FIELD_SIZE_LIMIT})`);
    this.field += char;
    this.fieldLength += 1;
  }
}
