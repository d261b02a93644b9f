/**
 * How a test starts `rap` as a process: from the source tree through tsx (the default), or from an
 * installed package with plain node (test/integration/packed-install.test.ts).
 */
import path from "node:path";

export interface RapCommand {
  /** Arguments to `node` before the rap subcommand. */
  readonly argv: readonly string[];
  readonly cwd: string;
}

const root = path.resolve(import.meta.dirname, "../..");

export const SOURCE_RAP: RapCommand = Object.freeze({ argv: ["--import", "tsx", path.join(root, "cli/main.ts")], cwd: root });
