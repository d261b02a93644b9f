/**
 * `rap workspace archive` / `unarchive` on a scratch backend storage with real tar: the archive
 * the agent's guard looks for, exact files after the round trip, nothing changed on --dry-run or a
 * refusal, hostile names rejected. The runtime binary is a shim that lists no containers
 * (the refusal while a job container exists runs against real docker and podman in
 * test/integration/task-kill.test.ts).
 */
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { assertNotArchived } from "../../../runtime-drivers/prepare-volume.js";
import { rapInProcess } from "../../support/cli-runtime.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function scratch() {
  const root = mkdtempSync(path.join(tmpdir(), "rap-ops-archive-"));
  dirs.push(root);
  const shim = path.join(root, "no-containers");
  writeFileSync(shim, "#!/bin/sh\nexit 0\n");
  chmodSync(shim, 0o755);
  const high = path.join(root, "high");
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: root,
    AGENT_WORKDIR: path.join(root, "agent"),
    AGENT_DRIVER_BINARY: shim,
    HIGH_PRIVACY_STORAGE_BASE: high,
    MEDIUM_PRIVACY_STORAGE_BASE: path.join(root, "medium"),
  };
  const workspace = path.join(high, "workspaces/ws");
  mkdirSync(path.join(workspace, "output/nested"), { recursive: true });
  writeFileSync(path.join(workspace, "output/a.csv"), "a,b\n1,2\n");
  writeFileSync(path.join(workspace, "output/nested/b.txt"), "bee\n");
  symlinkSync("a.csv", path.join(workspace, "output/link.csv"));
  const layout = { highPrivacyDir: high, archivesDir: path.join(high, "archives") };
  return { root, env, high, workspace, archive: path.join(high, "archives/ws.tar.gz"), layout };
}

function tree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (at: string, prefix: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) walk(full, `${prefix}${entry.name}/`);
      else if (entry.isSymbolicLink()) files[`${prefix}${entry.name}`] = `-> ${readlinkSafe(full)}`;
      else files[`${prefix}${entry.name}`] = readFileSync(full, "utf8");
    }
  };
  walk(dir, "");
  return files;
}

function readlinkSafe(file: string): string {
  return execFileSync("readlink", [file], { encoding: "utf8" }).trim();
}

const EXPECTED_TREE = { "output/a.csv": "a,b\n1,2\n", "output/link.csv": "-> a.csv", "output/nested/b.txt": "bee\n" };

