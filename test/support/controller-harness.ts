/**
 * A real controller on 127.0.0.1:0 with its SQLite database in a temp directory. Tokens are fixed
 * so tests can call the REST API and the agent stream as job-server and an agent would.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadControllerConfig } from "../../controller/config.js";
import { ControllerApp, type ControllerOptions } from "../../controller/controller-app.js";
import { createLogger, type Logger } from "../../controller/logger.js";

export const CLIENT_TOKEN = "client-token-test";
export const OTHER_CLIENT_TOKEN = "client-token-tpp";
export const AGENT_TOKEN = "agent-token-test";
export const ADMIN_TOKEN = "admin-token";

export interface ControllerHarness {
  readonly app: ControllerApp;
  readonly url: string;
  readonly workdir: string;
  /** Stops the controller (the workdir stays, so a restart sees the same database). */
  stop(): Promise<void>;
  /** Stops it and starts a new controller on the same workdir and port. */
  restart(): Promise<ControllerHarness>;
  /** Stops it and deletes the workdir. */
  dispose(): Promise<void>;
}

export function quietLogger(): Logger {
  return createLogger({ level: process.env.TEST_LOG === "1" ? "debug" : "error" });
}

export async function startController(
  options: {
    env?: Record<string, string>;
    workdir?: string;
    port?: number;
    log?: Logger;
    tracing?: ControllerOptions["tracing"];
    metrics?: boolean;
  } = {},
): Promise<ControllerHarness> {
  const workdir = options.workdir ?? mkdtempSync(path.join(tmpdir(), "rap-controller-"));
  const config = loadControllerConfig({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    WORKDIR: workdir,
    HOST: "127.0.0.1",
    PORT: String(options.port ?? 0),
    BACKENDS: "test,tpp",
    TEST_CLIENT_TOKENS: `${CLIENT_TOKEN},shared-token`,
    TPP_CLIENT_TOKENS: `${OTHER_CLIENT_TOKEN},shared-token`,
    TEST_AGENT_TOKEN: AGENT_TOKEN,
    RAP_ADMIN_TOKEN: ADMIN_TOKEN,
    ALLOW_LOCAL_GIT_REPOS: "true",
    // No registry is reachable here; the image digest tests turn it on with their own registry.
    RESOLVE_IMAGE_DIGESTS: "false",
    ...options.env,
  });
  const app = await ControllerApp.start({
    config,
    log: options.log ?? quietLogger(),
    autoMigrate: true,
    tracing: options.tracing,
    metrics: options.metrics,
  });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await app.stop();
  };
  return {
    app,
    url: `http://127.0.0.1:${app.port}`,
    workdir,
    stop,
    restart: async () => {
      await stop();
      return startController({ ...options, workdir, port: app.port });
    },
    dispose: async () => {
      await stop();
      rmSync(workdir, { recursive: true, force: true });
    },
  };
}

/** A rap/create body as job-server sends it, for a local study repo. */
export function createBody(overrides: Record<string, unknown> & { repo_url: string; commit: string }): Record<string, unknown> {
  return {
    backend: "test",
    rap_id: "abcdefgh23456789",
    workspace: "workspace",
    branch: "main",
    database_name: "default",
    requested_actions: ["summarise"],
    codelists_ok: true,
    force_run_dependencies: false,
    created_by: "testuser",
    project: "project",
    orgs: ["org"],
    ...overrides,
  };
}

/** POST/GET against the REST gateway with a raw token, as job-server does. */
export async function rest(
  harness: { url: string },
  method: string,
  pathname: string,
  body?: unknown,
  token: string | null = CLIENT_TOKEN,
): Promise<{ status: number; text: string; json: unknown; headers: Headers }> {
  const response = await fetch(`${harness.url}${pathname}`, {
    method,
    headers: { ...(token === null ? {} : { authorization: token }), "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json, headers: response.headers };
}
