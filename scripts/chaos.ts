/**
 * `npm run test:chaos [-- <runs> [<minutes>]]`: the chaos run (test/chaos/chaos.ts), 100 rounds or
 * 30 minutes by default, whichever ends first (or SIGINT/SIGTERM: after the current round). Loopback
 * only; the controller's state directory is a tmpfs it mounts (so it must run as root). Prints one
 * line per round and a JSON summary; exits 1 if any invariant broke.
 */
import { chaos } from "../test/chaos/chaos.js";

const runs = Number(process.argv[2] ?? 100);
const minutes = Number(process.argv[3] ?? 30);
if (!Number.isInteger(runs) || runs <= 0 || !(minutes > 0)) throw new Error("usage: chaos [runs] [minutes]");
const started = Date.now();
// Ctrl-C or SIGTERM ends the run after the current round, with the processes, containers and tmpfs tidied up.
const stop = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => stop.abort());
const report = await chaos({
  runs,
  deadlineMs: started + minutes * 60_000,
  signal: stop.signal,
  log: (line) => console.log(line),
});
console.log(
  JSON.stringify({
    runs: report.runs,
    seconds: Math.round((Date.now() - started) / 1000),
    faults: report.faults,
    stream_drops: report.streamDrops,
    full_disk_creates: report.fullDiskCreates,
    violations: report.violations.length,
  }),
);
for (const violation of report.violations) console.log(violation);
process.exitCode = report.violations.length === 0 ? 0 : 1;
