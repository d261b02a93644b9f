/**
 * The dashboard login is rate limited per client address over real HTTP: after 10 attempts in a
 * minute from one address the controller answers 429 with a JSON error and Retry-After, even for
 * the right token, while another address (127.0.0.2, also the loopback) still logs in.
 */
import http from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { startController, type ControllerHarness } from "../support/controller-harness.js";

const DASHBOARD_TOKEN = "dashboard-token-for-limits";

interface Answer {
  status: number;
  body: string;
  retryAfter: string | undefined;
}

function login(controller: ControllerHarness, token: string, localAddress: string): Promise<Answer> {
  const url = new URL("/dashboard/login", controller.url);
  const body = JSON.stringify({ token });
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method: "POST", localAddress, agent: false, headers: { "content-type": "application/json" } },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (text += chunk));
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, body: text, retryAfter: response.headers["retry-after"] }),
        );
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}

describe("dashboard login rate limit", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it("answers 429 after 10 attempts from one address, and only for that address", async () => {
    const controller = await startController({ env: { DASHBOARD_TOKEN } });
    cleanups.push(() => controller.dispose());

    const guesses: number[] = [];
    for (let n = 0; n < 10; n++) guesses.push((await login(controller, `guess-${n}`, "127.0.0.1")).status);
    expect(guesses).toEqual(Array.from({ length: 10 }, () => 401));

    // The 11th is refused before the token is even read: the right one does not help.
    const limited = await login(controller, DASHBOARD_TOKEN, "127.0.0.1");
    expect(limited.status).toBe(429);
    // One attempt comes back every 6 s; the exact wait depends on how long the 10 took.
    expect(limited.retryAfter).toMatch(/^[1-6]$/);
    expect(JSON.parse(limited.body)).toEqual({ error: `too many login attempts; try again in ${limited.retryAfter} s` });

    const other = await login(controller, DASHBOARD_TOKEN, "127.0.0.2");
    expect([other.status, JSON.parse(other.body)]).toEqual([200, { result: "logged in" }]);
  });
});
