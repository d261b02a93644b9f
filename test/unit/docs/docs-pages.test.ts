/**
 * The docs stay whole: every status code has its troubleshooting entry, every runtime dependency
 * its line on the dependencies page, and no README or docs link leads to a file outside the
 * repository (or to one that does not exist).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { STATUS_CODES } from "../../../controller/jobs/status.js";

const root = path.resolve(import.meta.dirname, "../../..");
const read = (file: string) => readFileSync(path.join(root, file), "utf8");

function pages(): string[] {
  return [
    "README.md",
    ...readdirSync(path.join(root, "docs"))
      .filter((file) => file.endsWith(".md"))
      .map((file) => `docs/${file}`),
  ];
}

/** Links and file references that should stay inside the repository, with the file they are in. */
function localReferences(file: string, text: string): { target: string; resolved: string }[] {
  const found: string[] = [];
  for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) found.push(match[1] ?? "");
  for (const match of text.matchAll(/href="([^"]+)"/g)) found.push(match[1] ?? "");
  // Code spans naming a relative or absolute path (`../shared/DESIGN.md`, `/work/...`).
  for (const match of text.matchAll(/`((?:\.\.\/|\/work\/|\/home\/)[^`\s]+)`/g)) found.push(match[1] ?? "");
  return found
    .filter((target) => target !== "" && !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith("#"))
    .map((target) => {
      const bare = target.split("#")[0] ?? "";
      return { target, resolved: path.resolve(path.dirname(path.join(root, file)), bare) };
    });
}

describe("docs pages", () => {
  it("troubleshooting has an entry for every status code", () => {
    const page = read("docs/troubleshooting.md");
    const headings = [...page.matchAll(/^### `([a-z_]+)`$/gm)].map((match) => match[1]);
    expect(headings.sort()).toEqual([...STATUS_CODES].sort());
  });

  it("the dependencies page names every runtime dependency", () => {
    const page = read("docs/dependencies.md");
    const dependencies = Object.keys((JSON.parse(read("package.json")) as { dependencies: Record<string, string> }).dependencies);
    for (const name of dependencies) expect(page, name).toContain(`| \`${name}\` |`);
    expect(page).toContain("**simple-git**");
  });

  it("no README or docs link points outside the repository or at a missing file", () => {
    const problems: string[] = [];
    for (const file of pages()) {
      for (const { target, resolved } of localReferences(file, read(file))) {
        if (!resolved.startsWith(`${root}${path.sep}`) && resolved !== root)
          problems.push(`${file}: ${target} is outside the repository`);
        else if (!existsSync(resolved)) problems.push(`${file}: ${target} does not exist`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("the link check catches what it should", () => {
    const refs = localReferences(
      "docs/x.md",
      "[a](../../shared/DESIGN.md) `../shared/reference/x.md` [b](https://x.org) [c](#here)",
    );
    expect(refs.map((ref) => ref.target)).toEqual(["../../shared/DESIGN.md", "../shared/reference/x.md"]);
    expect(refs.every((ref) => !ref.resolved.startsWith(`${root}${path.sep}docs`))).toBe(true);
  });
});
