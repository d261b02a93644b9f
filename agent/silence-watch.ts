/**
 * Notices a controller that keeps the connection open but says nothing (a stuck stream behind a
 * proxy, a wedged handler), which would otherwise hold the agent forever: once a limit is set
 * (from the Welcome's heartbeat interval), silence longer than it aborts `signal`, and the session
 * ends the attempt and reconnects.
 */
import { Code, ConnectError } from "@connectrpc/connect";

/** How often the watch looks; the limit is seconds, so a quarter-second late is fine. */
const CHECK_EVERY_MS = 250;

export class SilenceWatch {
  private readonly silence = new AbortController();
  private limitMs: number | undefined;
  private lastHeardMs = Date.now();
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.timer = setInterval(() => {
      if (this.limitMs !== undefined && Date.now() - this.lastHeardMs > this.limitMs) {
        this.silence.abort(new ConnectError(`controller silent for more than ${this.limitMs} ms`, Code.DeadlineExceeded));
      }
    }, CHECK_EVERY_MS);
  }

  /** Aborted, with a DeadlineExceeded ConnectError as its reason, when the controller went silent. */
  get signal(): AbortSignal {
    return this.silence.signal;
  }

  /** Something arrived from the controller. */
  heard(): void {
    this.lastHeardMs = Date.now();
  }

  /** Starts (or changes) the limit; until then no silence counts. */
  limit(ms: number): void {
    this.limitMs = ms;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
