/**
 * The run-wide container check (test/support/container-teardown-check.ts) can fail: a child vitest
 * whose only test creates a job-labelled container and leaves it must exit non-zero, naming it.
 */
import { randomUUID } from "node:crypto";
import path from "node:path";
import { execa } from "execa";
import { afterEach, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const name = `rap-leak-probe-${randomUUID().slice(0, 8)}`;

afterEach(async () => {
  await execa("docker", ["rm", "--force", name], { reject: false });
});

it("fails a run that leaves a job container behind, naming the container", async () => {
  const run = await execa(path.join(root, "node_modules/.bin/vitest"), ["run", "--config", "vitest.container-leak.config.ts"], {
    cwd: path.join(root, "test/fixtures/leaky-tests"),
    reject: false,
    all: true,
    env: { NO_COLOR: "1", LEAK_CONTAINER_NAME: name, RAP_TEST_CONTAINER_CHECK: "on" },
  });
  expect(run.all).toContain("1 passed");
  expect(run.all).toMatch(
    new RegExp(`teardown check: the test run left \\d+ job container\\(s\\) behind: .*docker [0-9a-f]{12} ${name}`),
  );
  expect(run.exitCode).not.toBe(0);
});
