/**
 * deploy/systemd: the units verify with systemd's own checker (systemd-analyze verify works offline;
 * no systemd runs here), carry the hardening and stop settings the README promises, stop later
 * than the services' own shutdown grace, and their example environment files name only real
 * settings, each of which the services' config code accepts.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { agentConfigFrom } from "../../../agent/config.js";
import { knownNames } from "../../../cli/settings/check-environment.js";
import { loadControllerConfig } from "../../../controller/config.js";

const dir = path.resolve(import.meta.dirname, "../../../deploy/systemd");
const TLS_DIR = "/etc/rap-runner/tls/";
const hasSystemdAnalyze = spawnSync("systemd-analyze", ["--version"], { stdio: "ignore" }).status === 0;

/** The unit's [Service] (or other) section as key -> values (a key may repeat). */
function section(unit: string, name: string): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  let current = "";
  for (const raw of readFileSync(path.join(dir, unit), "utf8").split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header?.[1]) {
      current = header[1];
      continue;
    }
    if (current !== name) continue;
    const at = line.indexOf("=");
    const key = line.slice(0, at);
    keys.set(key, [...(keys.get(key) ?? []), line.slice(at + 1)]);
  }
  return keys;
}

/** The example env file's variables, set or commented out (`# NAME=value`), with their values. */
function exampleVariables(file: string): Map<string, string> {
  const variables = new Map<string, string>();
  for (const line of readFileSync(path.join(dir, file), "utf8").split("\n")) {
    const match = /^(?:# )?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) variables.set(match[1], match[2]);
  }
  return variables;
}

const COMMON_HARDENING = {
  NoNewPrivileges: ["yes"],
  ProtectSystem: ["strict"],
  ProtectHome: ["yes"],
  PrivateTmp: ["yes"],
  User: ["rap"],
  Group: ["rap"],
  KillMode: ["mixed"],
  KillSignal: ["SIGTERM"],
  Restart: ["always"],
  RestartPreventExitStatus: ["2"],
  CapabilityBoundingSet: [""],
};

describe("the systemd units", () => {
  it.skipIf(!hasSystemdAnalyze)("pass systemd-analyze verify without a warning", () => {
    const result = spawnSync("systemd-analyze", ["verify", "--man=no", "rap-controller.service", "rap-agent.service"], {
      cwd: dir,
      encoding: "utf8",
    });
    expect([result.status, result.stderr, result.stdout]).toEqual([0, "", ""]);
  });

  it("harden the controller, give it only its state directory, and stop it after its grace", () => {
    const service = section("rap-controller.service", "Service");
    for (const [key, value] of Object.entries(COMMON_HARDENING)) expect([key, service.get(key)]).toEqual([key, value]);
    expect(service.get("ReadWritePaths")).toEqual(["/var/lib/rap-controller"]);
    expect(service.get("StateDirectory")).toEqual(["rap-controller"]);
    expect(service.get("EnvironmentFile")).toEqual(["/etc/rap-runner/controller.env"]);
    expect(service.get("ExecStart")).toEqual([
      "/usr/bin/node /opt/rap-runner/node_modules/rap-runner/dist/cli/main.js controller",
    ]);
    expect(service.get("ExecStartPre")).toEqual([
      "/usr/bin/node /opt/rap-runner/node_modules/rap-runner/dist/cli/main.js migrate",
    ]);
    const grace = loadControllerConfig({}).shutdownGraceSeconds;
    expect([grace, service.get("TimeoutStopSec")]).toEqual([30, ["45"]]);
  });

  it("harden the agent, let it reach docker, write its storage, and stop it after its grace", () => {
    const service = section("rap-agent.service", "Service");
    for (const [key, value] of Object.entries(COMMON_HARDENING)) expect([key, service.get(key)]).toEqual([key, value]);
    expect(service.get("SupplementaryGroups")).toEqual(["docker"]);
    expect(service.get("ReadWritePaths")).toEqual(["/var/lib/rap-agent /srv/high_privacy /srv/medium_privacy"]);
    expect(service.get("EnvironmentFile")).toEqual(["/etc/rap-runner/agent.env"]);
    expect(service.get("ExecStart")).toEqual(["/usr/bin/node /opt/rap-runner/node_modules/rap-runner/dist/cli/main.js agent"]);
    const workdir = mkdtempSync(path.join(tmpdir(), "rap-unit-"));
    try {
      const config = agentConfigFrom({
        BACKEND: "tpp",
        CONTROLLER_URL: "http://c:8000",
        AGENT_TOKEN: "t",
        AGENT_WORKDIR: workdir,
        AGENT_ID: "a",
      });
      expect([config.shutdownGraceSeconds, service.get("TimeoutStopSec")]).toEqual([300, ["330"]]);
    } finally {
      rmSync(workdir, { recursive: true, force: true });
    }
    expect(section("rap-agent.service", "Unit").get("After")).toEqual(["network-online.target docker.service"]);
  });
});

describe("the example environment files", () => {
  it("name only settings the services read", () => {
    const known = knownNames(["tpp", "emis"]);
    for (const file of ["controller.env.example", "agent.env.example"]) {
      const unknown = [...exampleVariables(file).keys()].filter((name) => !known.has(name));
      expect([file, unknown]).toEqual([file, []]);
    }
  });

  it("are accepted by the controller's and the agent's config code as written", () => {
    // The config code checks that the TLS files can be read: put them in a scratch directory.
    const scratch = mkdtempSync(path.join(tmpdir(), "rap-unit-"));
    const settings = (file: string) => {
      const env: Record<string, string> = {};
      for (const [name, value] of exampleVariables(file)) {
        env[name] = value.startsWith(TLS_DIR) ? path.join(scratch, value.slice(TLS_DIR.length)) : value;
        if (value.startsWith(TLS_DIR)) writeFileSync(env[name], "");
      }
      return env;
    };
    try {
      const controller = loadControllerConfig(settings("controller.env.example"));
      expect([controller.port, controller.backends.map((backend) => backend.slug), controller.backups?.dir]).toEqual([
        8443,
        ["tpp", "emis"],
        "/var/lib/rap-controller/backups",
      ]);
      const agent = agentConfigFrom({ ...settings("agent.env.example"), AGENT_WORKDIR: path.join(scratch, "agent") });
      expect([agent.backend, agent.controllerUrl, agent.tls.certFile, agent.driver.kind]).toEqual([
        "tpp",
        "https://rap-controller.example.org:8443",
        path.join(scratch, "agent-tpp.crt"),
        "docker",
      ]);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
