import path from "node:path";
import { defineConfig } from "vitest/config";

// Three projects: pure unit tests, integration tests (real controller + agent on 127.0.0.1, real
// SQLite, real git), and driver tests (real docker and podman). The slow ones run in forks so a
// crashed container run cannot take the runner down.
export default defineConfig({
  test: {
    // Podman in a sandbox with low hard rlimits needs lower default ulimits; the tests bring their own
    // containers.conf rather than relying on one written host-wide (an explicit CONTAINERS_CONF wins).
    // The whole run is checked for job containers left in docker or podman (and each project's
    // files, through their set-up file, for servers, sockets and child processes left open).
    globalSetup: ["test/support/container-teardown-check.ts"],
    env: { CONTAINERS_CONF: process.env.CONTAINERS_CONF ?? path.resolve(import.meta.dirname, "../scripts/podman-sandbox.conf") },
    projects: [
      {
        test: {
          name: "unit",
          setupFiles: ["test/support/teardown-check.ts"],
          include: ["test/unit/**/*.test.ts"],
          testTimeout: 20_000,
          // Unit tests first (fast feedback), then the slow ones with their own worker limit.
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: "integration",
          setupFiles: ["test/support/teardown-check.ts"],
          include: ["test/integration/**/*.test.ts", "test/drivers/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          pool: "forks",
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
