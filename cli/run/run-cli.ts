/**
 * The `rap run` command line (commander): parses the options, then hands over to runStudy. The
 * stop signal is asked for only once the command really runs, so `--help` starts nothing.
 */
import { Command, Option } from "commander";
import { loadRunConfig, parseImageMap } from "./config.js";
import { runStudy, type RunStudyIo } from "./run-study.js";

export interface RunCliDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly io: RunStudyIo;
  /** The process's stop signal (Ctrl-C, SIGTERM), installed by the entry point. */
  readonly stopSignal: () => AbortSignal;
}

interface RunFlags {
  projectDir: string;
  forceRunDependencies: boolean;
  driver: "docker" | "podman";
  json: boolean;
  timestamps: boolean;
  imageMap: string[];
}

/** `rap run [ACTION ... | run_all]`; `onExit` receives the exit status when it finishes. */
export function runCommand(deps: RunCliDeps, onExit: (code: number) => void): Command {
  return new Command("run")
    .description("run a study's actions on this machine, as a backend would (no controller needed)")
    .argument("[actions...]", "actions to run, or run_all for every action")
    .option("--project-dir <dir>", "the study directory", ".")
    .option("-f, --force-run-dependencies", "run the actions' dependencies again even if their outputs exist", false)
    .addOption(new Option("--driver <driver>", "container runtime").choices(["docker", "podman"]).default("docker"))
    .option("--json", "print one JSON object per line instead of text", false)
    .option("--timestamps", "prefix each line with the time it arrived", false)
    .option(
      "--image-map <from=to>",
      "rewrite image names (exact, or a prefix ending in /), e.g. a local mirror; repeatable (also RAP_IMAGE_MAP)",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .action(async (actions: string[], flags: RunFlags) => {
      const config = loadRunConfig(deps.env);
      const code = await runStudy(
        {
          imageMap: { ...config.imageMap, ...parseImageMap(flags.imageMap) },
          projectDir: flags.projectDir,
          actions,
          forceRunDependencies: flags.forceRunDependencies,
          driver: flags.driver,
          json: flags.json,
          timestamps: flags.timestamps,
        },
        config,
        deps.io,
        deps.stopSignal(),
      );
      onExit(code);
    });
}

/** Runs `rap run` with the given arguments (those after `run`) and returns its exit status. */
export async function runRunCli(args: readonly string[], deps: RunCliDeps): Promise<number> {
  let exitCode = 0;
  const command = runCommand(deps, (code) => {
    exitCode = code;
  })
    .exitOverride()
    .configureOutput({ writeOut: deps.io.write, writeErr: deps.io.writeError });
  try {
    await command.parseAsync([...args], { from: "user" });
  } catch (error) {
    const code = (error as { exitCode?: unknown }).exitCode;
    if (typeof code === "number") return code === 0 ? 0 : 2;
    throw error;
  }
  return exitCode;
}
