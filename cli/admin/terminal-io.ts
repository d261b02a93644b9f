/** The real terminal for admin commands: stdout, stderr, a y/N question and a typed answer read from stdin. */
import { once } from "node:events";
import { createInterface } from "node:readline/promises";
import type { CliIo } from "../cli-runtime.js";

export function terminalIo(): CliIo {
  return {
    isTerminal: process.stdout.isTTY === true,
    columns: process.stdout.isTTY ? process.stdout.columns : undefined,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    confirm: async (question) => {
      const lines = createInterface({ input: process.stdin, output: process.stdout });
      try {
        // End of input (no terminal, nothing piped) counts as "no".
        const answer = await Promise.race([lines.question(`${question} `), once(lines, "close").then(() => "")]);
        return answer.trim().toLowerCase() === "y";
      } finally {
        lines.close();
      }
    },
    ask: async (question) => {
      const lines = createInterface({ input: process.stdin, output: process.stdout });
      try {
        // End of input, or Ctrl-C at the prompt (readline takes it from the terminal): no answer.
        const ended = new Promise<undefined>((resolve) => {
          lines.once("close", () => resolve(undefined));
          lines.once("SIGINT", () => {
            process.stdout.write("\n");
            resolve(undefined);
          });
        });
        return await Promise.race([lines.question(question), ended]);
      } finally {
        lines.close();
      }
    },
  };
}
