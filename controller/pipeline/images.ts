/**
 * Image names job-runner runs directly as `ghcr.io/opensafely-core/<image>:<version>` (upstream's
 * ALLOWED_IMAGES); any other name in `run` is a reusable action from the opensafely-actions org.
 */
export const ALLOWED_IMAGES: ReadonlySet<string> = new Set(["ehrql", "stata-mp", "r", "jupyter", "python", "sqlrunner"]);

/**
 * Names older projects use that are neither built-in nor reusable actions but that the version
 * rules handle themselves (cohortextractor is rejected from v4; databuilder is ehrQL's old name).
 */
export const LEGACY_IMAGES: ReadonlySet<string> = new Set(["cohortextractor", "cohortextractor-v2", "databuilder"]);
