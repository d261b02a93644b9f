/**
 * A local study repository owned by another user than the service (the host's checkout mounted
 * into the image, whose user is 10000) is still read: git refuses it as "dubious ownership" unless
 * the directory is named in safe.directory, which both the controller's and the agent's git
 * commands now pass for the directory they run in. Found by the image test. Real git on a real
 * repository chowned to an unused uid (the tests run as root; a non-root run skips it).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ProjectSource } from "../../../controller/git/project-source.js";
import { checkoutCommit, readFileAtCommit } from "../../../runtime-drivers/checkout.js";
import { createCommandRunner } from "../../../runtime-drivers/exec.js";
import { createStudyRepo } from "../../support/study-repo.js";

const OTHER_UID = 54_321;
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function othersRepo() {
  const repo = createStudyRepo({ "project.yaml": "version: '5.0'\n", "analysis/a.sh": "echo a\n" });
  dirs.push(repo.path);
  execFileSync("chown", ["-R", `${OTHER_UID}:${OTHER_UID}`, repo.path]);
  return repo;
}

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

describe.runIf(process.getuid?.() === 0)("a local repository owned by another user", () => {
  it("is refused by plain git (the failure this guards against)", () => {
    const repo = othersRepo();
    const result = (() => {
      try {
        return execFileSync("git", ["-C", repo.path, "cat-file", "-t", repo.commit], { encoding: "utf8", stdio: "pipe" });
      } catch (error) {
        return String((error as { stderr: string }).stderr);
      }
    })();
    expect(result).toContain("detected dubious ownership in repository");
  });

  it("is read by the controller's project source", async () => {
    const repo = othersRepo();
    const source = new ProjectSource({
      allowLocalGitRepos: true,
      allowedGithubOrgs: [],
      reposDir: "/nonexistent",
      githubProxyDomain: "",
      privateRepoAccessToken: "",
      env: { PATH: process.env.PATH ?? "" },
    });
    expect(await source.readFile(repo.path, repo.commit, "project.yaml")).toBe("version: '5.0'\n");
  });

  it("is checked out and read by the agent", async () => {
    const repo = othersRepo();
    const target = mkdtempSync(path.join(tmpdir(), "rap-checkout-"));
    dirs.push(target);
    const options = {
      reposDir: path.join(target, "repos"),
      tokenUser: "x",
      runner: createCommandRunner({ baseEnv: { PATH: process.env.PATH ?? "" }, debug: false, log: quiet }),
    };
    const signal = AbortSignal.timeout(60_000);
    expect(await readFileAtCommit(repo.path, repo.commit, "project.yaml", options, signal)).toBe("version: '5.0'\n");
    await checkoutCommit(repo.path, repo.commit, target, options, signal);
    expect(readFileSync(path.join(target, "analysis/a.sh"), "utf8")).toBe("echo a\n");
  });
});
