/**
 * `rap flags get|set`, `rap pause on|off <backend>` and `rap db-maintenance on|off <backend>`, with
 * upstream's arguments and its printed flag lines (`[tpp] paused=true (2025-06-01T10:30:00Z)`).
 */
import type { Flag } from "../../gen/admin/v1/admin_pb.js";
import {
  GetFlagsResponseSchema,
  SetDbMaintenanceResponseSchema,
  SetFlagsResponseSchema,
  SetPausedResponseSchema,
} from "../../gen/admin/v1/admin_pb.js";
import { type AdminCommandContext, EXIT_OK, printJson, UsageError } from "./admin-cli.js";
import { flagLine } from "./format.js";
import { parseCommand, required } from "./parse-command.js";

function printFlags(ctx: AdminCommandContext, flags: readonly Flag[]): void {
  ctx.io.stdout(flags.map((flag) => `${flagLine(flag)}\n`).join(""));
}

/** `name=value` (an empty value clears the flag); a bare name is an error, as upstream's argparse type. */
export function parseAssignment(raw: string): { id: string; value?: string } {
  const equals = raw.indexOf("=");
  if (equals < 0) throw new UsageError(`argument flags: invalid parse_cli_flag value: '${raw}'`);
  const value = raw.slice(equals + 1);
  return value === "" ? { id: raw.slice(0, equals) } : { id: raw.slice(0, equals), value };
}

export async function flagsCommand(ctx: AdminCommandContext, args: readonly string[]): Promise<number> {
  const [action, ...rest] = args;
  const { values, positionals } = parseCommand(rest, { backend: { type: "string" }, create: { type: "boolean" } });
  // --create is upstream's way to make a missing flags table; ours always exists, so it is accepted and ignored.
  const backend = required(values.backend, "--backend").toLowerCase();
  if (action === "get") {
    const response = await ctx.client.getFlags({ backend, ids: positionals }, ctx.callOptions);
    if (values.json) printJson(ctx.io, GetFlagsResponseSchema, response);
    else printFlags(ctx, response.flags);
    return EXIT_OK;
  }
  if (action === "set") {
    if (positionals.length === 0) throw new UsageError("give at least one FLAG=[VALUE]");
    const response = await ctx.client.setFlags({ backend, flags: positionals.map(parseAssignment) }, ctx.callOptions);
    if (values.json) printJson(ctx.io, SetFlagsResponseSchema, response);
    else printFlags(ctx, response.flags);
    return EXIT_OK;
  }
  throw new UsageError("the first argument must be get or set");
}

/** `on`/`off` (any case) and a backend, lower-cased as upstream's commands take them. */
function onOffBackend(positionals: readonly string[]): { on: boolean; backend: string } {
  const [action, backend, extra] = positionals;
  if (action === undefined || backend === undefined || extra !== undefined) throw new UsageError("give on|off and a backend");
  const lowered = action.toLowerCase();
  if (lowered !== "on" && lowered !== "off") throw new UsageError(`invalid choice: '${action}' (choose from 'on', 'off')`);
  return { on: lowered === "on", backend: backend.toLowerCase() };
}

export async function pauseCommand(ctx: AdminCommandContext, args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, {});
  const { on, backend } = onOffBackend(positionals);
  const response = await ctx.client.setPaused({ backend, paused: on }, ctx.callOptions);
  if (values.json) printJson(ctx.io, SetPausedResponseSchema, response);
  else printFlags(ctx, response.flags);
  return EXIT_OK;
}

export async function dbMaintenanceCommand(ctx: AdminCommandContext, args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, { "disable-checks": { type: "boolean" } });
  const { on, backend } = onOffBackend(positionals);
  const disableChecks = values["disable-checks"] ?? false;
  if (!on && disableChecks) throw new UsageError("--disable-checks only goes with on");
  const response = await ctx.client.setDbMaintenance({ backend, on, disableChecks }, ctx.callOptions);
  if (values.json) printJson(ctx.io, SetDbMaintenanceResponseSchema, response);
  else printFlags(ctx, response.flags);
  return EXIT_OK;
}
