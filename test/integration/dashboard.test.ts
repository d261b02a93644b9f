/**
 * The web dashboard in a real browser: Debian's headless Chromium driven by playwright-core, against
 * a real controller and a real agent running real containers. A person logs in with the dashboard
 * token, sees a job appear and change state live (the page is never reloaded: a marker set in the
 * page survives), filters the list, and opens a job to read its history. Screenshots are saved in
 * test/artifacts/dashboard/. The page never holds the admin or client tokens.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobId } from "../../controller/jobs/ids.js";
import { buildDashboard } from "../../scripts/build-dashboard.js";
import { agentConfig, startAgent, type AgentHarness } from "../support/agent-harness.js";
import {
  ADMIN_TOKEN,
  CLIENT_TOKEN,
  createBody,
  rest,
  startController,
  type ControllerHarness,
} from "../support/controller-harness.js";
import { createStudyRepo } from "../support/study-repo.js";

const DASHBOARD_TOKEN = `dash-${randomBytes(12).toString("hex")}`;
const RAP_ID = randomBytes(8).toString("hex");
const ARTIFACTS = path.resolve(import.meta.dirname, "../artifacts/dashboard");

let controller: ControllerHarness;
let agent: AgentHarness;
let browser: BrowserContext;
let page: Page;
let profile: string;

/** A study whose `gated` action runs until the test drops a `go` file into its working directory. */
function gatedStudy() {
  return createStudyRepo({
    "project.yaml": [
      'version: "5.0"',
      "actions:",
      "  gated:",
      "    run: python:v2 analysis/gated.sh",
      "    outputs:",
      "      moderately_sensitive:",
      "        done: output/done.txt",
      "  broken:",
      "    run: python:v2 analysis/broken.sh",
      "    outputs:",
      "      moderately_sensitive:",
      "        never: output/never.txt",
      "",
    ].join("\n"),
    "analysis/gated.sh": "mkdir -p output\nwhile [ ! -f go ]; do sleep 0.05; done\necho done > output/done.txt\n",
    "analysis/broken.sh": "exit 3\n",
  });
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

beforeAll(async () => {
  await buildDashboard();
  mkdirSync(ARTIFACTS, { recursive: true });
  controller = await startController({
    env: { DASHBOARD_TOKEN, MAINTENANCE_ENABLED_BACKENDS: "", DATA_CHECK_ENABLED_BACKENDS: "" },
  });
  agent = startAgent(agentConfig(controller.url));
  profile = mkdtempSync(path.join(tmpdir(), "rap-chromium-"));
  // A fresh profile directory per run (playwright passes it as --user-data-dir).
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  page = browser.pages()[0] ?? (await browser.newPage());
});

afterAll(async () => {
  await browser?.close();
  await agent?.stop();
  await controller?.dispose();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

describe("dashboard", () => {
  it("refuses a wrong token, then logs in with the dashboard token (never the admin token)", async () => {
    await page.goto(`${controller.url}/dashboard/`);
    await page.getByLabel("Dashboard token").fill(ADMIN_TOKEN);
    await page.getByRole("button", { name: "Log in" }).click();
    await expect.poll(() => page.getByTestId("login-error").textContent()).toBe("wrong token");
    await page.getByLabel("Dashboard token").fill(DASHBOARD_TOKEN);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByTestId("live").filter({ hasText: "live" }).waitFor();
    await page.getByTestId("backend-test").getByTestId("agent").filter({ hasText: "agent connected" }).waitFor();
    await shot("1-logged-in");

    const cookies = await browser.cookies();
    expect(cookies.map((cookie) => [cookie.name, cookie.httpOnly, cookie.sameSite])).toEqual([["rap_dashboard", true, "Strict"]]);
    const html = await page.content();
    for (const secret of [DASHBOARD_TOKEN, ADMIN_TOKEN, CLIENT_TOKEN]) expect(html).not.toContain(secret);
    // HttpOnly: the page's scripts cannot read the session.
    expect(await page.evaluate("document.cookie")).toBe("");
  });

  it("shows a new job appear and change state live, without reloading the page", async () => {
    await page.evaluate("window.marker = 'same page'");
    const study = gatedStudy();
    const created = await rest(
      controller,
      "POST",
      "/controller/v1/rap/create/",
      createBody({ rap_id: RAP_ID, repo_url: study.path, commit: study.commit, requested_actions: ["gated", "broken"] }),
    );
    expect(created.status).toBe(201);
    const gated = page.getByTestId(`job-${jobId(RAP_ID, "gated")}`);
    await gated.getByTestId("status-code").filter({ hasText: "executing" }).waitFor({ timeout: 60_000 });
    expect(await gated.getByTestId("state").textContent()).toBe("running");
    const broken = page.getByTestId(`job-${jobId(RAP_ID, "broken")}`);
    await broken.getByTestId("state").filter({ hasText: "failed" }).waitFor({ timeout: 60_000 });
    await shot("2-running");

    writeFileSync(path.join(agent.config.storage.volumesDir, jobId(RAP_ID, "gated"), "go"), "");
    await gated.getByTestId("state").filter({ hasText: "succeeded" }).waitFor({ timeout: 60_000 });
    expect(await gated.getByTestId("status-code").textContent()).toBe("succeeded");
    expect(await page.evaluate("window.marker")).toBe("same page");
    await shot("3-succeeded");
  });

  it("filters by state and by text", async () => {
    await page.getByTestId("filter-state").selectOption("failed");
    await expect.poll(() => page.locator("[data-testid^=job-]").count()).toBe(1);
    expect(await page.getByTestId(`job-${jobId(RAP_ID, "broken")}`).isVisible()).toBe(true);
    await page.getByTestId("filter-state").selectOption("");
    await page.getByTestId("filter-text").fill("gat");
    await expect.poll(() => page.locator("[data-testid^=job-]").count()).toBe(1);
    expect(await page.getByTestId(`job-${jobId(RAP_ID, "gated")}`).isVisible()).toBe(true);
    await page.getByTestId("filter-text").fill("no-such-action");
    await page.getByTestId("no-jobs").waitFor();
    await page.getByTestId("filter-text").fill("");
    await expect.poll(() => page.locator("[data-testid^=job-]").count()).toBe(2);
  });

  it("opens a job and shows its history of status changes", async () => {
    await page.getByTestId(`job-${jobId(RAP_ID, "gated")}`).click();
    const detail = page.getByTestId("job-detail");
    await detail.waitFor();
    expect(await detail.getByTestId("detail-id").textContent()).toBe(jobId(RAP_ID, "gated"));
    expect(await detail.getByTestId("detail-message").textContent()).toBe("Completed successfully");
    const codes = await detail.locator("[data-testid=history-entry] code").allTextContents();
    expect(codes[0]).toBe("created");
    expect(codes.at(-1)).toBe("succeeded");
    expect(codes).toContain("executing");
    expect(new Set(codes).size).toBe(codes.length);
    await shot("4-job-history");
    await page.setViewportSize({ width: 390, height: 844 });
    await shot("5-phone");
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it("refuses every dashboard call without the session cookie", async () => {
    const response = await fetch(`${controller.url}/dashboard.v1.DashboardService/GetJob`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: ADMIN_TOKEN },
      body: JSON.stringify({ id: jobId(RAP_ID, "gated") }),
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { code: string }).code).toBe("unauthenticated");
  });
});
