/**
 * The controller as a separate OS process (`rap controller`), so a test can SIGKILL it mid-job and
 * start it again on the same port and database.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { ADMIN_TOKEN, AGENT_TOKEN, CLIENT_TOKEN } from "./controller-harness.js";

const root = path.resolve(import.meta.dirname, "../..");

export interface ControllerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly url: string;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export function controllerEnv(workdir: string, port: number): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
    WORKDIR: workdir,
    HOST: "127.0.0.1",
    PORT: String(port),
    BACKENDS: "test",
    TEST_CLIENT_TOKENS: CLIENT_TOKEN,
    TEST_AGENT_TOKEN: AGENT_TOKEN,
    RAP_ADMIN_TOKEN: ADMIN_TOKEN,
    ALLOW_LOCAL_GIT_REPOS: "true",
  };
}

/** The port in the controller's JSON "controller listening" log line, once it has been written. */
function listeningPort(output: string): number | undefined {
  const complete = output.split("\n").slice(0, -1);
  for (const line of complete) {
    if (!line.includes('"controller listening"')) continue;
    const parsed = JSON.parse(line) as { port?: number };
    return parsed.port;
  }
  return undefined;
}

/** Runs `rap migrate`, then starts `rap controller` and resolves once it listens. */
export async function spawnController(
  workdir: string,
  port = 0,
  extraEnv: Readonly<Record<string, string>> = {},
): Promise<ControllerProcess> {
  const env = { ...controllerEnv(workdir, port), ...extraEnv };
  execFileSync(process.execPath, ["--import", "tsx", path.join(root, "cli/main.ts"), "migrate"], { env, cwd: root });
  const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "cli/main.ts"), "controller"], {
    env,
    cwd: root,
    stdio: ["ignore", "ignore", "pipe"],
  });
  const listening = await new Promise<number>((resolve, reject) => {
    let output = "";
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const port = listeningPort(output);
      if (port !== undefined) {
        child.stderr?.off("data", onData);
        child.stderr?.resume();
        resolve(port);
      }
    };
    child.stderr?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`controller exited with ${code}: ${output}`)));
  });
  return {
    child,
    port: listening,
    url: `http://127.0.0.1:${listening}`,
    kill: (signal) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill(signal);
      }),
  };
}
