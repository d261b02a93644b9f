/**
 * Finding 4 (visibility) of the reliability review: a backend whose agent is gone used to say
 * nothing. Now the admin API shows, per backend, whether an agent is connected, when one was last
 * seen, since when none has been, and whether a standby waits; a metric and one warning line say
 * when a backend has had no agent for longer than AGENT_ABSENT_ALERT_MS.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../controller/logger.js";
import { adminClient, AS_ADMIN } from "../support/admin-client.js";
import { agentConfig, startAgent } from "../support/agent-harness.js";
import { startController } from "../support/controller-harness.js";
import { scrape, series } from "../support/prometheus.js";
import { waitFor } from "../support/wait-for.js";

describe("lost agents", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it("shows a backend without an agent, warns once past the limit, and shows a waiting standby", async () => {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger({ level: "info", write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
    const controller = await startController({ log, env: { AGENT_ABSENT_ALERT_MS: "1000", AGENT_HEARTBEAT_INTERVAL_MS: "500" } });
    cleanups.push(() => controller.dispose());
    const admin = adminClient(controller.url);
    const warnings = () =>
      lines.filter((line) => line.msg === "backend has had no agent for longer than the limit; its jobs are not being watched");

    // Only backends an agent may connect to are listed (the harness gives "tpp" no agent token).
    const before = await admin.listAgents({}, AS_ADMIN);
    expect(
      before.backends.map((b) => [b.backend, b.connected, b.lastSeenAt, b.absentSince !== undefined, b.standbyAgentId]),
    ).toEqual([["test", false, undefined, true, ""]]);
    await waitFor(() => warnings().length === 1, { message: "the absence warning" });
    expect([warnings()[0]?.backend, warnings()[0]?.limit_ms, warnings()[0]?.standby_waiting]).toEqual(["test", 1000, null]);
    expect((await admin.listAgents({ backend: "test" }, AS_ADMIN)).backends[0]?.absentTooLong).toBe(true);
    expect(series(await scrape(`${controller.url}/metrics`), "rap_backend_agent_absent_too_long")).toEqual({
      "backend=test": 1,
      "backend=tpp": 0,
    });

    const active = startAgent(agentConfig(controller.url));
    cleanups.push(() => active.stop());
    await waitFor(async () => (await admin.listAgents({}, AS_ADMIN)).backends[0]?.connected, { message: "the agent to connect" });
    const connected = (await admin.listAgents({}, AS_ADMIN)).backends[0];
    expect([connected?.absentSince, connected?.absentTooLong, connected?.lastSeenAt !== undefined]).toEqual([
      undefined,
      false,
      true,
    ]);
    expect(lines.some((line) => line.msg === "backend has an agent again" && line.backend === "test")).toBe(true);

    const standby = startAgent(agentConfig(controller.url));
    cleanups.push(() => standby.stop());
    await waitFor(async () => (await admin.listAgents({}, AS_ADMIN)).backends[0]?.standbyAgentId === standby.config.agentId, {
      message: "the standby to be listed as waiting",
    });
    expect(series(await scrape(`${controller.url}/metrics`), "rap_agent_standby_waiting")).toEqual({
      "backend=test": 1,
      "backend=tpp": 0,
    });
    // Still one warning: it is said once per absence.
    expect(warnings().length).toBe(1);
  });
});
