/**
 * ProjectSource remembers files read at a full commit id (a commit names its content for good), so
 * repeated creates for one commit start no git process; a repository that vanished after the first
 * read shows it. What failed is not remembered, nor is anything read at an abbreviated id.
 */
import { renameSync, rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { ProjectSource } from "../../../controller/git/project-source.js";
import { createStudyRepo, type StudyRepo } from "../../support/study-repo.js";

const repos: StudyRepo[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) rmSync(repo.path, { recursive: true, force: true });
});

function source(): ProjectSource {
  return new ProjectSource({
    allowLocalGitRepos: true,
    allowedGithubOrgs: [],
    reposDir: "/nonexistent",
    githubProxyDomain: "",
    privateRepoAccessToken: "",
    env: { PATH: process.env.PATH ?? "" },
  });
}

function study(): StudyRepo {
  const repo = createStudyRepo({ "project.yaml": "version: '5.0'\n" });
  repos.push(repo);
  return repo;
}

describe("files read at a commit", () => {
  it("are served from memory once read at a full commit id", async () => {
    const repo = study();
    const projects = source();
    expect(await projects.readFile(repo.path, repo.commit, "project.yaml")).toBe("version: '5.0'\n");
    // Gone from disk: only memory can answer now.
    renameSync(repo.path, `${repo.path}-moved`);
    repos.push({ ...repo, path: `${repo.path}-moved` });
    expect(await projects.readFile(repo.path, repo.commit, "project.yaml")).toBe("version: '5.0'\n");
    await expect(projects.readFile(repo.path, repo.commit, "README.md")).rejects.toThrow(
      `Error fetching commit ${repo.commit} from ${repo.path}`,
    );
  });

  it("are read again when the id is abbreviated, and failures are not remembered", async () => {
    const repo = study();
    const projects = source();
    const short = repo.commit.slice(0, 12);
    expect(await projects.readFile(repo.path, short, "project.yaml")).toBe("version: '5.0'\n");
    renameSync(repo.path, `${repo.path}-away`);
    await expect(projects.readFile(repo.path, short, "project.yaml")).rejects.toThrow(`Error fetching commit ${short}`);
    await expect(projects.readFile(repo.path, repo.commit, "project.yaml")).rejects.toThrow("Error fetching commit");
    renameSync(`${repo.path}-away`, repo.path);
    expect(await projects.readFile(repo.path, repo.commit, "project.yaml")).toBe("version: '5.0'\n");
  });
});
