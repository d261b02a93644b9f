/**
 * The layering rule of .dependency-cruiser.cjs (run over the real tree by `npm run check:layers` in
 * the test command) must itself be able to fail. Each case writes a tiny tree in a temporary folder
 * with the repository's paths, runs the same depcruise command over it and reads its verdict.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterEach, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../../..");
const depcruise = path.join(root, "node_modules/.bin/depcruise");
const config = path.join(root, ".dependency-cruiser.cjs");

const scratch: string[] = [];
afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Writes `files` (path -> source) under a temporary root and runs the layering check there. */
async function checkTree(files: Record<string, string>): Promise<{ exitCode: number; output: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), "rap-layering-"));
  scratch.push(dir);
  const tsconfig = { compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", strict: true } };
  writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(tsconfig));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  const result = await execa(depcruise, ["--config", config, "--output-type", "err", "."], {
    cwd: dir,
    reject: false,
    all: true,
  });
  return { exitCode: result.exitCode ?? -1, output: result.all };
}

describe("layering rule", () => {
  it("passes a tree that keeps the layers", async () => {
    const result = await checkTree({
      "controller/rest/gateway.ts": 'import { create } from "../rap/create.js";\nexport const route = create;\n',
      "controller/rap/create.ts": 'import { insert } from "../store/jobs.js";\nexport const create = insert;\n',
      "controller/store/jobs.ts": 'import type { Job } from "../jobs/job.js";\nexport const insert = (job: Job) => job;\n',
      "controller/jobs/job.ts": "export interface Job { id: string }\n",
    });
    expect(result.output).toContain("no dependency violations found");
    expect(result.exitCode).toBe(0);
  });

  it("fails on each kind of forbidden edge, naming it", async () => {
    const result = await checkTree({
      // store/ importing a face
      "controller/store/jobs.ts": 'import { route } from "../rest/gateway.js";\nexport const insert = route;\n',
      "controller/rest/gateway.ts": "export const route = 1;\n",
      // the domain importing a face
      "controller/scheduling/round.ts": 'import { render } from "../rpc/convert.js";\nexport const round = render;\n',
      "controller/rpc/convert.ts": "export const render = 1;\n",
      // the controller importing the agent
      "controller/rap/create.ts": 'import { run } from "../../agent/run.js";\nexport const create = run;\n',
      "agent/run.ts": "export const run = 1;\n",
      // a cycle inside one folder
      "agent/a.ts": 'import { b } from "./b.js";\nexport const a = () => b;\n',
      "agent/b.ts": 'import { a } from "./a.js";\nexport const b = () => a;\n',
    });
    expect(result.output).toContain("error store-not-upwards: controller/store/jobs.ts → controller/rest/gateway.ts");
    expect(result.output).toContain("error domain-not-to-faces: controller/scheduling/round.ts → controller/rpc/convert.ts");
    expect(result.output).toContain("error controller-agent-apart: controller/rap/create.ts → agent/run.ts");
    expect(result.output).toMatch(/error no-cycles: agent\/(a|b)\.ts →/);
    expect(result.output).toContain("x 4 dependency violations (4 errors, 0 warnings)");
    expect(result.exitCode).not.toBe(0);
  });
});
