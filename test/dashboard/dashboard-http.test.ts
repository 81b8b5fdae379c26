import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONTENT_SECURITY_POLICY } from "../../src/dashboard/handler.js";
import { type AppHarness, startApp } from "../app/harness.js";
import { serve } from "../helpers/serve-handler.js";
import { postForm, TOKEN, waitingRun, XSS_TITLE } from "./fixtures.js";

const bearer = { authorization: `Bearer ${TOKEN}` };
const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);

describe.each(["sqlite", "postgres"] as const)("dashboard over HTTP (%s)", (database) => {
  let app: AppHarness;
  let base: string;
  let server: Awaited<ReturnType<typeof serve>>;

  beforeAll(async () => {
    app = await startApp({
      database,
      env: { DASHBOARD_TOKEN: TOKEN, GHE_HOST: "ghe.example.com", GHE_PROTOCOL: "https" },
    });
    server = await serve(app.http);
    base = server.url;
    await app.services.store.createRun(waitingRun("run-xss", T0, { title: XSS_TITLE, number: 12 }));
    for (let i = 0; i < 60; i++)
      await app.services.store.createRun(
        waitingRun(`run-${String(i).padStart(2, "0")}`, T0 - (i + 1) * 60_000, {
          repo: i % 2 ? "acme/api" : "acme/app",
          number: 100 + i,
          title: `Change ${i}`,
        }),
      );
    await app.services.github.putEffect(
      "run-xss",
      "check:agents",
      { state: "done", githubId: "555", data: null },
      T0,
    );
  });
  afterAll(async () => {
    await server?.close();
    await app?.stop();
  });

  it("sends browsers without a session to sign in, and refuses other clients", async () => {
    const page = await fetch(`${base}/agents`, { headers: { accept: "text/html" }, redirect: "manual" });
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe("/agents/login");
    const api = await fetch(`${base}/agents/runs/run-xss`, { redirect: "manual" });
    expect(api.status).toBe(401);
    expect(await api.text()).not.toContain("acme");
    const wrong = await fetch(`${base}/agents`, { headers: { authorization: `Bearer ${TOKEN}x` } });
    expect(wrong.status).toBe(401);
  });

  it("signs in with the token only, with an HttpOnly SameSite=Strict session cookie", async () => {
    const refused = await postForm(`${base}/agents/login`, "token=not-the-token");
    expect(refused.status).toBe(401);
    expect(refused.headers["set-cookie"]).toBeUndefined();
    expect(refused.body).toContain('id="login-error"');

    const ok = await postForm(`${base}/agents/login`, new URLSearchParams({ token: TOKEN }).toString());
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe("/agents");
    const cookie = ok.headers["set-cookie"]?.[0] ?? "";
    expect(cookie).toMatch(
      /^phasegate_session=\d+\.[\w-]+; Path=\/agents; HttpOnly; SameSite=Strict; Max-Age=43200$/,
    );
    const session = cookie.split(";")[0]!;
    const list = await fetch(`${base}/agents`, { headers: { cookie: session } });
    expect(list.status).toBe(200);
    // A forged session (right shape, wrong signature) is refused.
    const forged = session.replace(/\.[\w-]+$/, ".AAAA");
    expect((await fetch(`${base}/agents`, { headers: { cookie: forged } })).status).toBe(401);
    // Basic auth with the token as password works too (for curl and scrapers).
    const basic = Buffer.from(`any:${TOKEN}`).toString("base64");
    expect((await fetch(`${base}/agents`, { headers: { authorization: `Basic ${basic}` } })).status).toBe(
      200,
    );
  });

  it("marks the session Secure behind an HTTPS proxy, and signing out clears it", async () => {
    const form = new URLSearchParams({ token: TOKEN }).toString();
    const viaTls = await postForm(`${base}/agents/login`, form, { "x-forwarded-proto": "https" });
    expect(viaTls.headers["set-cookie"]?.[0]).toMatch(/; HttpOnly; SameSite=Strict; Max-Age=43200; Secure$/);

    const session = viaTls.headers["set-cookie"]?.[0]?.split(";")[0] ?? "";
    const out = await postForm(`${base}/agents/logout`, "", { cookie: session });
    expect(out.status).toBe(303);
    expect(out.headers.location).toBe("/agents/login");
    expect(out.headers["set-cookie"]).toEqual([
      "phasegate_session=; Path=/agents; HttpOnly; SameSite=Strict; Max-Age=0",
    ]);
  });

  it("shows titles and findings from GitHub and models as text, under a strict CSP", async () => {
    for (const path of ["/agents", "/agents/runs/run-xss"]) {
      const res = await fetch(`${base}${path}`, { headers: bearer });
      expect(res.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      const html = await res.text();
      expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
      expect(html).not.toContain("<img");
      expect(html).not.toContain("<script>alert");
      // No inline script or style anywhere: only /agents/assets/.
      expect(html.match(/<script[^>]*>/g)).toEqual(['<script src="/agents/assets/dashboard.js" defer>']);
      expect(html).not.toMatch(/ style=|<style/);
    }
    const run = await (await fetch(`${base}/agents/runs/run-xss`, { headers: bearer })).text();
    expect(run).toContain("&lt;script&gt;alert(2)&lt;/script&gt;");
    expect(run).toContain("Body &amp; &lt;b&gt;text&lt;/b&gt;");
  });

  it("draws the DAG coloured by state, the timeline with overlapping bars, the gate, tokens and links", async () => {
    const html = await (await fetch(`${base}/agents/runs/run-xss`, { headers: bearer })).text();
    expect(html).toContain('data-run-status="waiting"');
    const nodes = [...html.matchAll(/<g class="node s-(\w+)" data-step="(\w+)" data-status="(\w+)">/g)].map(
      (m) => [m[2], m[3]],
    );
    expect(nodes).toEqual([
      ["review", "succeeded"],
      ["security", "succeeded"],
      ["tests", "succeeded"],
      ["gate", "waiting"],
      ["merge", "queued"],
    ]);
    // One edge per agent step into the gate, one from the gate to the merge.
    expect(html.match(/class="edge"/g)).toHaveLength(4);
    const bars = [
      ...html.matchAll(
        /data-step="(\w+)" data-start="(\d+)" data-end="(\d*)" x="([\d.]+)"[^>]* width="([\d.]+)"/g,
      ),
    ];
    const byStep = Object.fromEntries(
      bars.map((m) => [m[1], { start: +m[2]!, end: m[3], x: +m[4]!, w: +m[5]! }]),
    );
    expect(Object.keys(byStep)).toEqual(["review", "security", "tests", "gate"]);
    expect(byStep.review).toMatchObject({ start: T0 + 10, end: String(T0 + 900) });
    expect(byStep.gate!.end).toBe("");
    // Parallel steps overlap on screen: each agent bar starts before the others end.
    const agents = [byStep.review!, byStep.security!, byStep.tests!];
    expect(Math.max(...agents.map((b) => b.x))).toBeLessThan(Math.min(...agents.map((b) => b.x + b.w)));
    expect(html).toMatch(
      /<li class="gate" data-step="gate"><b>gate<\/b>: <span class="missing">needs 1 approval on abc1234<\/span>, from <span class="who">@acme\/maintainers<\/span>/,
    );
    expect(html).toMatch(
      /<tr data-step="review">.*<td class="tokens">1200<\/td><td class="latency">890ms<\/td>/,
    );
    expect(html).toContain('<a class="pr-link github-link" href="https://ghe.example.com/acme/app/pull/12"');
    expect(html).toContain('<a class="check-link" href="https://ghe.example.com/acme/app/runs/555"');
  });

  it("filters and pages the runs list by keyset", async () => {
    const rowIds = (html: string) => [...html.matchAll(/<tr data-run-id="([^"]+)">/g)].map((m) => m[1]);
    const first = await (await fetch(`${base}/agents`, { headers: bearer })).text();
    const ids = rowIds(first);
    expect(ids).toHaveLength(50);
    // The filter choices: every repository and workflow that has runs.
    const options = (name: string) =>
      [
        ...(new RegExp(`<select name="${name}">(.*?)</select>`).exec(first)?.[1] ?? "").matchAll(
          /value="([^"]*)"/g,
        ),
      ].map((m) => m[1]);
    expect(options("repo")).toEqual(["", "acme/api", "acme/app"]);
    expect(options("workflow")).toEqual(["", "w"]);
    expect(ids[0]).toBe("run-xss");
    const next = /id="next-page" href="([^"]+)"/.exec(first)?.[1]?.replaceAll("&amp;", "&");
    expect(next).toBeDefined();
    const secondPage = await (await fetch(`${base}${next}`, { headers: bearer })).text();
    const second = rowIds(secondPage);
    expect(second).toEqual(Array.from({ length: 11 }, (_, i) => `run-${String(49 + i).padStart(2, "0")}`));
    // The last page has no "Older runs" link, only the way back to the newest.
    expect(secondPage).not.toContain('id="next-page"');
    expect(secondPage).toContain('<a id="first-page" href="/agents">Newest</a>');
    const apiPage = await (await fetch(`${base}/agents?repo=acme/api`, { headers: bearer })).text();
    const api = rowIds(apiPage);
    expect(api).toHaveLength(30);
    expect(apiPage).not.toContain('id="next-page"');
    expect(apiPage).not.toContain('id="first-page"');
    expect(api.every((id) => Number(id!.slice(4)) % 2 === 1)).toBe(true);
    const none = await (await fetch(`${base}/agents?state=failed`, { headers: bearer })).text();
    expect(rowIds(none)).toEqual([]);
    expect(none).toContain("No runs match these filters.");
  });

  it("streams a change event when the run changes", async () => {
    const controller = new AbortController();
    const res = await fetch(`${base}/agents/runs/run-xss/events`, {
      headers: bearer,
      signal: controller.signal,
    });
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = decoder.decode((await reader.read()).value);
    expect(text).toBe("retry: 2000\n\n");
    app.services.changes.changed("another-run");
    app.services.changes.changed("run-xss");
    text = decoder.decode((await reader.read()).value);
    expect(text).toMatch(/^event: change\ndata: \d+\n\n$/);
    controller.abort();
  });

  it("answers 404 for an unknown run and leaves other paths to the next handler", async () => {
    const res = await fetch(`${base}/agents/runs/nope`, { headers: bearer });
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("No run nope.");
    // Malformed %-escapes are an unknown run too, not a server error.
    const malformed = await fetch(`${base}/agents/runs/%E0%A4%A`, { headers: bearer });
    expect(malformed.status).toBe(404);
    expect(await malformed.text()).toContain("No run %E0%A4%A.");
    expect((await fetch(`${base}/agents/runs/%E0%A4%A/events`, { headers: bearer })).status).toBe(404);
    // Not the dashboard's own 404 page: the server's, after every handler said "not mine".
    const elsewhere = await fetch(`${base}/elsewhere`, { headers: bearer });
    expect(elsewhere.status).toBe(404);
    expect(await elsewhere.text()).toBe("");
  });
});
