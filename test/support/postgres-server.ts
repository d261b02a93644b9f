/**
 * A real PostgreSQL server (Debian's postgresql package) for database-network tests: a throwaway
 * cluster owned by the `postgres` user, listening on one address (the docker bridge's gateway, so
 * containers on that network reach it and nothing else needs to), with password authentication.
 * scripts/setup.sh installs the package.
 */
import { execa } from "execa";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

export interface PostgresServer {
  readonly host: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** The newest installed server's binaries, e.g. /usr/lib/postgresql/15/bin; undefined if none. */
export function postgresBinDir(): string | undefined {
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((name) => existsSync(path.join(base, name, "bin/pg_ctl")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : path.join(base, versions[0], "bin");
}

/** A port free on `host` now (the server needs a number; port 0 is not an option for postgres). */
async function freePort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, host, resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** Starts a cluster with one password user and database; resolves once it accepts connections. */
export async function startPostgres(options: {
  readonly host: string;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}): Promise<PostgresServer> {
  const bin = postgresBinDir();
  if (!bin) throw new Error("PostgreSQL is not installed (scripts/setup.sh installs the postgresql package)");
  const dir = mkdtempSync(path.join(tmpdir(), "rap-postgres-"));
  chmodSync(dir, 0o755);
  const data = path.join(dir, "data");
  const passwordFile = path.join(dir, "password");
  writeFileSync(passwordFile, `${options.password}\n`, { mode: 0o644 });
  await execa("chown", ["-R", "postgres:postgres", dir]);
  const asPostgres = (command: string, args: string[]) =>
    execa("runuser", ["-u", "postgres", "--", path.join(bin, command), ...args]);
  await asPostgres("initdb", ["-D", data, "-U", options.user, "--pwfile", passwordFile, "--auth=scram-sha-256"]);
  writeFileSync(path.join(data, "pg_hba.conf"), "host all all 0.0.0.0/0 scram-sha-256\nlocal all all scram-sha-256\n");
  const port = await freePort(options.host);
  const serverOptions = `-c listen_addresses=${options.host} -p ${port} -k ${dir}`;
  await asPostgres("pg_ctl", ["start", "-w", "-D", data, "-l", path.join(dir, "server.log"), "-o", serverOptions]);
  const stop = async () => {
    await asPostgres("pg_ctl", ["stop", "-w", "-m", "fast", "-D", data]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await execa(
      "psql",
      ["-h", options.host, "-p", String(port), "-U", options.user, "-d", "postgres", "-c", `CREATE DATABASE ${options.database}`],
      {
        env: { PGPASSWORD: options.password },
      },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    host: options.host,
    port,
    stop,
  };
}

/** The host side of a docker network (its gateway): where a server must listen for its containers. */
export async function networkGateway(network: string): Promise<string> {
  const { stdout } = await execa("docker", ["network", "inspect", network, "--format", "{{json .IPAM.Config}}"]);
  const config = (JSON.parse(stdout) as { Subnet?: string; Gateway?: string }[]).find((entry) => entry.Subnet?.includes("."));
  if (config?.Gateway) return config.Gateway;
  // Docker leaves Gateway out for its default bridge: the gateway is the subnet's first address.
  const base = config?.Subnet?.split("/")[0]?.split(".").map(Number);
  if (!base || base.length !== 4) throw new Error(`network ${network} has no IPv4 subnet`);
  return [base[0], base[1], base[2], (base[3] ?? 0) + 1].join(".");
}
