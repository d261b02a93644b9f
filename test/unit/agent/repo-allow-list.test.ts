import { describe, expect, it } from "vitest";
import { checkTaskRepository } from "../../../agent/repo-allow-list.js";

const SHA = "0123456789abcdef0123456789abcdef01234567";
const policy = { allowedGithubOrgs: ["opensafely", "opensafely-actions"], allowLocalGitRepos: false };

describe("the agent's own repository check", () => {
  it.each(["https://github.com/opensafely/my-study", "https://github.com/opensafely-actions/cohort-joiner/"])(
    "accepts %s",
    (repoUrl) => {
      expect(() => checkTaskRepository(policy, { repoUrl, commit: SHA })).not.toThrow();
    },
  );

  it.each([
    [
      "https://github.com/evil/study",
      "Repository https://github.com/evil/study does not belong to one of the following Github organisations: opensafely opensafely-actions",
    ],
    [
      "https://evil.example/opensafely/study",
      "Repository https://evil.example/opensafely/study was not of the expected format: https://github.com/[organisation]/[project-name]",
    ],
    [
      "https://user:token@github.com/opensafely/study",
      "Repository https://user:token@github.com/opensafely/study was not of the expected format: https://github.com/[organisation]/[project-name]",
    ],
    [
      "https://github.com/opensafely/study/tree/x",
      "Repository https://github.com/opensafely/study/tree/x was not of the expected format: https://github.com/[organisation]/[project-name]",
    ],
    ["/srv/code/study", "Repository /srv/code/study is a local path and this agent does not allow local repositories"],
    [
      "file:///srv/code/study",
      "Repository file:///srv/code/study is a local path and this agent does not allow local repositories",
    ],
  ])("refuses %s", (repoUrl, message) => {
    expect(() => checkTaskRepository(policy, { repoUrl, commit: SHA })).toThrow(message);
  });

  it("accepts a local repository where the agent allows them", () => {
    expect(() =>
      checkTaskRepository({ ...policy, allowLocalGitRepos: true }, { repoUrl: "/srv/code/study", commit: SHA }),
    ).not.toThrow();
  });

  it.each(["abc1234", "HEAD", `${SHA}0`, SHA.toUpperCase(), "main"])("refuses the commit %s", (commit) => {
    expect(() => checkTaskRepository(policy, { repoUrl: "https://github.com/opensafely/study", commit })).toThrow(
      `Commit '${commit}' is not a full 40-character sha; this agent will not fetch it`,
    );
  });
});
