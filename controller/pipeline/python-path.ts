/**
 * The handful of Python path operations upstream applies to output patterns, reproduced on
 * strings: `posixpath.normpath`, and `PurePosixPath`'s normalised text, name, suffix and parent.
 */

/** `posixpath.normpath`: collapses `//`, `.` and `x/..`, but keeps a leading `..`. */
export function posixNormpath(path: string): string {
  if (path === "") return ".";
  let leadingSlashes = 0;
  if (path.startsWith("/")) leadingSlashes = path.startsWith("//") && !path.startsWith("///") ? 2 : 1;
  const kept: string[] = [];
  for (const comp of path.split("/")) {
    if (comp === "" || comp === ".") continue;
    const last = kept[kept.length - 1];
    if (comp !== ".." || (leadingSlashes === 0 && kept.length === 0) || last === "..") kept.push(comp);
    else if (kept.length > 0) kept.pop();
  }
  const joined = "/".repeat(leadingSlashes) + kept.join("/");
  return joined === "" ? "." : joined;
}

interface PurePath {
  readonly root: string;
  readonly parts: readonly string[];
}

function purePosix(path: string): PurePath {
  let root = "";
  if (path.startsWith("/")) root = path.startsWith("//") && !path.startsWith("///") ? "//" : "/";
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  return { root, parts };
}

function render(p: PurePath): string {
  const text = p.root + p.parts.join("/");
  return text === "" ? "." : text;
}

/** `str(PurePosixPath(path))`. */
export function purePathText(path: string): string {
  return render(purePosix(path));
}

/** `PurePosixPath(path).name`. */
export function purePathName(path: string): string {
  const { parts } = purePosix(path);
  return parts[parts.length - 1] ?? "";
}

/** `PurePosixPath(path).suffix` (Python 3.11-3.13 rules: `a.` and `.hidden` have none). */
export function purePathSuffix(path: string): string {
  const name = purePathName(path);
  const dot = name.lastIndexOf(".");
  return dot > 0 && dot < name.length - 1 ? name.slice(dot) : "";
}

/** `str(PurePosixPath(path).parent)`. */
export function purePathParent(path: string): string {
  const p = purePosix(path);
  if (p.parts.length === 0) return render(p);
  return render({ root: p.root, parts: p.parts.slice(0, -1) });
}

/** `str(PurePosixPath(path).with_name(name))`; only called on paths that have a name. */
export function purePathWithName(path: string, name: string): string {
  const p = purePosix(path);
  return render({ root: p.root, parts: [...p.parts.slice(0, -1), name] });
}
