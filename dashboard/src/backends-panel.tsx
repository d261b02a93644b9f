/** One card per backend: its agent (connected, id, version, driver, last seen), paused and maintenance. */
import type { Backend } from "../../gen/dashboard/v1/dashboard_pb.js";
import { ago, utc } from "./format.js";

export function BackendsPanel(props: { backends: readonly Backend[]; nowMs: number }) {
  return (
    <section class="backends" aria-label="Backends">
      {props.backends.map((backend) => {
        const agent = backend.agent;
        return (
          <article class="backend" data-testid={`backend-${backend.slug}`} key={backend.slug}>
            <h2>{backend.slug}</h2>
            <p class={agent?.connected ? "ok" : "bad"} data-testid="agent">
              {agent?.connected ? `agent connected (${agent.driver}, ${agent.version})` : "no agent connected"}
            </p>
            {agent?.connected ? <p class="muted">{agent.agentId}</p> : null}
            <p data-testid="last-seen">last seen {ago(backend.lastSeenUnixMs, props.nowMs)}</p>
            <p class={backend.paused ? "warn" : "muted"} data-testid="paused">
              {backend.paused ? `paused since ${utc(backend.pausedSinceUnixMs)}` : "not paused"}
            </p>
            <p class={backend.dbMaintenance ? "warn" : "muted"} data-testid="maintenance">
              {backend.dbMaintenance
                ? `database maintenance (${backend.dbMaintenanceType}) since ${utc(backend.dbMaintenanceSinceUnixMs)}`
                : "database available"}
            </p>
          </article>
        );
      })}
    </section>
  );
}
