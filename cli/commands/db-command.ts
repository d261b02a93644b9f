/**
 * `rap db backup PATH`: a consistent snapshot of the controller's database while it runs. It works
 * on the file directly (SQLite's online backup API through a second connection) rather than through
 * an admin RPC: it needs no controller up and no admin token, only read access to the file, and the
 * snapshot never crosses the network.
 */
import type { Command } from "commander";
import { loadControllerConfig } from "../../controller/config.js";
import { EXIT_OK } from "../cli-errors.js";
import type { CommandKit } from "../command-kit.js";

export function registerDbCommand(program: Command, kit: CommandKit): void {
  const db = program.command("db").description("the controller's database: backups");
  db.command("backup")
    .description("write a consistent snapshot of the controller's database to PATH (safe while it runs)")
    .argument("<path>", "the snapshot file to write (replaced if it exists)")
    .option("--dbpath <path>", "the database file (default: DATABASE_FILE, or WORKDIR/db.sqlite)")
    .addHelpText(
      "after",
      `
Restore: stop the controller, copy the snapshot over the database file (delete its -wal and -shm
files), run 'rap migrate' (a snapshot from an older version is brought up to date), start it again.

Example:
  $ rap db backup /srv/rap/backups/db-$(date +%F).sqlite`,
    )
    .action(
      kit.action(async (target: string, options: { dbpath?: string }) => {
        const { backupDatabase } = await import("../../controller/store/backup.js");
        const source = options.dbpath ?? loadControllerConfig(kit.runtime.env).databasePath;
        const bytes = await backupDatabase(source, target);
        kit.runtime.io.stdout(`backed up ${source} to ${target} (${bytes} bytes)\n`);
        return EXIT_OK;
      }),
    );
}
