/**
 * `npm run test:chaos [-- <runs> [<minutes>]]`: the chaos run (test/chaos/chaos.ts), 100 rounds or
 * 30 minutes by default, whichever ends first. Loopback only. Prints one line per round and a JSON
 * summary; exits 1 if any invariant broke.
 */
import { chaos } from "../test/chaos/chaos.js";

const runs = Number(process.argv[2] ?? 100);
const minutes = Number(process.argv[3] ?? 30);
if (!Number.isInteger(runs) || runs <= 0 || !(minutes > 0)) throw new Error("usage: chaos [runs] [minutes]");
const started = Date.now();
const report = await chaos({ runs, deadlineMs: started + minutes * 60_000, log: (line) => console.log(line) });
console.log(
  JSON.stringify({
    runs: report.runs,
    seconds: Math.round((Date.now() - started) / 1000),
    faults: report.faults,
    violations: report.violations.length,
  }),
);
for (const violation of report.violations) console.log(violation);
process.exitCode = report.violations.length === 0 ? 0 : 1;
