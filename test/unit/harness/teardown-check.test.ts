/**
 * The teardown check (test/support/teardown-check.ts) can fail: a deliberately leaky test file,
 * run in a child vitest with the same set-up file, must fail its run with the leak named, while the
 * control file that closes its server passes.
 */
import path from "node:path";
import { execa } from "execa";
import { expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../../..");
const fixtures = path.join(root, "test/fixtures/leaky-tests");

it("fails a test file that leaves a server listening, and passes one that closes it", async () => {
  const run = await execa(
    path.join(root, "node_modules/.bin/vitest"),
    ["run", "--config", "vitest.leaky.config.ts", "--reporter=json"],
    {
      cwd: fixtures,
      reject: false,
      env: { NO_COLOR: "1" },
    },
  );
  expect(run.exitCode).toBe(1);
  const report = JSON.parse(run.stdout) as {
    testResults: { name: string; status: string; message: string; assertionResults: { status: string }[] }[];
  };
  const byFile = Object.fromEntries(report.testResults.map((result) => [path.basename(result.name), result]));
  expect(byFile["leaks-a-server.leaky.ts"]?.status).toBe("failed");
  expect(byFile["leaks-a-server.leaky.ts"]?.message).toContain(
    "teardown check: this test file left 1 listening TCP server(s) open after its last hook",
  );
  // The test inside passed: only the check failed the file.
  expect(byFile["leaks-a-server.leaky.ts"]?.assertionResults.map((test) => test.status)).toEqual(["passed"]);
  expect(byFile["cleans-up.leaky.ts"]?.status).toBe("passed");
});
