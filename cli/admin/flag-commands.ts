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
import { EXIT_OK, UsageError } from "../cli-errors.js";
import { type AdminCommandContext, printJson } from "./admin-cli.js";
import { flagLine } from "./format.js";

function printFlags(ctx: AdminCommandContext, flags: readonly Flag[]): void {
  ctx.io.stdout(flags.map((flag) => `${flagLine(flag)}\n`).join(""));
}

/** `name=value` (an empty value clears the flag); a bare name is a usage error naming the form. */
export function parseAssignment(raw: string): { id: string; value?: string } {
  const equals = raw.indexOf("=");
  if (equals <= 0) throw new UsageError(`invalid flag '${raw}': give NAME=VALUE, or NAME= to clear it (e.g. paused=true)`);
  const value = raw.slice(equals + 1);
  return value === "" ? { id: raw.slice(0, equals) } : { id: raw.slice(0, equals), value };
}

interface Json {
  readonly json?: boolean;
}

export async function getFlagsCommand(ctx: AdminCommandContext, ids: readonly string[], options: { backend: string } & Json) {
  const response = await ctx.client.getFlags({ backend: options.backend.toLowerCase(), ids: [...ids] }, ctx.callOptions);
  if (options.json) printJson(ctx.io, GetFlagsResponseSchema, response);
  else printFlags(ctx, response.flags);
  return EXIT_OK;
}

export async function setFlagsCommand(
  ctx: AdminCommandContext,
  assignments: readonly string[],
  options: { backend: string } & Json,
) {
  const flags = assignments.map(parseAssignment);
  const response = await ctx.client.setFlags({ backend: options.backend.toLowerCase(), flags }, ctx.callOptions);
  if (options.json) printJson(ctx.io, SetFlagsResponseSchema, response);
  else printFlags(ctx, response.flags);
  return EXIT_OK;
}

export async function pauseCommand(ctx: AdminCommandContext, onOff: string, backend: string, options: Json): Promise<number> {
  const response = await ctx.client.setPaused({ backend: backend.toLowerCase(), paused: onOff === "on" }, ctx.callOptions);
  if (options.json) printJson(ctx.io, SetPausedResponseSchema, response);
  else printFlags(ctx, response.flags);
  return EXIT_OK;
}

export async function dbMaintenanceCommand(
  ctx: AdminCommandContext,
  onOff: string,
  backend: string,
  options: { disableChecks?: boolean } & Json,
): Promise<number> {
  const on = onOff === "on";
  const disableChecks = options.disableChecks ?? false;
  if (!on && disableChecks) throw new UsageError("--disable-checks only goes with on");
  const response = await ctx.client.setDbMaintenance({ backend: backend.toLowerCase(), on, disableChecks }, ctx.callOptions);
  if (options.json) printJson(ctx.io, SetDbMaintenanceResponseSchema, response);
  else printFlags(ctx, response.flags);
  return EXIT_OK;
}
