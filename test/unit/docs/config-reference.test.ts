/**
 * docs/configuration.md is generated from the config code (scripts/config-reference.ts): this test
 * fails as soon as a config.ts reads a variable the page does not list, or changes a default.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { configReference, variablesOf } from "../../../scripts/config-reference.js";

const root = path.resolve(import.meta.dirname, "../../..");

describe("configuration reference", () => {
  it("is up to date with the config code (regenerate with: npm run docs:config)", () => {
    expect(readFileSync(path.join(root, "docs/configuration.md"), "utf8")).toBe(configReference());
  });

  it("finds variables, backend-prefixed names and defaults the way config.ts writes them", () => {
    const code = [
      '  const port = number(env, "PORT", 8000);',
      '    host: env.HOST ?? "0.0.0.0",',
      "  const maxWorkers = number(env, `${prefix}_MAX_WORKERS`, 10);",
      "    token: env[`${prefix}_AGENT_TOKEN`] ?? env.FALLBACK_TOKEN,",
    ].join("\n");
    expect(variablesOf(code).map(({ name, field, fallback }) => [name, field, fallback])).toEqual([
      ["PORT", "port", "8000"],
      ["HOST", "host", '"0.0.0.0"'],
      ["<BACKEND>_MAX_WORKERS", "maxWorkers", "10"],
      ["<BACKEND>_AGENT_TOKEN", "token", ""],
      ["FALLBACK_TOKEN", "token", ""],
    ]);
  });
});
