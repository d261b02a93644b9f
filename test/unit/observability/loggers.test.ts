/**
 * The controller's and the agent's pino loggers: JSON lines with level, time, message and bound
 * fields; the level threshold; errors with type, stack and cause; readable lines in pretty mode; and
 * every configured secret masked wherever it appears in a line.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { agentSecrets } from "../../../agent/log-secrets.js";
import { agentConfigFrom } from "../../../agent/config.js";
import { createAgentLogger } from "../../../agent/logger.js";
import { loadControllerConfig } from "../../../controller/config.js";
import { controllerSecrets, secretMasker } from "../../../controller/log-secrets.js";
import { createLogger } from "../../../controller/logger.js";

type Line = Record<string, unknown>;

function controllerLines(options: { level?: "debug" | "info" | "warn" | "error"; secrets?: string[] } = {}) {
  const lines: string[] = [];
  const log = createLogger(
    { level: options.level ?? "info", secrets: options.secrets, write: (line) => lines.push(line) },
    { service: "controller" },
  );
  return { log, lines, parsed: () => lines.map((line) => JSON.parse(line) as Line) };
}

describe("controller logger", () => {
  it("writes one JSON object per line with level, ISO time, message and bound and child fields", () => {
    const { log, parsed } = controllerLines();
    log.child({ job_id: "abcdefghijklmnop", rap_id: "r1" }).info("job started", { task_id: "abcdefghijklmnop-001" });
    const [line] = parsed();
    expect(Object.keys(line!).sort()).toEqual(["job_id", "level", "msg", "rap_id", "service", "task_id", "time"]);
    expect(line).toMatchObject({
      level: "info",
      service: "controller",
      msg: "job started",
      job_id: "abcdefghijklmnop",
      rap_id: "r1",
      task_id: "abcdefghijklmnop-001",
    });
    expect(String(line!.time)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it("drops lines under the configured level", () => {
    const { log, parsed } = controllerLines({ level: "warn" });
    log.debug("d");
    log.info("i");
    log.warn("w");
    log.error("e");
    expect(parsed().map((line) => [line.level, line.msg])).toEqual([
      ["warn", "w"],
      ["error", "e"],
    ]);
  });

  it("logs an error with its type, message, stack and cause", () => {
    const { log, parsed } = controllerLines();
    const cause = new TypeError("socket hang up");
    log.error("request failed", { error: new Error("could not reach git", { cause }) });
    const error = parsed()[0]!.error as Line;
    expect(error.type).toBe("Error");
    expect(error.message).toBe("could not reach git");
    expect(String(error.stack)).toContain("loggers.test.ts");
    expect(error.cause).toMatchObject({ type: "TypeError", message: "socket hang up" });
  });

  it("masks every configured secret in fields, messages and error text, JSON-escaped or not", () => {
    const config = loadControllerConfig({
      BACKENDS: "test",
      TEST_CLIENT_TOKENS: "client-token-aaaa,client-token-bbbb",
      TEST_AGENT_TOKEN: "agent-token-cccc",
      RAP_ADMIN_TOKEN: "admin-token-dddd",
      DASHBOARD_TOKEN: 'dash"token-eeee',
      PRIVATE_REPO_ACCESS_TOKEN: "ghp_private_ffff",
      STATA_LICENSE: "stata-licence-gggg",
    });
    const secrets = controllerSecrets(config);
    expect(secrets.filter((secret) => secret !== "").sort()).toEqual(
      [
        "admin-token-dddd",
        "agent-token-cccc",
        "client-token-aaaa",
        "client-token-bbbb",
        'dash"token-eeee',
        "ghp_private_ffff",
        "stata-licence-gggg",
      ].sort(),
    );
    const { log, lines } = controllerLines({ secrets });
    log.info("token client-token-aaaa refused", { authorization: "Bearer admin-token-dddd", dash: 'dash"token-eeee' });
    log.error("clone failed", { error: new Error("https://x:ghp_private_ffff@github.com/o/r failed") });
    const text = lines.join("\n");
    for (const secret of secrets.filter((s) => s !== "")) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(JSON.stringify(secret).slice(1, -1));
    }
    expect((JSON.parse(lines[0]!) as Line).msg).toBe("token [REDACTED] refused");
    expect((JSON.parse(lines[0]!) as Line).authorization).toBe("Bearer [REDACTED]");
  });

  it("masks with hundreds of secrets (an agent token per backend) as with a few", () => {
    const tokens = Array.from({ length: 500 }, (_, n) => `agent-token-${String(n).padStart(4, "0")}`);
    const secrets = [...tokens, "https://user:p@ss-word-99@db.example/x", "p@ss-word-99", 'quote"token-zz'];
    const many = secretMasker(secrets);
    const few = secretMasker(secrets.slice(-3));
    expect(many("agent agent-token-0042 and agent-token-0499; url https://user:p@ss-word-99@db.example/x")).toBe(
      "agent [REDACTED] and [REDACTED]; url [REDACTED]",
    );
    expect(many('{"a":"p@ss-word-99","b":"quote\\"token-zz","c":"agent-token-0007agent-token-0008"}')).toBe(
      '{"a":"[REDACTED]","b":"[REDACTED]","c":"[REDACTED][REDACTED]"}',
    );
    expect(many("agent-token-")).toBe("agent-token-");
    expect(many("nothing secret here")).toBe("nothing secret here");
    // The secrets a few-secret masker knows are masked the same by both.
    const line = 'x https://user:p@ss-word-99@db.example/x y p@ss-word-99 z quote\\"token-zz';
    expect(many(line)).toBe(few(line));
  });

  it("writes stderr asynchronously and loses no line when the process exits at once", async () => {
    // A child that logs many lines (more than a pipe holds) and calls process.exit() straight
    // after: what the asynchronous destination still had queued is flushed on exit, in order.
    const logger = path.resolve(import.meta.dirname, "../../../controller/logger.ts");
    const script = [
      `import { createLogger } from ${JSON.stringify(logger)};`,
      `const log = createLogger({ level: "info", secrets: ["agent-token-0001"] });`,
      `for (let n = 0; n < 3000; n++) log.info("agent connected", { n, token: "agent-token-0001", pad: "x".repeat(100) });`,
      `process.exit(0);`,
    ].join("\n");
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
    expect(code).toBe(0);
    const lines = stderr
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as Line);
    expect(lines.map((line) => line.n)).toEqual(Array.from({ length: 3000 }, (_, n) => n));
    expect(lines.every((line) => line.token === "[REDACTED]")).toBe(true);
  });

  it("writes readable lines in pretty mode", () => {
    const lines: string[] = [];
    const log = createLogger({ level: "info", format: "pretty", write: (line) => lines.push(line) });
    log.warn("agent silent too long", { backend: "test" });
    expect(lines.join("\n")).toMatch(
      /^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\] WARN: agent silent too long\n\s+backend: "test"$/,
    );
  });
});

describe("agent logger", () => {
  it("masks the agent token, database URLs and their passwords", () => {
    const config = agentConfigFrom(
      {
        BACKEND: "test",
        CONTROLLER_URL: "http://127.0.0.1:1",
        AGENT_TOKEN: "agent-secret-1234",
        AGENT_ID: "a1",
        AGENT_WORKDIR: "/tmp/x",
      },
      { database_urls: { default: "mssql://user:p%40ss-word-99@db.example:1433/db" } },
    );
    const lines: string[] = [];
    const log = createAgentLogger("info", { service: "agent" }, (line) => lines.push(line), { secrets: agentSecrets(config) });
    log.info("connecting with agent-secret-1234", { url: "db.example:1433 p@ss-word-99 p%40ss-word-99" });
    log.info("env", { DATABASE_URL: "mssql://user:p%40ss-word-99@db.example:1433/db" });
    const parsed = lines.map((line) => JSON.parse(line) as Line);
    expect(parsed[0]).toMatchObject({ msg: "connecting with [REDACTED]", url: "db.example:1433 [REDACTED] [REDACTED]" });
    expect(parsed[1]).toMatchObject({ DATABASE_URL: "[REDACTED]", level: "info", service: "agent" });
  });
});
