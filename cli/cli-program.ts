/**
 * The `rap` program on commander: the root command, how errors and help are printed, and the exit
 * codes (0 done, 1 refused/failed, 2 usage or configuration). Command groups are registered from
 * cli/command-registry.ts; each action goes through `kit.action`, which turns errors into messages.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { Command, CommanderError } from "commander";
import { CliConfigError, EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError } from "./cli-errors.js";
import { versionString } from "../common/build-info.js";
import type { CliRuntime } from "./cli-runtime.js";
import type { CommandKit } from "./command-kit.js";
import { COMMAND_GROUPS } from "./command-registry.js";

/** `rap flags set` for a subcommand's errors. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let at: Command | null = command; at; at = at.parent) names.unshift(at.name());
  return names.join(" ");
}

const CONNECT_HINTS: Partial<Record<Code, string>> = {
  [Code.Unauthenticated]: "set RAP_ADMIN_TOKEN to the controller's admin token",
  [Code.PermissionDenied]: "RAP_ADMIN_TOKEN is not the controller's admin token",
};

function report(error: unknown, command: Command, runtime: CliRuntime): number {
  const name = commandPath(command);
  if (error instanceof UsageError) {
    runtime.io.stderr(`${name}: ${error.message}\n(run '${name} --help' for usage)\n`);
    return EXIT_USAGE;
  }
  // The services' own config errors (ConfigError, AgentConfigError) name the variable or key too.
  const isConfigError = error instanceof Error && (error.name === "ConfigError" || error.name === "AgentConfigError");
  if (error instanceof CliConfigError || isConfigError) {
    runtime.io.stderr(`${name}: ${error.message}\n`);
    return EXIT_USAGE;
  }
  if (error instanceof ConnectError) {
    const hint =
      error.code === Code.Unavailable
        ? `is the controller running at ${runtime.env.RAP_CONTROLLER_URL || "http://127.0.0.1:8000"}? (set RAP_CONTROLLER_URL)`
        : CONNECT_HINTS[error.code];
    runtime.io.stderr(`${name}: ${Code[error.code]}: ${error.rawMessage}\n${hint ? `hint: ${hint}\n` : ""}`);
    return EXIT_FAILED;
  }
  throw error;
}

export function buildProgram(runtime: CliRuntime, setExitCode: (code: number) => void): Command {
  const program = new Command("rap")
    .description("rap-runner: the RAP controller, its agents, and the operator's and researcher's tools, in one command.")
    .version(versionString(), "-V, --version", "print the version and exit")
    .helpOption("-h, --help", "show help for a command (never starts or changes anything)")
    .helpCommand("help [command]", "show help for a command")
    .showSuggestionAfterError(true)
    .showHelpAfterError("(add --help for usage)")
    .configureHelp({
      sortSubcommands: false,
      // `jobs`, `job <job-id>`: aliases and "[options]" would make the command list too wide to read.
      subcommandTerm: (command) =>
        [
          command.name(),
          ...command.registeredArguments.map((arg) =>
            arg.required ? `<${arg.name()}${arg.variadic ? "..." : ""}>` : `[${arg.name()}${arg.variadic ? "..." : ""}]`,
          ),
        ].join(" "),
    })
    .configureOutput({
      writeOut: (text) => runtime.io.stdout(text),
      writeErr: (text) => runtime.io.stderr(text),
    })
    .exitOverride();
  program.addHelpText(
    "after",
    `
Exit codes: 0 done, 1 refused or failed, 2 wrong usage or configuration.
Run 'rap COMMAND --help' for a command's options and examples; docs/ has the guides.`,
  );
  const kit: CommandKit = {
    runtime,
    exit: setExitCode,
    action:
      (run) =>
      async (...args) => {
        const command = args.at(-1) as Command;
        try {
          setExitCode(await run(...args));
        } catch (error) {
          setExitCode(report(error, command, runtime));
        }
      },
  };
  for (const register of COMMAND_GROUPS) register(program, kit);
  return program;
}

/** Parses argv (without node and the script), runs the command and returns its exit code. */
export async function runCli(argv: readonly string[], runtime: CliRuntime): Promise<number> {
  let exitCode = EXIT_OK;
  const program = buildProgram(runtime, (code) => (exitCode = code));
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    // Help and --version end with exit code 0; every parse error (unknown option, bad value) with 2.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    throw error;
  }
  return exitCode;
}
