/** `rap prepare-for-reboot` (logic in cli/admin/reboot-command.ts). */
import type { Command } from "commander";
import { adminContext } from "../admin/admin-cli.js";
import { prepareForRebootCommand, type RebootOptions } from "../admin/reboot-command.js";
import { wholeNumber } from "../cli-options.js";
import type { CommandKit } from "../command-kit.js";
import { operatorCommand } from "./admin-help.js";

export function registerRebootCommand(program: Command, kit: CommandKit): void {
  const { runtime } = kit;
  operatorCommand(
    program
      .command("prepare-for-reboot")
      .alias("prepare_for_reboot")
      .description("pause a backend and stop its running jobs so they re-run after a reboot; or check readiness")
      .requiredOption("--backend <backend>", "the backend")
      .option("-s, --status", "only report whether it is safe to reboot: exit 0 when safe, 1 when not")
      .option("--wait", "with --status: wait until it is safe to reboot (then exit 0)")
      .option("--interval <seconds>", "seconds between checks with --wait", wholeNumber(1), 5)
      .option("--timeout <seconds>", "give up waiting after this long, exit 1 (0: wait for ever)", wholeNumber(0), 0)
      .option("-y, --skip-confirm", "do not ask before stopping jobs"),
    ["rap prepare-for-reboot --backend tpp", "rap prepare-for-reboot --backend tpp --status --wait --timeout 600 && sudo reboot"],
  ).action(
    kit.action((options: RebootOptions) =>
      prepareForRebootCommand(
        adminContext(runtime),
        { ...options, backend: options.backend.toLowerCase() },
        runtime.stopSignal(() => undefined),
      ),
    ),
  );
}
