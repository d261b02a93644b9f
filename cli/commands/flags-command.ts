/** `rap flags get|set`, `rap pause`, `rap db-maintenance` (logic in cli/admin/flag-commands.ts). */
import type { Command } from "commander";
import { adminContext } from "../admin/admin-cli.js";
import { dbMaintenanceCommand, getFlagsCommand, pauseCommand, setFlagsCommand } from "../admin/flag-commands.js";
import { choiceArgument } from "../cli-options.js";
import type { CommandKit } from "../command-kit.js";
import { operatorCommand } from "./admin-help.js";

const ON_OFF = ["on", "off"] as const;

export function registerFlagCommands(program: Command, kit: CommandKit): void {
  const { runtime } = kit;
  const flags = program.command("flags").description("read or write a backend's flags (paused, mode, …)");
  operatorCommand(
    flags
      .command("get")
      .description("print flags as `[backend] name=value (changed at)`")
      .argument("[names...]", "the flags to print (default: every flag that has been set)")
      .requiredOption("--backend <backend>", "the backend")
      .option("--create", "accepted for upstream compatibility (the flags table always exists)"),
    ["rap flags get --backend tpp", "rap flags get --backend tpp paused mode"],
  ).action(
    kit.action((names: string[], options: { backend: string; json?: boolean }) =>
      getFlagsCommand(adminContext(runtime), names, options),
    ),
  );
  operatorCommand(
    flags
      .command("set")
      .description("set flags; NAME= (nothing after =) clears one")
      .argument("<assignments...>", "NAME=VALUE pairs")
      .requiredOption("--backend <backend>", "the backend")
      .option("--create", "accepted for upstream compatibility (the flags table always exists)"),
    ["rap flags set --backend tpp paused=true", "rap flags set --backend tpp mode="],
  ).action(
    kit.action((assignments: string[], options: { backend: string; json?: boolean }) =>
      setFlagsCommand(adminContext(runtime), assignments, options),
    ),
  );

  operatorCommand(
    program
      .command("pause")
      .description("pause or unpause a backend: while paused, pending jobs wait and running ones carry on")
      .addArgument(choiceArgument("<on|off>", "pause (on) or resume (off)", ON_OFF, true))
      .argument("<backend>", "the backend"),
    ["rap pause on tpp", "rap pause off tpp"],
  ).action(
    kit.action((onOff: string, backend: string, options: { json?: boolean }) =>
      pauseCommand(adminContext(runtime), onOff, backend, options),
    ),
  );

  operatorCommand(
    program
      .command("db-maintenance")
      .alias("db_maintenance")
      .description("turn manual database maintenance on or off (wins over the scheduled checks)")
      .addArgument(choiceArgument("<on|off>", "start (on) or end (off) maintenance mode", ON_OFF, true))
      .argument("<backend>", "the backend")
      .option("--disable-checks", "with on: also stop the scheduled database status checks"),
    ["rap db-maintenance on tpp --disable-checks", "rap db-maintenance off tpp"],
  ).action(
    kit.action((onOff: string, backend: string, options: { disableChecks?: boolean; json?: boolean }) =>
      dbMaintenanceCommand(adminContext(runtime), onOff, backend, options),
    ),
  );
}
