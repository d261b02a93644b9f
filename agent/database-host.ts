/**
 * The `--add-host` entry that lets a database job find its database while DNS is blocked (as
 * upstream): the agent resolves the host of the job's DATABASE_URL itself and pins it in the
 * container's /etc/hosts. A URL whose host is already an address needs no entry.
 */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";

/** Host name -> IPv4/IPv6 address, as the agent's resolver sees it. */
export type HostResolver = (host: string) => Promise<string>;

export const systemResolver: HostResolver = async (host) => (await lookup(host)).address;

/** The database host of a connection URL, or undefined when it has none or is an address. */
export function databaseHostName(databaseUrl: string): string | undefined {
  let host: string;
  try {
    host = new URL(databaseUrl).hostname;
  } catch {
    return undefined;
  }
  const bare = host.replace(/^\[(.*)\]$/, "$1");
  return bare === "" || isIP(bare) !== 0 ? undefined : bare;
}

/**
 * `["--add-host", "<host>:<address>"]` for the URL's host, or [] when the URL names an address or
 * its host cannot be resolved here (then the job cannot find it either and fails connecting, its
 * log saying so; `onUnresolved` names the host only, since the URL carries the password).
 */
export async function addHostArgs(
  databaseUrl: string,
  resolve: HostResolver = systemResolver,
  onUnresolved: (host: string, error: unknown) => void = () => undefined,
): Promise<string[]> {
  const host = databaseHostName(databaseUrl);
  if (host === undefined) return [];
  try {
    return ["--add-host", `${host}:${await resolve(host)}`];
  } catch (error) {
    onUnresolved(host, error);
    return [];
  }
}
