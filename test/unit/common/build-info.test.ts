/** The version services report: package.json's, with the build's commit as semver build metadata. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildInfo, versionString } from "../../../common/build-info.js";

const packageJson = path.resolve(import.meta.dirname, "../../../package.json");

describe("build info", () => {
  it("reads the version from package.json and, running from source, knows no commit", () => {
    const { version } = JSON.parse(readFileSync(packageJson, "utf8")) as { version: string };
    expect(buildInfo()).toEqual({ version, commit: undefined });
    expect(versionString()).toBe(version);
  });

  it("adds the first twelve characters of the commit as build metadata", () => {
    expect(versionString({ version: "1.2.3", commit: "0123456789abcdef0123456789abcdef01234567" })).toBe("1.2.3+g0123456789ab");
    expect(versionString({ version: "1.2.3", commit: undefined })).toBe("1.2.3");
  });
});
