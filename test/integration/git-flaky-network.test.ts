/**
 * The controller's git on a flaky network, against a real git server (git http-backend over HTTPS,
 * test/support/flaky-git-server.ts) standing in for the GitHub proxy: fetches that fail twice with
 * a proxy's 503 and then succeed are retried and the create's checks pass; a server that keeps
 * failing gives upstream's "try again later" message; a missing repository is not retried. And the
 * commit-on-branch check on a real repository with several branches.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProjectSource } from "../../controller/git/project-source.js";
import { startFlakyGitServer, type FlakyGitServer } from "../support/flaky-git-server.js";
import { createStudyRepo } from "../support/study-repo.js";
import { createTestPki, type TestPki } from "../support/test-certs.js";

const URL_ = "https://github.com/opensafely/study";
const git = (dir: string, ...args: string[]) =>
  execFileSync("git", ["-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { encoding: "utf8" }).trim();

let pki: TestPki;
let server: FlakyGitServer;
let first: string;
let head: string;
let featureOnly: string;

function source(): ProjectSource {
  return new ProjectSource({
    allowLocalGitRepos: false,
    allowedGithubOrgs: ["opensafely"],
    reposDir: mkdtempSync(path.join(tmpdir(), "rap-ctl-repos-")),
    githubProxyDomain: server.domain,
    privateRepoAccessToken: "",
    env: { PATH: process.env.PATH ?? "", GIT_SSL_CAINFO: pki.ca.cert },
    // Short waits: the test is about which failures are retried and what the user sees.
    networkRetry: { attempts: 4, budgetMs: 10_000, initialDelayMs: 20, maxDelayMs: 80 },
  });
}

beforeAll(async () => {
  pki = await createTestPki();
  const study = createStudyRepo({ "project.yaml": "version: '5.0'\nactions: {}\n" });
  first = study.commit;
  head = study.commitFiles({ "README.md": "second\n" });
  git(study.path, "checkout", "--quiet", "-b", "feature");
  featureOnly = study.commitFiles({ "feature.txt": "only on feature\n" });
  git(study.path, "checkout", "--quiet", "main");
  const root = mkdtempSync(path.join(tmpdir(), "rap-git-root-"));
  mkdirSync(path.join(root, "opensafely"));
  execFileSync("git", ["clone", "--quiet", "--mirror", study.path, path.join(root, "opensafely/study")]);
  server = await startFlakyGitServer(root, await pki.server());
});

afterAll(async () => {
  await server.close();
  pki.dispose();
});

describe("git fetches on a flaky network", () => {
  it("retries a fetch that fails twice with a 503, and the create's checks pass", async () => {
    const projects = source();
    const before = server.commandsSeen();
    server.failNext(2);
    await projects.validateCommit(URL_, "main", head);
    expect(server.commandsSeen() - before).toBe(3);
    server.failNext(2, 502);
    expect(await projects.readFile(URL_, head, "project.yaml")).toBe("version: '5.0'\nactions: {}\n");
  });

  it("gives upstream's try-again-later message when the server keeps failing", async () => {
    const projects = source();
    const before = server.commandsSeen();
    server.failNext(100);
    await expect(projects.validateCommit(URL_, "main", head)).rejects.toThrow(
      `Network error when fetching commit ${head} from ${URL_}\n(This may work if you try again later)`,
    );
    expect(server.commandsSeen() - before).toBe(4);
    await expect(projects.readFile(URL_, head, "project.yaml")).rejects.toThrow(
      `Network error when fetching commit ${head} from ${URL_}\n(This may work if you try again later)`,
    );
    server.failNext(0);
  });

  it("does not retry a repository that does not exist", async () => {
    const projects = source();
    const before = server.commandsSeen();
    const missing = "https://github.com/opensafely/missing";
    await expect(projects.readFile(missing, head, "project.yaml")).rejects.toThrow(
      `Error fetching commit ${head} from ${missing}`,
    );
    expect(server.commandsSeen() - before).toBe(1);
  });
});

describe("the commit-on-branch check on a repository with branches", () => {
  it("accepts the branch head and an older commit on the branch", async () => {
    const projects = source();
    await projects.validateCommit(URL_, "main", head);
    await projects.validateCommit(URL_, "main", first);
    await projects.validateCommit(URL_, "feature", featureOnly);
  });

  it("refuses a commit that is only on another branch, with upstream's message", async () => {
    await expect(source().validateCommit(URL_, "main", featureOnly)).rejects.toThrow(
      `Could not find commit on branch 'main': ${featureOnly}`,
    );
  });

  it("refuses a branch that does not exist", async () => {
    await expect(source().validateCommit(URL_, "nope", head)).rejects.toThrow("Could not find branch 'nope'");
  });
});
