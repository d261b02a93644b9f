/** One job: its fields and every status it went through, with how long it stayed in each. */
import type { GetJobResponse } from "../../gen/dashboard/v1/dashboard_pb.js";
import { duration, utc } from "./format.js";

export function JobDetail(props: { detail: GetJobResponse; nowMs: number; onClose: () => void }) {
  const job = props.detail.job;
  if (!job) return null;
  const history = props.detail.history;
  return (
    <aside class="detail" data-testid="job-detail" aria-label={`Job ${job.id}`}>
      <header>
        <h2>
          {job.action} <span class={`state ${job.state}`}>{job.state}</span>
        </h2>
        <button type="button" onClick={props.onClose} aria-label="Close">
          ×
        </button>
      </header>
      <dl>
        <dt>job</dt>
        <dd data-testid="detail-id">{job.id}</dd>
        <dt>RAP</dt>
        <dd>{job.rapId}</dd>
        <dt>workspace</dt>
        <dd>{job.workspace}</dd>
        <dt>backend</dt>
        <dd>{job.backend}</dd>
        <dt>message</dt>
        <dd data-testid="detail-message">{job.statusMessage}</dd>
        <dt>created</dt>
        <dd>{utc(job.createdAtUnixMs)}</dd>
        <dt>started</dt>
        <dd>{utc(job.startedAtUnixMs)}</dd>
        <dt>completed</dt>
        <dd>{utc(job.completedAtUnixMs)}</dd>
      </dl>
      <h3>History</h3>
      <ol class="history" data-testid="history">
        {history.map((change, index) => {
          const next = history[index + 1];
          const final = job.completedAtUnixMs !== 0n && index === history.length - 1;
          const endMs = next ? Number(next.atUnixMs) : final ? Number(change.atUnixMs) : props.nowMs;
          return (
            <li key={`${change.statusCode}-${index}`} data-testid="history-entry">
              <code>{change.statusCode}</code> <span class="muted">{utc(change.atUnixMs)}</span>
              {final ? null : <span class="muted"> · {duration(endMs - Number(change.atUnixMs))}</span>}
              <div class="message">{change.statusMessage}</div>
            </li>
          );
        })}
      </ol>
    </aside>
  );
}
