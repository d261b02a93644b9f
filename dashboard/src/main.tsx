/**
 * The dashboard page: backends and their agents, jobs by state with filters, and a job's history.
 * One WatchJobs stream keeps everything live (the server pushes each change; the page never polls);
 * a broken stream is reopened with backoff. Read-only: nothing here can change a job.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { render } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import type { Backend, GetJobResponse, Job } from "../../gen/dashboard/v1/dashboard_pb.js";
import { BackendsPanel } from "./backends-panel.js";
import { dashboard, logOut } from "./client.js";
import { JobDetail } from "./job-detail.js";
import { JobsTable } from "./jobs-table.js";
import { LoginForm } from "./login-form.js";

interface Filter {
  backend: string;
  state: string;
  text: string;
}

const STATES = ["pending", "running", "succeeded", "failed"] as const;

function matches(job: Job, filter: Filter): boolean {
  if (filter.backend && job.backend !== filter.backend) return false;
  if (filter.state && job.state !== filter.state) return false;
  const needle = filter.text.trim().toLowerCase();
  return needle === "" || [job.workspace, job.action, job.id, job.rapId].some((value) => value.toLowerCase().includes(needle));
}

function App() {
  const [authed, setAuthed] = useState<boolean | undefined>(undefined);
  const [backends, setBackends] = useState<readonly Backend[]>([]);
  const [jobs, setJobs] = useState<ReadonlyMap<string, Job>>(new Map());
  const [filter, setFilter] = useState<Filter>({ backend: "", state: "", text: "" });
  const [live, setLive] = useState(false);
  const [selected, setSelected] = useState<string | undefined>();
  const [detail, setDetail] = useState<GetJobResponse | undefined>();
  const [clockSkewMs, setClockSkewMs] = useState(0);
  const [nowMs, setNowMs] = useState(Date.now());

  // The stream: reopened when the filter changes or after a break, never polled.
  useEffect(() => {
    if (authed === false) return;
    const stop = new AbortController();
    let delayMs = 500;
    void (async () => {
      while (!stop.signal.aborted) {
        try {
          const request = { backend: filter.backend, state: filter.state, text: filter.text.trim(), limit: 500 };
          for await (const update of dashboard.watchJobs(request, { signal: stop.signal })) {
            setAuthed(true);
            setLive(true);
            delayMs = 500;
            setBackends(update.backends);
            setClockSkewMs(Number(update.serverTimeUnixMs) - Date.now());
            setJobs((previous) => {
              const next = new Map(update.snapshot ? [] : previous);
              for (const job of update.jobs) next.set(job.id, job);
              return next;
            });
          }
        } catch (error) {
          if (stop.signal.aborted) return;
          if (ConnectError.from(error).code === Code.Unauthenticated) {
            setAuthed(false);
            return;
          }
        }
        setLive(false);
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        delayMs = Math.min(delayMs * 2, 15_000);
      }
    })();
    return () => stop.abort();
  }, [authed, filter]);

  // The clock for "last seen … ago" and running durations (display only).
  useEffect(() => {
    const timer = setInterval(() => setNowMs(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);

  // The open job's history, read again whenever the stream brings a change to it.
  const openJob = selected ? jobs.get(selected) : undefined;
  const openVersion = openJob ? `${openJob.statusCode}:${openJob.updatedAtUnixMs}` : "";
  useEffect(() => {
    if (!selected) return;
    const stop = new AbortController();
    dashboard.getJob({ id: selected }, { signal: stop.signal }).then(setDetail, () => undefined);
    return () => stop.abort();
  }, [selected, openVersion]);

  const shown = useMemo(
    () => [...jobs.values()].filter((job) => matches(job, filter)).sort((a, b) => Number(b.createdAtUnixMs - a.createdAtUnixMs)),
    [jobs, filter],
  );
  const counts = useMemo(() => {
    const result: Record<string, number> = {};
    for (const job of jobs.values())
      if (!filter.backend || job.backend === filter.backend) result[job.state] = (result[job.state] ?? 0) + 1;
    return result;
  }, [jobs, filter.backend]);

  if (authed === false) return <LoginForm onLoggedIn={() => setAuthed(true)} />;
  const serverNow = nowMs + clockSkewMs;
  return (
    <div class="page">
      <header class="top">
        <h1>rap-runner</h1>
        <span class={live ? "ok" : "warn"} data-testid="live">
          {live ? "live" : "reconnecting…"}
        </span>
        <button
          type="button"
          class="link"
          onClick={() => {
            void logOut().then(() => setAuthed(false));
          }}
        >
          Log out
        </button>
      </header>
      <BackendsPanel backends={backends} nowMs={serverNow} />
      <section class="filters" aria-label="Filters">
        <label>
          backend
          <select
            data-testid="filter-backend"
            value={filter.backend}
            onChange={(event) => setFilter({ ...filter, backend: event.currentTarget.value })}
          >
            <option value="">all</option>
            {backends.map((backend) => (
              <option key={backend.slug} value={backend.slug}>
                {backend.slug}
              </option>
            ))}
          </select>
        </label>
        <label>
          state
          <select
            data-testid="filter-state"
            value={filter.state}
            onChange={(event) => setFilter({ ...filter, state: event.currentTarget.value })}
          >
            <option value="">all</option>
            {STATES.map((state) => (
              <option key={state} value={state}>
                {state} ({counts[state] ?? 0})
              </option>
            ))}
          </select>
        </label>
        <label class="grow">
          search
          <input
            data-testid="filter-text"
            type="search"
            placeholder="workspace, action, job or RAP id"
            value={filter.text}
            onInput={(event) => setFilter({ ...filter, text: event.currentTarget.value })}
          />
        </label>
      </section>
      <main class={detail && selected ? "split" : undefined}>
        <JobsTable jobs={shown} selected={selected} onOpen={setSelected} />
        {detail && selected && detail.job?.id === selected ? (
          <JobDetail
            detail={detail}
            nowMs={serverNow}
            onClose={() => {
              setSelected(undefined);
              setDetail(undefined);
            }}
          />
        ) : null}
      </main>
    </div>
  );
}

render(<App />, document.getElementById("app")!);
