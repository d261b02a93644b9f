/**
 * TLS on the one port with certificates made in the test (openssl): job-server's REST calls over
 * HTTPS (ALPN http/1.1), `buf curl` over TLS by reflection (ALPN h2), agents authenticated by client
 * certificate (mTLS) on top of their token, and a renewed certificate served without a restart.
 */
import { X509Certificate } from "node:crypto";
import { copyFileSync, readFileSync } from "node:fs";
import http2 from "node:http2";
import https from "node:https";
import path from "node:path";
import tls from "node:tls";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentConfig, startAgent } from "../support/agent-harness.js";
import { ADMIN_TOKEN, CLIENT_TOKEN, startController, type ControllerHarness } from "../support/controller-harness.js";
import { createTestPki, type CertPair, type TestPki } from "../support/test-certs.js";
import { waitFor } from "../support/wait-for.js";

const BUF = path.join(path.dirname(fileURLToPath(import.meta.url)), "../../node_modules/.bin/buf");

let pki: TestPki;
let controller: ControllerHarness;
let url: string;
let serverCert: CertPair;
let testClient: CertPair;
let tppClient: CertPair;
let strangerClient: CertPair;

beforeAll(async () => {
  pki = await createTestPki();
  const first = await pki.server("first");
  // The controller reads fixed paths; rotation replaces the files behind them.
  serverCert = { cert: path.join(pki.dir, "served.crt"), key: path.join(pki.dir, "served.key") };
  copyFileSync(first.cert, serverCert.cert);
  copyFileSync(first.key, serverCert.key);
  testClient = await pki.client("test");
  tppClient = await pki.client("tpp");
  strangerClient = await pki.client("test", await pki.otherCa("stranger-ca"));
  controller = await startController({
    env: { TLS_CERT_FILE: serverCert.cert, TLS_KEY_FILE: serverCert.key, TLS_CLIENT_CA_FILE: pki.ca.cert },
  });
  url = `https://127.0.0.1:${controller.app.port}`;
}, 60_000);

afterAll(async () => {
  await controller?.dispose();
  pki?.dispose();
});

/** One HTTPS/1.1 request trusting the test CA; resolves with status, body and the negotiated ALPN. */
function httpsGet(pathname: string, token: string): Promise<{ status: number; body: string; alpn: string | false | null }> {
  return new Promise((resolve, reject) => {
    const request = https.request(
      `${url}${pathname}`,
      {
        ca: readFileSync(pki.ca.cert),
        headers: { authorization: token },
        agent: false,
        // As job-server's HTTP client (urllib3) offers it.
        ALPNProtocols: ["http/1.1"],
      } as https.RequestOptions & tls.ConnectionOptions,
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString("utf8"),
            alpn: (response.socket as tls.TLSSocket).alpnProtocol,
          }),
        );
      },
    );
    request.on("error", reject);
    request.end();
  });
}

/** The SHA-256 fingerprint of the certificate the controller serves now. */
function servedFingerprint(): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect(
      { host: "127.0.0.1", port: controller.app.port, ca: readFileSync(pki.ca.cert), servername: "localhost" },
      () => {
        resolve(socket.getPeerCertificate().fingerprint256);
        socket.destroy();
      },
    );
    socket.on("error", reject);
  });
}

describe("TLS on the one port", () => {
  it("answers job-server's REST calls over HTTPS (ALPN http/1.1) and refuses plain HTTP on the port", async () => {
    const status = await httpsGet("/controller/v1/backend/status/", CLIENT_TOKEN);
    expect(status.alpn).toBe("http/1.1");
    expect(status.status).toBe(200);
    expect((JSON.parse(status.body) as { backends: { slug: string }[] }).backends.map((b) => b.slug)).toEqual(["test"]);
    await expect(fetch(`http://127.0.0.1:${controller.app.port}/controller/v1/backend/status/`)).rejects.toThrow();
  });

  it("negotiates h2 for gRPC clients", async () => {
    const session = http2.connect(url, { ca: readFileSync(pki.ca.cert) });
    try {
      await new Promise<void>((resolve, reject) => {
        session.once("connect", () => resolve());
        session.once("error", reject);
      });
      expect(session.alpnProtocol).toBe("h2");
    } finally {
      session.close();
    }
  });

  it("serves `buf curl` over TLS through server reflection", async () => {
    const listed = await execa(BUF, ["curl", "--protocol", "grpc", "--cacert", pki.ca.cert, "--list-services", url]);
    expect(listed.stdout.trim().split("\n")).toContain("admin.v1.AdminService");
    const paused = await execa(BUF, [
      "curl",
      "--protocol",
      "grpc",
      "--cacert",
      pki.ca.cert,
      "-H",
      `authorization: ${ADMIN_TOKEN}`,
      "-d",
      '{"backend":"tpp"}',
      `${url}/admin.v1.AdminService/GetFlags`,
    ]);
    expect(JSON.parse(paused.stdout)).toEqual({});
  });
});

describe("mTLS for agents", () => {
  const tlsEnv = (client: CertPair | undefined): Record<string, string> => ({
    AGENT_TLS_CA_FILE: pki.ca.cert,
    ...(client ? { AGENT_TLS_CERT_FILE: client.cert, AGENT_TLS_KEY_FILE: client.key } : {}),
  });

  it("connects an agent whose client certificate names its backend", async () => {
    const agent = startAgent(agentConfig(url, tlsEnv(testClient)));
    try {
      const session = await waitFor(() => controller.app.sessions.get("test"), { message: "agent session" });
      expect(session.identity.agentId).toBe(agent.config.agentId);
    } finally {
      await agent.stop();
    }
    await waitFor(() => controller.app.sessions.get("test") === undefined, { message: "agent gone" });
  });

  it.each([
    ["no client certificate", undefined, "[unauthenticated] a client certificate is required on the agent stream"],
    ["another backend's certificate", "tpp", "[permission_denied] the client certificate is not valid for backend 'test'"],
    ["a certificate from another CA", "stranger", "[unauthenticated] the client certificate is not trusted"],
  ] as const)("refuses an agent with %s, although its token is right", async (_name, which, message) => {
    const client = which === "tpp" ? tppClient : which === "stranger" ? strangerClient : undefined;
    const agent = startAgent(agentConfig(url, tlsEnv(client)));
    const error = await agent.done.then(
      () => undefined,
      (caught: unknown) => caught as Error,
    );
    expect(error?.name).toBe("FatalSessionError");
    expect(error?.message).toContain(`controller refused this agent: ${message}`);
    expect(controller.app.sessions.get("test")).toBeUndefined();
  });
});

describe("certificate rotation", () => {
  it("serves a renewed certificate without a restart", async () => {
    const before = await servedFingerprint();
    const renewed = await pki.server("renewed");
    copyFileSync(renewed.key, serverCert.key);
    copyFileSync(renewed.cert, serverCert.cert);
    const expected = new X509Certificate(readFileSync(renewed.cert)).fingerprint256;
    expect(expected).not.toBe(before);
    await waitFor(async () => (await servedFingerprint()) === expected, { message: "renewed certificate served" });
    // Still the same process and port, and still answering.
    expect((await httpsGet("/controller/v1/backend/status/", CLIENT_TOKEN)).status).toBe(200);
  });
});
