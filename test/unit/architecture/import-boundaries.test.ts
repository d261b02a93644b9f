/**
 * DESIGN §8: controller/, agent/ and runtime-drivers/ never import each other except as allowed;
 * only config.ts reads process.env; only main.ts installs signal handlers. This reads every .ts file
 * and fails on a forbidden edge, independent of lint configuration.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../../..");

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)));
}

/** Top-level folders a file imports (relative imports only), e.g. ["gen", "runtime-drivers"]. */
export function importedFolders(file: string, text: string): string[] {
  const specifiers = [...text.matchAll(/(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g)].map(
    (match) => match[1] ?? match[2] ?? "",
  );
  return specifiers
    .filter((specifier) => specifier.startsWith("."))
    .map(
      (specifier) => path.relative(root, path.resolve(path.dirname(path.join(root, file)), specifier)).split(path.sep)[0] ?? "",
    );
}

// common/ holds a few dependency-free utilities every side may use; it imports nothing of the project.
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  common: ["common"],
  "runtime-drivers": ["runtime-drivers", "common"],
  agent: ["agent", "gen", "runtime-drivers", "common"],
  controller: ["controller", "gen", "common"],
};

describe("import boundaries", () => {
  for (const [folder, allowed] of Object.entries(ALLOWED)) {
    it(`${folder}/ imports only ${allowed.join(", ")}`, () => {
      const violations = sourceFiles(folder).flatMap((file) =>
        importedFolders(file, readFileSync(path.join(root, file), "utf8"))
          .filter((target) => !allowed.includes(target))
          .map((target) => `${file} -> ${target}/`),
      );
      expect(violations).toEqual([]);
    });
  }

  it("detects a forbidden edge (the check itself can fail)", () => {
    expect(importedFolders("controller/x.ts", 'import { a } from "../agent/agent.js";')).toEqual(["agent"]);
    expect(importedFolders("agent/x.ts", 'export { b } from "../controller/config.js";')).toEqual(["controller"]);
  });

  it("only config.ts files read process.env", () => {
    const readers = ["controller", "agent", "runtime-drivers"]
      .flatMap(sourceFiles)
      .filter((file) => /process\.env\b/.test(readFileSync(path.join(root, file), "utf8")))
      .filter((file) => path.basename(file) !== "config.ts");
    expect(readers).toEqual([]);
  });

  it("only main.ts files install signal handlers", () => {
    const handlers = ["controller", "agent", "runtime-drivers", "cli"]
      .flatMap(sourceFiles)
      .filter((file) => /process\.on\(\s*["']SIG/.test(readFileSync(path.join(root, file), "utf8")))
      .filter((file) => path.basename(file) !== "main.ts");
    expect(handlers).toEqual([]);
  });
});
