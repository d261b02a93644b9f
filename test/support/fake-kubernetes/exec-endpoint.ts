/**
 * The fake API server's pods/exec: the WebSocket upgrade on
 * /api/v1/namespaces/{ns}/pods/{name}/exec with the channel protocol (v5.channel.k8s.io, or
 * v4.channel.k8s.io): one byte of channel before each message, 0 stdin, 1 stdout, 2 stderr,
 * 3 the closing Status, 4 resize as JSON, and in v5 255 to close a stream. The query is checked as
 * the real server checks it (a command, at least one stream, a container of the pod); as the
 * kubelet does, stderr is dropped when a terminal is asked for. The fake kubelet runs the command
 * in the pod's real docker container. A test double of the protocol client-node and kubectl speak.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type RawData, type WebSocket } from "ws";

/** A command the kubelet runs in a pod's container, as the endpoint drives it. */
export interface PodProcess {
  onOutput(listener: (channel: 1 | 2, chunk: Buffer) => void): void;
  write(input: Buffer): void;
  /** The client closed stdin. */
  endInput(): void;
  resize(columns: number, rows: number): void;
  readonly exited: Promise<number>;
  kill(): void;
}

export interface ExecRequest {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string | undefined;
  readonly command: readonly string[];
  readonly tty: boolean;
  readonly stdin: boolean;
  readonly stdout: boolean;
  readonly stderr: boolean;
}

/** The kubelet's answer: a running process, or the HTTP status and message of a refusal. */
export type ExecStart = PodProcess | { readonly code: number; readonly reason: string; readonly message: string };

const PROTOCOLS = ["v5.channel.k8s.io", "v4.channel.k8s.io"] as const;
const STDIN = 0;
const STDOUT = 1;
const STATUS = 3;
const RESIZE = 4;
const CLOSE = 255;

function statusBody(code: number, reason: string, message: string) {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code };
}

/** The Status the server sends on channel 3 as the command ends. */
export function exitStatus(command: readonly string[], exitCode: number): Record<string, unknown> {
  if (exitCode === 0) return { metadata: {}, status: "Success" };
  return {
    metadata: {},
    status: "Failure",
    message: `command terminated with non-zero exit code: error executing command [${command.join(" ")}], exit code ${exitCode}`,
    reason: "NonZeroExitCode",
    details: { causes: [{ reason: "ExitCode", message: String(exitCode) }] },
  };
}

const flag = (query: URLSearchParams, name: string) => ["true", "1"].includes(query.get(name) ?? "");

/** The exec request in `url`, or undefined when the path is not a pod's exec. */
export function parseExecRequest(url: URL): ExecRequest | undefined {
  const parts = url.pathname.split("/").filter(Boolean);
  const [api, v1, namespaces, namespace, pods, pod, exec] = parts;
  if (parts.length !== 7 || api !== "api" || v1 !== "v1" || namespaces !== "namespaces" || pods !== "pods" || exec !== "exec")
    return undefined;
  const tty = flag(url.searchParams, "tty");
  return {
    namespace: namespace ?? "",
    pod: pod ?? "",
    container: url.searchParams.get("container") ?? undefined,
    command: url.searchParams.getAll("command"),
    tty,
    stdin: flag(url.searchParams, "stdin"),
    stdout: flag(url.searchParams, "stdout"),
    stderr: flag(url.searchParams, "stderr") && !tty,
  };
}

export class ExecEndpoint {
  private readonly sockets = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => PROTOCOLS.find((protocol) => offered.has(protocol)) ?? false,
  });
  private readonly open = new Set<WebSocket>();

  constructor(
    private readonly start: (request: ExecRequest) => ExecStart,
    private readonly count: () => void,
  ) {}

  /** Answers an HTTP upgrade: refuses it with a Status body, or runs the session. */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const exec = parseExecRequest(url);
    const refuse = (code: number, reason: string, message: string) => {
      const body = JSON.stringify(statusBody(code, reason, message));
      socket.end(
        `HTTP/1.1 ${code} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    };
    if (!exec) return refuse(404, "NotFound", `the server could not find the requested resource (${url.pathname})`);
    this.count();
    if (exec.command.length === 0) return refuse(400, "BadRequest", "you must specify at least 1 command");
    if (!exec.stdin && !exec.stdout && !exec.stderr)
      return refuse(400, "BadRequest", "you must specify at least 1 of stdin, stdout, stderr");
    const offered = String(request.headers["sec-websocket-protocol"] ?? "")
      .split(",")
      .map((protocol) => protocol.trim());
    if (!PROTOCOLS.some((protocol) => offered.includes(protocol)))
      return refuse(400, "BadRequest", `none of the offered subprotocols is supported: ${offered.join(", ")}`);
    const started = this.start(exec);
    if ("code" in started) return refuse(started.code, started.reason, started.message);
    this.sockets.handleUpgrade(request, socket, head, (ws) => this.session(ws, exec, started));
  }

  private session(ws: WebSocket, exec: ExecRequest, child: PodProcess): void {
    this.open.add(ws);
    child.onOutput((channel, chunk) => {
      if (channel === STDOUT ? exec.stdout : exec.stderr) ws.send(Buffer.concat([Buffer.from([channel]), chunk]));
    });
    ws.on("message", (data: RawData) => {
      const message = Buffer.isBuffer(data) ? data : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]);
      const channel = message[0];
      const payload = message.subarray(1);
      if (channel === STDIN && exec.stdin) child.write(payload);
      else if (channel === RESIZE) {
        // Go's JSON decoding matches field names without regard to case: {"Width": …} or {"width": …}.
        const size = JSON.parse(payload.toString("utf8")) as Record<string, unknown>;
        const field = (name: string) => Number(Object.entries(size).find(([key]) => key.toLowerCase() === name)?.[1]);
        const [columns, rows] = [field("width"), field("height")];
        if (columns > 0 && rows > 0) child.resize(columns, rows);
      } else if (channel === CLOSE && payload[0] === STDIN) child.endInput();
    });
    ws.on("close", () => {
      this.open.delete(ws);
      child.kill();
    });
    void child.exited.then((code) => {
      if (ws.readyState !== ws.OPEN) return;
      ws.send(Buffer.concat([Buffer.from([STATUS]), Buffer.from(JSON.stringify(exitStatus(exec.command, code)))]));
      ws.close(1000);
    });
  }

  close(): void {
    for (const ws of this.open) ws.terminate();
    this.open.clear();
    this.sockets.close();
  }
}
