/**
 * A real image registry for the image digest tests: Debian's docker-registry package (Docker's
 * distribution, the server behind most registries), started per test file on a free 127.0.0.1
 * port with its storage in a temporary directory. docker and podman both treat a loopback registry
 * as plain HTTP (podman through the registries.conf written here). scripts/setup.sh installs it.
 */
import { execa, type ResultPromise } from "execa";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { waitFor } from "./wait-for.js";

export interface ImageRegistry {
  /** `127.0.0.1:<port>` */
  readonly host: string;
  /** A registries.conf marking this registry insecure, for podman (CONTAINERS_REGISTRIES_CONF). */
  readonly podmanRegistriesConf: string;
  /** The digest the registry names for `repository:tag` now (what the controller will resolve). */
  digestOf(repository: string, tag: string): Promise<string>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

const MANIFEST_ACCEPT =
  "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, " +
  "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json";

export async function startImageRegistry(): Promise<ImageRegistry> {
  const dir = mkdtempSync(path.join(tmpdir(), "rap-registry-"));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config = path.join(dir, "config.yml");
  writeFileSync(
    config,
    [
      "version: 0.1",
      "log:",
      "  level: warn",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${path.join(dir, "data")}`,
      "  delete:",
      "    enabled: true",
      "http:",
      `  addr: ${host}`,
      "",
    ].join("\n"),
  );
  const podmanRegistriesConf = path.join(dir, "registries.conf");
  // Both spellings: the tests reach it as 127.0.0.1 and, as a "proxy", as localhost.
  const entries = [host, `localhost:${port}`].map((location) => `[[registry]]\nlocation = "${location}"\ninsecure = true\n`);
  writeFileSync(podmanRegistriesConf, entries.join("\n"));
  const child: ResultPromise = execa("docker-registry", ["serve", config], { reject: false, all: true, buffer: true });
  let exited = false;
  void child.then(() => (exited = true));
  const stop = async () => {
    child.kill("SIGTERM");
    await child;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      async () => {
        if (exited) throw new Error(`docker-registry exited: ${String((await child).all)}`);
        const answer = await fetch(`http://${host}/v2/`).catch(() => undefined);
        return answer?.status === 200 ? true : undefined;
      },
      { timeoutMs: 20_000, message: "the registry to answer" },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    host,
    podmanRegistriesConf,
    async digestOf(repository, tag) {
      const answer = await fetch(`http://${host}/v2/${repository}/manifests/${tag}`, {
        method: "HEAD",
        headers: { accept: MANIFEST_ACCEPT },
      });
      const digest = answer.headers.get("docker-content-digest");
      if (answer.status !== 200 || !digest) throw new Error(`${repository}:${tag} is not in the registry (${answer.status})`);
      return digest;
    },
    stop,
  };
}
