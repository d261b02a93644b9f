import { defineConfig } from "vitest/config";

// Three projects: pure unit tests, integration tests (real controller + agent on 127.0.0.1, real
// SQLite, real git), and driver tests (real docker and podman). The slow ones run in forks so a
// crashed container run cannot take the runner down.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          testTimeout: 20_000,
          // Unit tests first (fast feedback), then the slow ones with their own worker limit.
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: "integration",
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
