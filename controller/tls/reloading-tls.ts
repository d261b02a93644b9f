/**
 * The controller's certificate and key (and the CA it checks agents' client certificates against),
 * read into a TLS secure context and read again whenever one of the files changes, so a renewed
 * certificate is served without a restart (certbot, cert-manager and Kubernetes secret updates all
 * replace the files in place or swap a symlink in their directory, hence the directory watch).
 */
import { watch, type FSWatcher, readFileSync } from "node:fs";
import path from "node:path";
import tls from "node:tls";

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  /** Set: clients are asked for a certificate signed by this CA (mTLS for agents). */
  readonly clientCaFile: string | undefined;
}

/** Options for tls.createServer / setSecureContext, read from the files now. */
export function readSecureContextOptions(files: TlsFiles): tls.SecureContextOptions {
  return {
    cert: readFileSync(files.certFile),
    key: readFileSync(files.keyFile),
    ...(files.clientCaFile === undefined ? {} : { ca: readFileSync(files.clientCaFile) }),
  };
}

/** How long a burst of file events is left to settle before reloading (a renewal writes cert then key). */
const SETTLE_MS = 200;

/**
 * Watches the files' directories and applies a fresh context to `server` after each change. A
 * half-written or mismatched pair is reported and the previous context kept: the server never stops
 * serving because a renewal went wrong. Returns the function that stops watching.
 */
export function reloadOnChange(
  server: tls.Server,
  files: TlsFiles,
  report: { reloaded: () => void; failed: (error: unknown) => void },
): () => void {
  const names = [files.certFile, files.keyFile, files.clientCaFile].filter((file): file is string => file !== undefined);
  const directories = [...new Set(names.map((file) => path.dirname(path.resolve(file))))];
  let timer: NodeJS.Timeout | undefined;
  const reload = () => {
    timer = undefined;
    try {
      const options = readSecureContextOptions(files);
      // Building the context first checks that key and certificate belong together.
      tls.createSecureContext(options);
      server.setSecureContext(options);
      report.reloaded();
    } catch (error) {
      report.failed(error);
    }
  };
  const watchers: FSWatcher[] = directories.map((directory) =>
    watch(directory, { persistent: false }, () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(reload, SETTLE_MS);
      timer.unref();
    }),
  );
  return () => {
    if (timer) clearTimeout(timer);
    for (const watcher of watchers) watcher.close();
  };
}
