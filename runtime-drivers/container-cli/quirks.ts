/** The few places where the podman CLI differs from docker's; everything else is shared. */

export interface CliQuirks {
  /** Log driver options for job containers. */
  readonly logOptions: readonly string[];
  /** Fragments of stderr meaning "no such container". */
  readonly noSuchContainer: readonly string[];
  /** Extra `container wait` options. */
  readonly waitOptions: readonly string[];
}

export const DOCKER_QUIRKS: CliQuirks = {
  // Keep "everything" for audit while the container exists: up to 200 × 20 MB compressed segments.
  logOptions: ["--log-driver", "local", "--log-opt", "max-file=200", "--log-opt", "max-size=20m", "--log-opt", "compress=true"],
  noSuchContainer: ["No such container", "no such container"],
  waitOptions: [],
};

export const PODMAN_QUIRKS: CliQuirks = {
  // podman has no "local" driver; k8s-file keeps logs in a file per container until it is removed.
  logOptions: ["--log-driver", "k8s-file"],
  noSuchContainer: ["no such container", "No such container"],
  // podman's wait polls the container state (every 250 ms by default); poll faster so a short job
  // is not held up by the interval. It reads local state only, so this stays cheap for long jobs.
  waitOptions: ["--interval", "50ms"],
};

export function quirksFor(binary: string): CliQuirks {
  return binary.endsWith("podman") ? PODMAN_QUIRKS : DOCKER_QUIRKS;
}
