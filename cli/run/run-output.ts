/**
 * How `rap run` talks to the person (or script) running it: each action's output lines prefixed
 * with the action's name, status lines, and a summary table at the end. Colours only when writing to
 * a terminal; `--json` writes one JSON object per line instead; `--timestamps` prefixes each line with
 * the time it arrived.
 */
import path from "node:path";

export interface OutputOptions {
  readonly json: boolean;
  readonly timestamps: boolean;
  /** Colours on (stdout is a terminal and NO_COLOR is unset). */
  readonly colour: boolean;
  readonly write: (text: string) => void;
  readonly now?: () => Date;
}

export interface ActionResult {
  readonly action: string;
  readonly jobId: string;
  readonly state: "succeeded" | "failed";
  readonly statusCode: string;
  readonly statusMessage: string;
  readonly durationMs: number | null;
  readonly outputs: readonly string[];
  /** Relative to the study directory; undefined when the action never ran. */
  readonly logFile: string | undefined;
}

const ANSI = { reset: "\u001b[0m", bold: "\u001b[1m", dim: "\u001b[2m", red: "\u001b[31m", green: "\u001b[32m" };
const ACTION_COLOURS = ["\u001b[36m", "\u001b[35m", "\u001b[33m", "\u001b[34m", "\u001b[32m", "\u001b[96m"];

function seconds(ms: number | null): string {
  return ms === null ? "-" : `${(ms / 1000).toFixed(1)}s`;
}

export class RunOutput {
  private width = 0;
  private readonly colours = new Map<string, string>();

  constructor(private readonly options: OutputOptions) {}

  private paint(code: string, text: string): string {
    return this.options.colour ? `${code}${text}${ANSI.reset}` : text;
  }

  private stamp(): string {
    return this.options.timestamps ? `${(this.options.now ?? (() => new Date()))().toISOString()} ` : "";
  }

  private event(fields: Record<string, unknown>): void {
    const time = this.options.timestamps ? { time: (this.options.now ?? (() => new Date()))().toISOString() } : {};
    this.options.write(`${JSON.stringify({ ...time, ...fields })}\n`);
  }

  private prefix(action: string): string {
    const colour = this.colours.get(action) ?? "";
    return this.paint(colour, `${action.padEnd(this.width)} |`);
  }

  planned(actions: readonly string[]): void {
    this.width = Math.max(0, ...actions.map((action) => action.length));
    actions.forEach((action, index) => this.colours.set(action, ACTION_COLOURS[index % ACTION_COLOURS.length] ?? ""));
    if (this.options.json) return this.event({ event: "planned", actions });
    this.options.write(`${this.stamp()}Running actions: ${actions.join(", ")}\n`);
  }

  nothingToDo(message: string): void {
    if (this.options.json) return this.event({ event: "nothing_to_do", message });
    this.options.write(`${this.stamp()}${message}\nUse --force-run-dependencies (-f) or name the actions to run them again.\n`);
  }

  error(kind: string, message: string): void {
    if (this.options.json) return this.event({ event: "error", kind, message });
    this.options.write(`${this.paint(ANSI.red, `=> ${kind}`)}\n${message.replace(/^/gm, "   ")}\n`);
  }

  started(action: string, jobId: string): void {
    if (this.options.json) return this.event({ event: "started", action, job_id: jobId });
    this.options.write(`${this.stamp()}${this.prefix(action)} ${this.paint(ANSI.dim, `started (job ${jobId})`)}\n`);
  }

  line(action: string, text: string): void {
    if (this.options.json) return this.event({ event: "output", action, line: text });
    this.options.write(`${this.stamp()}${this.prefix(action)} ${text}\n`);
  }

  finished(result: ActionResult): void {
    if (this.options.json) return this.event({ event: "finished", ...resultFields(result) });
    const status = result.state === "succeeded" ? this.paint(ANSI.green, "succeeded") : this.paint(ANSI.red, result.statusCode);
    this.options.write(`${this.stamp()}${this.prefix(result.action)} ${status}: ${result.statusMessage.split("\n")[0] ?? ""}\n`);
  }

  interrupted(): void {
    if (this.options.json) return this.event({ event: "interrupted" });
    this.options.write(`\n${this.stamp()}Killed by user: the running containers were stopped and removed.\n`);
  }

  summary(results: readonly ActionResult[]): void {
    if (this.options.json) {
      const failed = results.filter((result) => result.state === "failed").length;
      return this.event({ event: "summary", succeeded: results.length - failed, failed, actions: results.map(resultFields) });
    }
    const rows = [["ACTION", "STATUS", "TIME", "OUTPUTS", "LOG"]];
    for (const result of results) {
      rows.push([
        result.action,
        result.statusCode,
        seconds(result.durationMs),
        String(result.outputs.length),
        result.logFile ?? "-",
      ]);
    }
    const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
    const lines = rows.map((row, index) => {
      const text = row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join("  ")
        .trimEnd();
      if (index === 0) return this.paint(ANSI.bold, text);
      return results[index - 1]!.state === "failed" ? this.paint(ANSI.red, text) : text;
    });
    this.options.write(`\n${lines.join("\n")}\n`);
    for (const result of results.filter((each) => each.state === "failed")) {
      this.options.write(`\n=> ${result.action}: ${result.statusMessage.replace(/\n/g, "\n   ")}\n`);
    }
  }
}

function resultFields(result: ActionResult): Record<string, unknown> {
  return {
    action: result.action,
    job_id: result.jobId,
    state: result.state,
    status_code: result.statusCode,
    status_message: result.statusMessage,
    duration_ms: result.durationMs,
    outputs: result.outputs,
    log_file: result.logFile ?? null,
  };
}

/** `metadata/<action>.log`, as shown to the user (relative to the study directory). */
export function displayLogFile(action: string): string {
  return path.posix.join("metadata", `${action}.log`);
}
