/**
 * `rap prepare-for-reboot --backend B [-s|--status] [-y|--skip-confirm]`, as upstream's command:
 * --status only prints the readiness report; otherwise, after a confirmation (skipped with -y), the
 * backend is paused and every running job is stopped and reset to re-run after the reboot.
 */
import { GetRebootStatusResponseSchema, PrepareForRebootResponseSchema } from "../../gen/admin/v1/admin_pb.js";
import { type AdminCommandContext, EXIT_FAILED, EXIT_OK, printJson } from "./admin-cli.js";
import { parseCommand, required } from "./parse-command.js";

function warning(backend: string): string {
  return (
    "== DANGER ZONE ==\n\n" +
    `This will kill all running jobs on backend '${backend}' and reset them to the PENDING state, ready\n` +
    "to be restarted following a reboot.\n\n" +
    "It should only be run when the job-runner service has been paused on the backend.\n\n"
  );
}

export async function prepareForRebootCommand(ctx: AdminCommandContext, args: readonly string[]): Promise<number> {
  const { values } = parseCommand(args, {
    backend: { type: "string" },
    status: { type: "boolean", short: "s" },
    "skip-confirm": { type: "boolean", short: "y" },
  });
  const backend = required(values.backend, "--backend").toLowerCase();
  if (values.status) {
    const response = await ctx.client.getRebootStatus({ backend }, ctx.callOptions);
    // Upstream print()s the report, which already ends in a newline.
    if (values.json) printJson(ctx.io, GetRebootStatusResponseSchema, response);
    else ctx.io.stdout(`${response.status!.report}\n`);
    return EXIT_OK;
  }
  if (!values["skip-confirm"]) {
    ctx.io.stdout(warning(backend));
    if (!(await ctx.io.confirm("Are you sure you want to continue? (y/N)"))) {
      ctx.io.stderr("aborted; nothing was changed\n");
      return EXIT_FAILED;
    }
  }
  const response = await ctx.client.prepareForReboot({ backend }, ctx.callOptions);
  if (values.json) {
    printJson(ctx.io, PrepareForRebootResponseSchema, response);
    return EXIT_OK;
  }
  ctx.io.stdout(`pausing backend ${backend}...\n`);
  for (const job of response.resetJobs) {
    const slug = `${job.workspace}-${job.action}-${job.id}`;
    ctx.io.stdout(`resetting job ${slug} to PENDING\nKilling job ${slug}\n`);
  }
  ctx.io.stdout(`${response.status!.report}\n`);
  return EXIT_OK;
}
