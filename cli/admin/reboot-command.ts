/**
 * `rap prepare-for-reboot --backend B [-s|--status] [--wait] [-y|--skip-confirm]`, as upstream's
 * command: --status only prints the readiness report, and exits 0 only when it is safe to reboot
 * (1 otherwise, so scripts can gate on it); --wait polls until it is safe. Without --status, after
 * a confirmation (skipped with -y), the backend is paused and every running job is stopped and
 * reset to re-run after the reboot.
 */
import { GetRebootStatusResponseSchema, PrepareForRebootResponseSchema, type RebootStatus } from "../../gen/admin/v1/admin_pb.js";
import { EXIT_FAILED, EXIT_OK } from "../cli-errors.js";
import { type AdminCommandContext, printJson } from "./admin-cli.js";

export interface RebootOptions {
  readonly backend: string;
  readonly status?: boolean;
  readonly wait?: boolean;
  /** Seconds between checks while waiting. */
  readonly interval: number;
  /** Seconds to wait at most (0: no limit). */
  readonly timeout: number;
  readonly skipConfirm?: boolean;
  readonly json?: boolean;
}

function warning(backend: string): string {
  return (
    "== DANGER ZONE ==\n\n" +
    `This will kill all running jobs on backend '${backend}' and reset them to the PENDING state, ready\n` +
    "to be restarted following a reboot.\n\n" +
    "It should only be run when the job-runner service has been paused on the backend.\n\n"
  );
}

/** Polls the readiness until it is safe, the timeout passes, or the command is interrupted. */
async function waitUntilReady(
  ctx: AdminCommandContext,
  options: RebootOptions,
  signal: AbortSignal,
): Promise<RebootStatus | undefined> {
  const deadline = options.timeout > 0 ? ctx.now().getTime() + options.timeout * 1000 : Infinity;
  let lastReport = "";
  for (;;) {
    const { status } = await ctx.client.getRebootStatus({ backend: options.backend }, { ...ctx.callOptions, signal });
    if (!status || status.ready || signal.aborted || ctx.now().getTime() >= deadline) return status;
    const line = `waiting: ${status.runningJobs} running, ${status.cancellingJobs} being stopped${status.paused ? "" : ", backend not paused"}\n`;
    if (line !== lastReport && !options.json) ctx.io.stderr(line);
    lastReport = line;
    await ctx.sleep(options.interval * 1000, signal);
    if (signal.aborted) return status;
  }
}

async function statusCommand(ctx: AdminCommandContext, options: RebootOptions, signal: AbortSignal): Promise<number> {
  const status = options.wait
    ? await waitUntilReady(ctx, options, signal)
    : (await ctx.client.getRebootStatus({ backend: options.backend }, ctx.callOptions)).status;
  // Upstream print()s the report, which already ends in a newline.
  if (options.json) printJson(ctx.io, GetRebootStatusResponseSchema, { $typeName: "admin.v1.GetRebootStatusResponse", status });
  else ctx.io.stdout(`${status?.report ?? ""}\n`);
  return status?.ready ? EXIT_OK : EXIT_FAILED;
}

export async function prepareForRebootCommand(
  ctx: AdminCommandContext,
  options: RebootOptions,
  signal: AbortSignal,
): Promise<number> {
  if (options.status || options.wait) return statusCommand(ctx, options, signal);
  if (!options.skipConfirm) {
    ctx.io.stdout(warning(options.backend));
    if (!(await ctx.io.confirm("Are you sure you want to continue? (y/N)"))) {
      ctx.io.stderr("aborted; nothing was changed\n");
      return EXIT_FAILED;
    }
  }
  const response = await ctx.client.prepareForReboot({ backend: options.backend }, ctx.callOptions);
  if (options.json) {
    printJson(ctx.io, PrepareForRebootResponseSchema, response);
    return EXIT_OK;
  }
  ctx.io.stdout(`pausing backend ${options.backend}...\n`);
  for (const job of response.resetJobs) {
    const slug = `${job.workspace}-${job.action}-${job.id}`;
    ctx.io.stdout(`resetting job ${slug} to PENDING\nKilling job ${slug}\n`);
  }
  ctx.io.stdout(`${response.status!.report}\n`);
  return EXIT_OK;
}
