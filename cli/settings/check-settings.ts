/** The start-up check every service runs before it reads its configuration. */
import { CliConfigError } from "../cli-errors.js";
import { misspeltSettings } from "./check-environment.js";

export function assertNoMisspeltSettings(env: Readonly<Record<string, string | undefined>>, backends: readonly string[]): void {
  const problems = misspeltSettings(env, backends);
  if (problems.length > 0) throw new CliConfigError(problems.join("\n"));
}

/** BACKENDS (or BACKEND) as the services will read them, for the per-backend names. */
export function backendsIn(env: Readonly<Record<string, string | undefined>>): string[] {
  return [...(env.BACKENDS ?? "test,tpp,emis,ted").split(","), env.BACKEND ?? ""]
    .map((slug) => slug.trim())
    .filter((slug) => slug !== "");
}
