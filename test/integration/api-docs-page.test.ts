/**
 * The RAP API docs page in a real headless Chromium (Debian's, through playwright-core; no browser
 * is downloaded): Redoc renders from the controller's own copy of its bundle, the navigation lists
 * every operation of openapi.json, the auth scheme is stated, and the page makes no request off
 * this machine. The screenshot is written to the test's temp directory.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_SPEC } from "../../controller/rest/api-spec.js";
import { startController, type ControllerHarness } from "../support/controller-harness.js";

const dir = mkdtempSync(path.join(tmpdir(), "rap-docs-"));
let controller: ControllerHarness;
let browser: Browser;

beforeAll(async () => {
  controller = await startController();
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
});
afterAll(async () => {
  await browser?.close();
  await controller?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly summary: string;
}

function operations(): Operation[] {
  const paths = API_SPEC.paths as Record<string, Record<string, { summary?: string }>>;
  return Object.entries(paths).flatMap(([route, item]) =>
    Object.entries(item)
      .filter(([method]) => ["get", "post", "put", "patch", "delete"].includes(method))
      .map(([method, operation]) => ({ method, path: route, summary: operation.summary ?? "" })),
  );
}

describe("API docs page", () => {
  it("renders with Redoc offline: navigation with every route, the auth scheme, a screenshot", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const offMachine: string[] = [];
    await page.route("**/*", (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === "127.0.0.1") return route.continue();
      offMachine.push(url.href);
      return route.abort();
    });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${controller.url}/controller/v1/docs/`);
    // Redoc's side menu: one entry per operation, labelled with its summary.
    const menu = page.locator(".menu-content");
    await menu.waitFor({ state: "visible", timeout: 60_000 });
    const ops = operations();
    expect(ops.length).toBeGreaterThanOrEqual(6);
    for (const operation of ops) {
      await expect.poll(() => menu.getByText(operation.summary, { exact: true }).count(), { timeout: 30_000 }).toBeGreaterThan(0);
    }
    const body = await page.locator("#redoc").innerText();
    for (const operation of ops) expect(body).toContain(operation.path);
    // The auth scheme, from components.securitySchemes.
    const schemes = Object.keys((API_SPEC.components as { securitySchemes: Record<string, unknown> }).securitySchemes);
    expect(schemes.length).toBeGreaterThan(0);
    expect(body).toContain("Authorization");
    for (const scheme of schemes) expect(body).toContain(scheme);

    const file = path.join(dir, "api-docs.png");
    await page.screenshot({ path: file, fullPage: false });
    expect(statSync(file).size).toBeGreaterThan(20_000);
    expect(offMachine).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