describe("rap workspace archive / unarchive", () => {
  it("archives the high-privacy folder where the agent's guard looks, and restores it exactly", async () => {
    const s = scratch();
    expect(await rapInProcess(["workspace", "archive", "ws"], { env: s.env })).toEqual({
      code: 0,
      stdout: `Archived ws to ${s.archive} and removed ${s.workspace}\n`,
      stderr: "",
    });
    expect(existsSync(s.workspace)).toBe(false);
    expect(readdirSync(path.dirname(s.archive))).toEqual(["ws.tar.gz"]);
    expect(execFileSync("tar", ["--list", "--file", s.archive], { encoding: "utf8" }).split("\n").filter(Boolean).sort()).toEqual(
      ["ws/", "ws/output/", "ws/output/a.csv", "ws/output/link.csv", "ws/output/nested/", "ws/output/nested/b.txt"],
    );
    expect(() =>
      assertNotArchived({ ...s.layout, mediumPrivacyDir: "", volumesDir: "", reposDir: "", tempDir: "" }, "ws"),
    ).toThrow("Workspace ws has been archived. Contact the OpenSAFELY tech team to resolve");
    expect(await rapInProcess(["workspace", "archive", "ws"], { env: s.env })).toEqual({
      code: 0,
      stdout: `ws is already archived at ${s.archive}\n`,
      stderr: "",
    });

    expect(await rapInProcess(["workspace", "unarchive", "ws"], { env: s.env })).toEqual({
      code: 0,
      stdout: `Restored ${s.workspace} from ${s.archive} and removed the archive\n`,
      stderr: "",
    });
    expect(tree(s.workspace)).toEqual(EXPECTED_TREE);
    expect(readdirSync(path.dirname(s.archive))).toEqual([]);
    expect(readdirSync(path.dirname(s.workspace))).toEqual(["ws"]);
  });

  it("changes nothing with --dry-run", async () => {
    const s = scratch();
    expect(await rapInProcess(["workspace", "archive", "--dry-run", "ws"], { env: s.env })).toEqual({
      code: 0,
      stdout: `Would archive ${s.workspace} to ${s.archive} and then remove ${s.workspace}\n`,
      stderr: "",
    });
    expect(tree(s.workspace)).toEqual(EXPECTED_TREE);
    expect(existsSync(path.dirname(s.archive))).toBe(false);
    expect((await rapInProcess(["workspace", "archive", "ws"], { env: s.env })).code).toBe(0);
    expect(await rapInProcess(["workspace", "unarchive", "--dry-run", "ws"], { env: s.env })).toEqual({
      code: 0,
      stdout: `Would restore ${s.workspace} from ${s.archive} and then remove ${s.archive}\n`,
      stderr: "",
    });
    expect(existsSync(s.workspace)).toBe(false);
    expect(existsSync(s.archive)).toBe(true);
  });

  it("refuses when both the folder and an archive exist, or neither does", async () => {
    const s = scratch();
    mkdirSync(path.dirname(s.archive), { recursive: true });
    const xz = path.join(path.dirname(s.archive), "ws.tar.xz");
    writeFileSync(xz, "not really");
    expect(await rapInProcess(["workspace", "archive", "ws"], { env: s.env })).toEqual({
      code: 1,
      stdout: "",
      stderr: `rap workspace archive: Both ${xz} and ${s.workspace} exist!\n`,
    });
    expect(await rapInProcess(["workspace", "unarchive", "ws"], { env: s.env })).toEqual({
      code: 1,
      stdout: "",
      stderr: `rap workspace unarchive: Both ${xz} and ${s.workspace} exist!\n`,
    });
    expect(tree(s.workspace)).toEqual(EXPECTED_TREE);
    const missing = path.join(s.high, "workspaces/nope");
    expect(await rapInProcess(["workspace", "archive", "nope"], { env: s.env })).toEqual({
      code: 1,
      stdout: "",
      stderr: `rap workspace archive: Directory ${missing} does not exist\n`,
    });
    expect(await rapInProcess(["workspace", "unarchive", "nope"], { env: s.env })).toEqual({
      code: 1,
      stdout: "",
      stderr: `rap workspace unarchive: Archive file ${path.join(s.high, "archives/nope")}.tar.gz does not exist\n`,
    });
  });

  it("refuses an archive holding anything but the workspace's folder, restoring nothing", async () => {
    const s = scratch();
    const other = path.join(s.root, "other");
    mkdirSync(path.join(other, "evil"), { recursive: true });
    writeFileSync(path.join(other, "evil/x"), "x");
    mkdirSync(path.dirname(s.archive), { recursive: true });
    const archive = path.join(path.dirname(s.archive), "gone.tar.gz");
    execFileSync("tar", ["--create", "--gzip", "--directory", other, "--file", archive, "evil"]);
    expect(await rapInProcess(["workspace", "unarchive", "gone"], { env: s.env })).toEqual({
      code: 1,
      stdout: "",
      stderr: `rap workspace unarchive: ${archive} holds ["evil"], not just the folder gone/; nothing restored\n`,
    });
    expect(readdirSync(path.join(s.high, "workspaces"))).toEqual(["ws"]);
    expect(existsSync(archive)).toBe(true);
  });

  it.each([
    ["archive", ".."],
    ["archive", "a/b"],
    ["unarchive", ".."],
    ["unarchive", "a/b"],
  ])("rap workspace %s rejects the hostile name %j", async (verb, name) => {
    const s = scratch();
    expect(await rapInProcess(["workspace", verb, name], { env: s.env })).toEqual({
      code: 2,
      stdout: "",
      stderr: `rap workspace ${verb}: Unsafe workspace name: ${JSON.stringify(name)}: a workspace name is one folder name (not empty, '.', '..', or with / or \\)\n`,
    });
    expect(tree(s.high)).toEqual(Object.fromEntries(Object.entries(EXPECTED_TREE).map(([k, v]) => [`workspaces/ws/${k}`, v])));
  });
});
