/**
 * Configuration of `rap run`, read once from the environment. The job-definition settings are the
 * controller's own (DOCKER_REGISTRY, LEVEL4_*, STATA_LICENSE, DEFAULT_JOB_CPU_COUNT, …) read by the
 * controller's loader, so a local run builds the same definitions a backend would get.
 */
import { userInfo, tmpdir } from "node:os";
import path from "node:path";
import { defaultUser } from "../../agent/config.js";
import { loadControllerConfig, type BackendConfig, type ControllerConfig } from "../../controller/config.js";
import { LOCAL_BACKEND } from "./local-plan.js";

type Env = Readonly<Record<string, string | undefined>>;

export interface RunConfig {
  readonly controller: ControllerConfig;
  readonly backend: BackendConfig;
  /** Who runs the study (the jobs' `user`). */
  readonly username: string;
  /** `uid:gid` for job containers, and the owner to give working directories (when running as root). */
  readonly jobUser: string;
  readonly volumeOwner: { readonly uid: number; readonly gid: number } | undefined;
  /** Git cache for reusable actions, kept between runs (one per user, as opensafely-cli's). */
  readonly gitCacheDir: string;
  /** NO_COLOR set: never colour. */
  readonly noColour: boolean;
  readonly childEnv: Readonly<Record<string, string>>;
  readonly debug: boolean;
  /** RAP_IMAGE_MAP (`from=to,…`): image rewrites as the agent's `driver.image_map` (exact name, or prefix ending in `/`). */
  readonly imageMap: Readonly<Record<string, string>>;
}

/** `from=to` pairs, comma-separated (RAP_IMAGE_MAP) or one per `--image-map`. */
export function parseImageMap(pairs: readonly string[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const pair of pairs
    .flatMap((each) => each.split(","))
    .map((each) => each.trim())
    .filter(Boolean)) {
    const at = pair.indexOf("=");
    if (at <= 0 || at === pair.length - 1) throw new Error(`image map entry '${pair}' is not of the form from=to`);
    map[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return map;
}

function safeUsername(): string {
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}

export function loadRunConfig(env: Env = process.env): RunConfig {
  // A local run uses whatever images the local engine has; it never asks a registry for digests.
  const controller = loadControllerConfig({ ...env, BACKENDS: LOCAL_BACKEND, RESOLVE_IMAGE_DIGESTS: "false" });
  const backend = controller.backends[0];
  if (!backend) throw new Error("the local backend is missing from the configuration");
  const fallback = defaultUser();
  const explicitUser = env.DOCKER_USER_ID ? `${env.DOCKER_USER_ID}:${env.DOCKER_GROUP_ID ?? env.DOCKER_USER_ID}` : undefined;
  const username = safeUsername();
  return Object.freeze({
    controller,
    backend,
    username,
    jobUser: explicitUser ?? fallback.user,
    volumeOwner: explicitUser ? undefined : fallback.owner,
    gitCacheDir: path.join(tmpdir(), `rap-run-${username}`),
    noColour: env.NO_COLOR !== undefined && env.NO_COLOR !== "",
    childEnv: controller.childEnv,
    debug: ["1", "true", "yes"].includes((env.RAP_DEBUG ?? "").toLowerCase()),
    imageMap: Object.freeze(parseImageMap(env.RAP_IMAGE_MAP ? [env.RAP_IMAGE_MAP] : [])),
  });
}
