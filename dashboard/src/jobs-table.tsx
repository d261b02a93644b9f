/** The jobs that match the filter, newest first; a row opens the job. */
import type { Job } from "../../gen/dashboard/v1/dashboard_pb.js";
import { utc } from "./format.js";

export function JobsTable(props: { jobs: readonly Job[]; selected: string | undefined; onOpen: (id: string) => void }) {
  if (props.jobs.length === 0)
    return (
      <p class="empty" data-testid="no-jobs">
        No jobs match.
      </p>
    );
  return (
    <table class="jobs" data-testid="jobs">
      <thead>
        <tr>
          <th>action</th>
          <th>workspace</th>
          <th class="wide">backend</th>
          <th>state</th>
          <th class="wide">status</th>
          <th class="wide">created (UTC)</th>
        </tr>
      </thead>
      <tbody>
        {props.jobs.map((job) => (
          <tr
            key={job.id}
            data-testid={`job-${job.id}`}
            class={job.id === props.selected ? "selected" : undefined}
            tabIndex={0}
            onClick={() => props.onOpen(job.id)}
            onKeyDown={(event) => event.key === "Enter" && props.onOpen(job.id)}
          >
            <td>{job.action}</td>
            <td>{job.workspace}</td>
            <td class="wide">{job.backend}</td>
            <td>
              <span class={`state ${job.state}`} data-testid="state">
                {job.state}
              </span>
            </td>
            <td class="wide" data-testid="status-code" title={job.statusMessage}>
              {job.statusCode}
            </td>
            <td class="wide">{utc(job.createdAtUnixMs)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
