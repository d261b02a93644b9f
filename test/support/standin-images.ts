/**
 * The stand-in images the tests run (scripts/build-images.sh builds them): busybox under
 * rap-standin/<name>:<tag>, reached from the real names through the agent's image map only, so the
 * tests never need (or create) an image called like a real registry image.
 */
export const STANDIN_IMAGE_MAP: Readonly<Record<string, string>> = Object.freeze({ "ghcr.io/opensafely-core/": "rap-standin/" });

/** The stand-in for a built-in image, e.g. standinImage("python:v2") = "rap-standin/python:v2". */
export function standinImage(nameAndTag: string): string {
  return `rap-standin/${nameAndTag}`;
}

/**
 * A LABEL instruction for images the tests derive from a stand-in (`docker commit --change`): they
 * inherit its labels, and one still labelled a stand-in under another name would break the check
 * that every stand-in is named rap-standin/.
 */
export const NOT_STANDIN = "org.rap-runner.standin=false";
