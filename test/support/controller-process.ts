/**
 * The controller as a separate OS process (`rap controller`), so a test can SIGKILL it mid-job and
 * start it again on the same port and database.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { execFileSync } from "node:child_process";
import { ADMIN_TOKEN, AGENT_TOKEN, CLIENT_TOKEN } from "./controller-harness.js";
import { SOURCE_RAP, type RapCommand } from "./rap-command.js";

export interface ControllerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly url: string;
  /** Everything the process has written so far, stdout and stderr interleaved. */
  readonly output: () => string;
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
    // No registry is reachable here; the image digest tests turn it on with their own registry.
    RESOLVE_IMAGE_DIGESTS: "false",
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

/**
 * Runs `rap migrate`, then starts `rap controller` and resolves once it listens. `extraEnv` adds to
 * (or overrides) the test settings; the output of both commands is kept for `output()`. `rap` says
 * which `rap` runs (the source tree's by default).
 */
export async function spawnController(
  workdir: string,
  port = 0,
  extraEnv: Readonly<Record<string, string>> = {},
  rap: RapCommand = SOURCE_RAP,
): Promise<ControllerProcess> {
  const env = { ...controllerEnv(workdir, port), ...extraEnv };
  let output = execFileSync(process.execPath, [...rap.argv, "migrate"], {
    env,
    cwd: rap.cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  const child = spawn(process.execPath, [...rap.argv, "controller"], {
    env,
    cwd: rap.cwd,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    stderr += chunk.toString();
  });
  const listening = await new Promise<number>((resolve, reject) => {
    const onData = () => {
      const port = listeningPort(stderr);
      if (port === undefined) return;
      child.stderr?.off("data", onData);
      child.off("exit", onExit);
      resolve(port);
    };
    const onExit = (code: number | null) => reject(new Error(`controller exited with ${code}: ${output}`));
    child.stderr?.on("data", onData);
    child.once("exit", onExit);
  });
  return {
    child,
    port: listening,
    url: `http://127.0.0.1:${listening}`,
    output: () => output,
    kill: (signal) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill(signal);
      }),
  };
}
