/**
 * What a command may touch, handed in by the entry point (cli/main.ts) so commands stay testable
 * in-process: the terminal, the environment (read once there), the working directory, files, the
 * clock, and the stop signal of long-running services (signal handlers live only in main.ts).
 */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Asks a yes/no question; true only for an explicit yes. */
  confirm(question: string): Promise<boolean>;
  /** Asks for a line of input (printed as is, no space added); undefined when input ended or Ctrl-C was pressed. */
  ask(question: string): Promise<string | undefined>;
  /** stdout is a terminal: times are shown relative ("5m ago") rather than as ISO 8601. */
  readonly isTerminal: boolean;
  /** The terminal's width; undefined when stdout is not a terminal. */
  readonly columns?: number | undefined;
}

export type CliEnv = Readonly<Record<string, string | undefined>>;

export interface CliRuntime {
  readonly io: CliIo;
  readonly env: CliEnv;
  readonly cwd: string;
  readonly now: () => Date;
  readFile(path: string): string;
  /** Aborts on SIGTERM/SIGINT; `log` hears each signal. */
  stopSignal(log: (message: string) => void): AbortSignal;
  /**
   * The services' shutdown ladder: the first SIGTERM/SIGINT aborts `drain`, the second `cancel`,
   * the third exits the process.
   */
  shutdownSignals(log: (message: string) => void): { readonly drain: AbortSignal; readonly cancel: AbortSignal };
  /** Resolves after `ms` or when `signal` aborts (used by --wait polling). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}
