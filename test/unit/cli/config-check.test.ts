/**
 * Config you can trust: a misspelt variable and an unknown YAML key stop a service at start with a
 * message naming them; `rap config check` prints the effective settings with secrets masked; the
 * list of known names covers every variable a config.ts reads.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { editDistance, misspeltSettings } from "../../../cli/settings/check-environment.js";
import { KNOWN_SETTINGS } from "../../../cli/settings/known-settings.js";
import { variablesOf } from "../../../scripts/config-reference.js";
import { rapInProcess } from "../../support/cli-runtime.js";

const root = path.resolve(import.meta.dirname, "../../..");
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "rap-config-check-"));
  dirs.push(dir);
  return dir;
}

describe("misspelt settings", () => {
  it("measures edit distance", () => {
    expect(editDistance("TEST_CLIENT_TOKEN", "TEST_CLIENT_TOKENS")).toBe(1);
    expect(editDistance("PORT", "HOST")).toBe(2);
    expect(editDistance("", "ABC")).toBe(3);
  });

  it("names a near miss and the setting meant, and leaves the system's variables alone", () => {
    expect(
      misspeltSettings(
        {
          TEST_CLIENT_TOKEN: "x",
          TPP_AGENT_TOKN: "y",
          RAP_ADMN_TOKEN: "z",
          TLS_CERT: "c",
          PATH: "/bin",
          HOME: "/root",
          HOSTNAME: "h",
          RAP_CONTROLLER_SERVICE_HOST: "10.0.0.1",
          RAP_CONTROLLER_PORT_8000_TCP: "tcp://10.0.0.1:8000",
          TEST_CLIENT_TOKENS: "ok",
        },
        ["test", "tpp"],
      ),
    ).toEqual([
      "RAP_ADMN_TOKEN is not a setting; did you mean RAP_ADMIN_TOKEN?",
      "TEST_CLIENT_TOKEN is not a setting; did you mean TEST_CLIENT_TOKENS?",
      "TLS_CERT is not a setting (docs/configuration.md lists them all)",
      "TPP_AGENT_TOKN is not a setting; did you mean TPP_AGENT_TOKEN?",
    ]);
  });

  it("stops `rap controller` at start with exit code 2, naming the variable", async () => {
    const workdir = tempDir();
    const result = await rapInProcess(["controller"], {
      env: { BACKENDS: "test", TEST_CLIENT_TOKEN: "secret", WORKDIR: workdir, PORT: "0", HOST: "127.0.0.1" },
    });
    expect(result).toEqual({
      code: 2,
      stdout: "",
      stderr: "rap controller: TEST_CLIENT_TOKEN is not a setting; did you mean TEST_CLIENT_TOKENS?\n",
    });
  });

  it("covers every variable the config files read", () => {
    const read = ["controller/config.ts", "agent/config.ts", "cli/config.ts", "cli/run/config.ts"].flatMap((file) =>
      variablesOf(readFileSync(path.join(root, file), "utf8")).map((variable) => variable.name),
    );
    expect([...new Set(read)].filter((name) => !KNOWN_SETTINGS.includes(name))).toEqual([]);
  });
});

describe("agent config file", () => {
  it("refuses an unknown YAML key, naming it and its section", async () => {
    const dir = tempDir();
    const file = path.join(dir, "agent.yaml");
    writeFileSync(file, "backend: test\ncontroler_url: http://x\ndriver:\n  kind: docker\n  pul_missing_images: false\n");
    const result = await rapInProcess(["config", "check", "--agent"], { env: { AGENT_CONFIG: file, AGENT_TOKEN: "t" } });
    expect(result).toEqual({
      code: 2,
      stdout: "",
      stderr: `rap config check: ${file}: unknown key(s) controler_url, driver.pul_missing_images (docs/configuration.md lists the keys)\n`,
    });
  });
});

describe("rap config check", () => {
  it("prints the effective controller configuration with secrets masked", async () => {
    const workdir = tempDir();
    const result = await rapInProcess(["config", "check"], {
      env: {
        BACKENDS: "test",
        TEST_CLIENT_TOKENS: "client-secret",
        TEST_AGENT_TOKEN: "agent-secret",
        RAP_ADMIN_TOKEN: "admin-secret",
        WORKDIR: workdir,
      },
    });
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(/secret/);
    const printed = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(printed).toMatchObject({
      port: 8000,
      workdir,
      databasePath: path.join(workdir, "db.sqlite"),
      adminToken: "********",
      clientTokens: { "token 1": ["test"] },
      backends: [{ slug: "test", agentToken: "********", maxWorkers: 2 }],
      shutdownGraceSeconds: 30,
    });
    expect(printed).not.toHaveProperty("childEnv");
  });
});
