/**
 * The set-up's stand-in images: built by scripts/build-images.sh in real docker and podman, every one
 * named rap-standin/<name>:<tag>, none named like a real registry image (a registry host or the
 * opensafely-core namespace), so they cannot shadow real OpenSAFELY images on the same machine.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const NAMES = ["ehrql", "jupyter", "python", "r", "sqlrunner", "stata-mp", "tpp-database-utils"];
const EXPECTED = NAMES.flatMap((name) => ["latest", "v1", "v2"].map((tag) => `rap-standin/${name}:${tag}`)).sort();

function standinImages(runtime: "docker" | "podman"): string[] {
  const out = execFileSync(
    runtime,
    ["images", "--filter", "label=org.rap-runner.standin=true", "--format", "{{.Repository}}:{{.Tag}}"],
    { encoding: "utf8" },
  );
  // podman shows local images under localhost/: that is its name for "no registry".
  return [
    ...new Set(
      out
        .split("\n")
        .filter(Boolean)
        .map((name) => name.replace(/^localhost\//, "")),
    ),
  ].sort();
}

describe.each(["docker", "podman"] as const)("stand-in images in %s", (runtime) => {
  it("are all rap-standin/ names, and none looks like a real registry image", () => {
    execFileSync("bash", [path.join(root, "scripts/build-images.sh"), runtime], { stdio: "ignore" });
    const images = standinImages(runtime);
    expect(images).toEqual(EXPECTED);
    for (const image of images) {
      const firstPart = image.split("/")[0] ?? "";
      // A first path part with a dot or colon is a registry host (ghcr.io, docker.io, localhost:5000).
      expect(firstPart).not.toMatch(/[.:]/);
      expect(image).not.toContain("opensafely-core");
    }
  });
});
