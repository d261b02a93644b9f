/**
 * The `rap jobs` table: job id, rap id, action, status code, age and message, fitted to a width
 * (100 columns unless the terminal is wider). Ids are never cut, since they are copied into other
 * commands; long action names and the message are shortened with an ellipsis.
 */
import type { AdminJob } from "../../gen/admin/v1/admin_pb.js";
import { age, table, truncate } from "./format.js";

const GAP = 2;
const MAX_ACTION = 20;
const MIN_MESSAGE = 10;

function widest(header: string, cells: readonly string[]): number {
  return Math.max(header.length, ...cells.map((cell) => cell.length));
}

export function jobsTable(jobs: readonly AdminJob[], now: Date, width: number): string {
  const ids = jobs.map((job) => job.id);
  const rapIds = jobs.map((job) => job.rapId);
  const codes = jobs.map((job) => job.statusCode);
  const ages = jobs.map((job) => age(job.createdAt, now));
  const actionWidth = Math.min(
    MAX_ACTION,
    widest(
      "ACTION",
      jobs.map((job) => job.action),
    ),
  );
  const fixed =
    widest("ID", ids) + widest("RAP ID", rapIds) + actionWidth + widest("STATUS", codes) + widest("AGE", ages) + 5 * GAP;
  const messageWidth = Math.max(MIN_MESSAGE, width - fixed);
  return table(
    ["ID", "RAP ID", "ACTION", "STATUS", "AGE", "MESSAGE"],
    jobs.map((job, index) => [
      ids[index] ?? "",
      rapIds[index] ?? "",
      truncate(job.action, actionWidth),
      codes[index] ?? "",
      ages[index] ?? "",
      truncate(job.statusMessage, messageWidth),
    ]),
  );
}
