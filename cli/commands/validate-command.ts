/**
 * `rap validate`: check a project.yaml with the controller's own rules, reporting every problem
 * in one pass (controller/pipeline/diagnose-project.ts) rather than only the first.
 */
import type { Command } from "commander";
import { diagnoseProject } from "../../controller/pipeline/diagnose-project.js";
import { EXIT_FAILED, EXIT_OK, UsageError } from "../cli-errors.js";
import type { CommandKit } from "../command-kit.js";
import { loadActionsList } from "../validate/actions-list.js";
import { humanReport, jsonReport } from "../validate/validate-report.js";

interface ValidateOptions {
  readonly json?: boolean;
  readonly actionsList?: string;
}

export function registerValidateCommand(program: Command, kit: CommandKit): void {
  program
    .command("validate")
    .description(
      "check a project.yaml as the controller will when the jobs are submitted, reporting every error " +
        "(file, line, column, key) in one pass, with suggestions and warnings for likely mistakes",
    )
    .argument("<project.yaml>", "the project file")
    .option("--json", "print the diagnostics as one JSON line: a list of {severity, message, file, line, column, key, hint}")
    .option(
      "--actions-list <file-or-url>",
      "the reusable actions that exist (JSON list or one name per line); a URL is used only if reachable",
    )
    .addHelpText(
      "after",
      `
Errors come first, in the order the controller checks them: the first is the message the
controller would reject the project with. Warnings (exit code unaffected) follow.

Exit codes: 0 valid (possibly with warnings), 1 invalid, 2 wrong usage or the file cannot be read.

Examples:
  $ rap validate project.yaml
  $ rap validate --json project.yaml
  $ rap validate --actions-list actions.txt project.yaml`,
    )
    .action(
      kit.action(async (file: string, options: ValidateOptions) => {
        let text: string;
        try {
          text = kit.runtime.readFile(file);
        } catch (error) {
          throw new UsageError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
        }
        const knownActions =
          options.actionsList === undefined
            ? null
            : await loadActionsList(options.actionsList, {
                readFile: (path) => kit.runtime.readFile(path),
                notice: (notice) => kit.runtime.io.stderr(notice),
              });
        const { diagnostics, pipeline } = diagnoseProject(text, { knownActions });
        kit.runtime.io.stdout(
          options.json ? jsonReport(file, diagnostics) : humanReport(file, diagnostics, pipeline?.actions.size ?? null),
        );
        return pipeline === null ? EXIT_FAILED : EXIT_OK;
      }),
    );
}
