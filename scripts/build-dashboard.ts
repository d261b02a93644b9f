/**
 * Bundles the dashboard (dashboard/src: preact + connect-web) with esbuild into dashboard/dist,
 * which the controller serves under /dashboard/. Run by `npm run build:dashboard` (and by setup).
 */
import { copyFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";

const root = path.resolve(import.meta.dirname, "..");
const src = path.join(root, "dashboard/src");
const DIST = path.join(root, "dashboard/dist");

/** Bundles into `dist` (dashboard/dist by default; `npm run build` passes its own output's copy). */
export async function buildDashboard(dist = DIST): Promise<string> {
  mkdirSync(dist, { recursive: true });
  await build({
    entryPoints: [path.join(src, "main.tsx")],
    outfile: path.join(dist, "app.js"),
    bundle: true,
    format: "esm",
    target: "es2022",
    minify: true,
    jsx: "automatic",
    jsxImportSource: "preact",
    legalComments: "none",
    logLevel: "warning",
  });
  copyFileSync(path.join(src, "index.html"), path.join(dist, "index.html"));
  copyFileSync(path.join(src, "app.css"), path.join(dist, "app.css"));
  return dist;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  buildDashboard().then(
    (out) => process.stdout.write(`dashboard built in ${path.relative(root, out)}\n`),
    (error: unknown) => {
      process.stderr.write(`dashboard build failed: ${String(error)}\n`);
      process.exit(1);
    },
  );
}
