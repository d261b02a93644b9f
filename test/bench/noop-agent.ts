/**
 * A real agent whose executor finishes every job at once, as its own process: the benchmarks'
 * stand-in for an agent on another machine, so its work is not counted against the controller's.
 * Settings come from the environment (CONTROLLER_URL, AGENT_TOKEN, BACKEND); it writes "connected"
 * once its stream is up and stops on SIGTERM.
 * Run: CONTROLLER_URL=... AGENT_TOKEN=... BACKEND=... node --import tsx test/bench/noop-agent.ts
 */
import { agentConfig, startAgent } from "../support/agent-harness.js";
import { recording } from "./recording-executor.js";

const setting = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const agent = startAgent(
  agentConfig(setting("CONTROLLER_URL"), { AGENT_TOKEN: setting("AGENT_TOKEN"), BACKEND: setting("BACKEND") }),
  recording(undefined, new Map(), new Set()),
);
agent.agent.onStateChange = (state) => {
  if (state === "connected") process.stdout.write("connected\n");
};
process.once("SIGTERM", () => void agent.stop().then(() => process.exit(0)));
await agent.done;
