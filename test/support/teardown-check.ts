/**
 * Set-up file of every test project: a test file that leaves a listening server, an open socket or
 * a running child process behind fails, naming what it left. The baseline is taken before the
 * file's own hooks run and compared after all of them (vitest runs after-hooks in reverse order of
 * registration, so this one runs last). Closing is asynchronous, so the check waits, bounded, for
 * the counts to come back down before it fails.
 */
import { afterAll, beforeAll } from "vitest";

/** Node's names for the resources that mean a leak when a test file is over. */
const WATCHED = {
  TCPServerWrap: "listening TCP server",
  PipeServerWrap: "listening unix-socket server",
  TCPSocketWrap: "open TCP connection",
  ProcessWrap: "running child process",
} as const;
type Watched = keyof typeof WATCHED;

/** How long closes and exits in flight may take to finish after the last hook. */
const SETTLE_MS = 5_000;

function watchedCounts(): Map<Watched, number> {
  const counts = new Map<Watched, number>();
  for (const name of process.getActiveResourcesInfo()) {
    if (name in WATCHED) counts.set(name as Watched, (counts.get(name as Watched) ?? 0) + 1);
  }
  return counts;
}

/** What is open now beyond `baseline`, as "2 open TCP connection(s)" phrases; empty when nothing is. */
export function leaksSince(baseline: ReadonlyMap<Watched, number>, now: ReadonlyMap<Watched, number>): string[] {
  return (Object.keys(WATCHED) as Watched[]).flatMap((name) => {
    const extra = (now.get(name) ?? 0) - (baseline.get(name) ?? 0);
    return extra > 0 ? [`${extra} ${WATCHED[name]}(s)`] : [];
  });
}

let baseline = new Map<Watched, number>();

beforeAll(() => {
  baseline = watchedCounts();
});

afterAll(async () => {
  const deadline = Date.now() + SETTLE_MS;
  let leaks = leaksSince(baseline, watchedCounts());
  while (leaks.length > 0 && Date.now() < deadline) {
    // Not a sleep standing in for an event: resources have no "closed" event to await from here,
    // so this polls the condition and gives up at the deadline.
    await new Promise((resolve) => setTimeout(resolve, 50));
    leaks = leaksSince(baseline, watchedCounts());
  }
  if (leaks.length > 0) {
    throw new Error(`teardown check: this test file left ${leaks.join(", ")} open after its last hook`);
  }
}, SETTLE_MS + 5_000);
