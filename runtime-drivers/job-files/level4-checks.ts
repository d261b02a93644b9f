/**
 * Level 4 checks for `moderately_sensitive` outputs (reference §5.8 step 2): a file is only
 * released to medium-privacy storage when it is small enough, of an allowed type and, for CSVs,
 * free of a `patient_id` column and within the row limit. Each failure has a short job message
 * (logged and stored in the manifest) and a longer explanation written to `<file>.txt` in L4. The
 * texts are upstream's, because users and output checkers know them.
 */
import path from "node:path";
import { csvCounts } from "./csv-counts.js";
import { megabytes } from "./python-format.js";

export interface Level4Limits {
  readonly level4MaxFilesize: number;
  readonly level4MaxCsvRows: number;
  readonly level4FileTypes: readonly string[];
}

export interface Level4Result {
  /** True when the file may be copied to medium-privacy storage. */
  readonly ok: boolean;
  /** Short messages joined with `,`; null when ok. */
  readonly jobMessage: string | null;
  /** Long explanations joined with a blank line; null when ok. */
  readonly fileMessage: string | null;
  /** CSV counts; null unless a CSV was parsed. */
  readonly rows: number | null;
  readonly cols: number | null;
}

/** Python's `Path(name).suffix`: the last `.xxx` of the final segment, not counting a leading dot. */
export function pythonSuffix(file: string): string {
  const name = path.posix.basename(file);
  const dot = name.lastIndexOf(".");
  return dot > 0 && dot < name.length - 1 ? name.slice(dot) : "";
}

export function maxSizeExplanation(file: string, size: string, limit: string): string {
  return `
The file:

${file}

was ${size}Mb, which is above the limit for moderately_sensitive files of
${limit}Mb.

As such, it has *not* been copied to Level 4 storage. Please double check that
${file} contains only aggregate information, and is an appropriate size to
be able to be output checked.
`;
}

export function invalidFileTypeExplanation(file: string, suffix: string): string {
  return `
The file:

${file}

is of type ${suffix}. This is not a valid file type for moderately_sensitive files.

Level 4 files should be aggregate information easily viewable by output checkers.

See available list of file types here: https://docs.opensafely.org/requesting-file-release/#allowed-file-types.
`;
}

export function patientIdExplanation(file: string): string {
  return `
The file:

${file}

has not been made available in level 4 because it has a \`patient_id\` column.

Patient level data is not allowed by policy in level 4.

You should change this file's privacy to \`highly_sensitive\` in your
project.yaml. Or, if is aggregrate data, you should remove the patient_id
column from your data.

`;
}

export function maxCsvRowsExplanation(file: string, rows: number, limit: number): string {
  return `
The file:

${file}

contained ${rows} rows, which is above the limit for moderately_sensitive files of
${limit} rows.

As such, it has *not* been copied to Level 4 storage. Please contact tech-support for
further assistance.
`;
}

/**
 * Checks one moderately_sensitive file. `file` is its workspace-relative name (used in messages),
 * `absolutePath` where to read it, `size` its size in bytes. The size check wins over the type
 * check; the two CSV checks can both fire. A ".csv" that is not readable as CSV (binary, bad
 * UTF-8) is passed with null counts, exactly as upstream.
 */
export async function checkLevel4File(
  limits: Level4Limits,
  file: string,
  absolutePath: string,
  size: number,
): Promise<Level4Result> {
  const jobMessages: string[] = [];
  const fileMessages: string[] = [];
  let rows: number | null = null;
  let cols: number | null = null;
  const suffix = pythonSuffix(file);

  if (size > limits.level4MaxFilesize) {
    const [sizeMb, limitMb] = [megabytes(size), megabytes(limits.level4MaxFilesize)];
    jobMessages.push(`File size of ${sizeMb}Mb is larger that limit of ${limitMb}Mb.`);
    fileMessages.push(maxSizeExplanation(file, sizeMb, limitMb));
  } else if (!limits.level4FileTypes.includes(suffix)) {
    jobMessages.push(`File type of ${suffix} is not valid level 4 file`);
    fileMessages.push(invalidFileTypeExplanation(file, suffix));
  } else if (suffix === ".csv") {
    const counts = await csvCounts(absolutePath);
    if (counts) {
      ({ rows, cols } = counts);
      if (counts.headers?.includes("patient_id")) {
        jobMessages.push("File has patient_id column");
        fileMessages.push(patientIdExplanation(file));
      }
      if (counts.rows > limits.level4MaxCsvRows) {
        jobMessages.push(`File row count (${counts.rows}) exceeds maximum allowed rows (${limits.level4MaxCsvRows})`);
        fileMessages.push(maxCsvRowsExplanation(file, counts.rows, limits.level4MaxCsvRows));
      }
    }
  }

  if (jobMessages.length === 0) return { ok: true, jobMessage: null, fileMessage: null, rows, cols };
  return { ok: false, jobMessage: jobMessages.join(","), fileMessage: fileMessages.join("\n\n"), rows, cols };
}
