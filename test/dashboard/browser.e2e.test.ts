import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeOpenAI, startFakeOpenAI } from "../../bench/fake-openai-server.js";
import { FINDINGS_DIFF, STANDARD_WORKFLOW } from "../../bench/github-app-diffs.js";
import { type FakeGitHub, startFakeGitHub } from "../../bench/github-app-fake-github.js";
import { approvalEvent, OWNER, pullRequestEvent, REPO } from "../../bench/github-app-payloads.js";
import { CONTENT_SECURITY_POLICY } from "../../src/dashboard/handler.js";
import { deliverWebhook, freePort } from "../helpers/deliver-webhook.js";
import { bundleScript, type ScriptProcess, spawnScript } from "../helpers/node-script.js";
import { TOKEN, XSS_TITLE } from "./fixtures.js";

/**
 * The dashboard in real headless Chromium (Debian's package, driven by playwright-core) against the real app
 * process (src/server.ts, as `npm start` runs it) on a real SQLite file, a fake GitHub (GHE_HOST) and a fake
 * OpenAI-compatible model that answers after MODEL_DELAY_MS, so the three review steps visibly run in parallel
 * while the page is open. One PR goes from `opened` to merged through signed webhooks.
 */

/** Debian's package (scripts/ensure-chromium.sh installs it); CHROMIUM_PATH overrides. */
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const APP_ID = 1;
const SECRET = "browser-test-webhook-secret";
const PR = 1;
const MODEL_DELAY_MS = 3000;
const SCREENSHOT = "test-results/dashboard-run.png";
const AGENT_STEPS = ["code-review", "security", "tests"] as const;

/** POSTs a signed delivery the way GitHub does; resolves with the HTTP status. */
const deliver = (port: number, event: string, payload: object) =>
  deliverWebhook(port, SECRET, event, payload);

/** The `data-status` of every step node in the DAG, by step id. */
const nodeStatuses = (page: Page) =>
  page.$$eval("svg#dag g.node", (nodes) =>
    Object.fromEntries(nodes.map((n) => [n.getAttribute("data-step"), n.getAttribute("data-status")])),
  );

/** The colour a step's node is drawn in (its outline), as the browser computed it. */
const nodeColour = (page: Page, step: string) =>
  page.$eval(
    `svg#dag g.node[data-step="${step}"] rect`,
    (r) => r.ownerDocument.defaultView?.getComputedStyle(r).stroke,
  );
/** The stylesheet's colours for step states (`--succeeded` …), as computed `rgb()`. */
const SUCCEEDED = "rgb(26, 127, 55)";
const WAITING = "rgb(191, 135, 0)";
const QUEUED = "rgb(140, 149, 159)";

/** What the test reads of the page's `document` inside the browser (the tests compile without the DOM lib). */
interface PageDocument {
  querySelector(
    selector: string,
  ): { getAttribute(name: string): string | null; readonly textContent: string | null } | null;
}

/** A value the page keeps only while it is not reloaded or navigated away from. */
const markPage = (page: Page, mark: string) =>
  page.evaluate((m) => {
    (globalThis as unknown as { phasegateMark: string }).phasegateMark = m;
  }, mark);
const pageMark = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as { phasegateMark?: string }).phasegateMark ?? null);

describe("dashboard in headless Chromium against the app process", () => {
  let dir: string;
  let fake: FakeGitHub;
  let model: FakeOpenAI;
  let app: ScriptProcess;
  let browser: Browser;
  let base: string;
  let appPort: number;
  const dialogs: string[] = [];
  const cspViolations: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "phasegate-browser-"));
    mkdirSync("test-results", { recursive: true });
    fake = await startFakeGitHub({
      appId: APP_ID,
      owner: OWNER,
      repo: REPO,
      workflowYaml: STANDARD_WORKFLOW,
    });
    fake.setDefaultFiles(FINDINGS_DIFF);
    fake.pull(PR).title = XSS_TITLE;
    model = await startFakeOpenAI("gpt-4o-mini", { delayMs: MODEL_DELAY_MS });
    appPort = await freePort();
    base = `http://127.0.0.1:${appPort}`;
    const privateKey = generateKeyPairSync("rsa", { modulusLength: 2048 })
      .privateKey.export({ type: "pkcs1", format: "pem" })
      .toString();
    app = spawnScript(await bundleScript(new URL("./app-process.ts", import.meta.url)), {
      APP_ID: String(APP_ID),
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET: SECRET,
      HOST: "127.0.0.1",
      PORT: String(appPort),
      GHE_HOST: new URL(fake.url).host,
      GHE_PROTOCOL: "http",
      DATABASE_URL: `sqlite:${join(dir, "phasegate.db")}`,
      DASHBOARD_TOKEN: TOKEN,
      DASHBOARD_URL: base,
      OPENAI_API_KEY: "test-key-not-a-secret",
      OPENAI_BASE_URL: model.baseURL,
      LOG_FORMAT: "json",
      LOG_LEVEL: "info",
    });
    await app.waitFor(/Listening on/, 30_000);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (app && app.exitCode === null) {
      const exited = new Promise((resolve) => app.once("exit", resolve));
      app.kill("SIGTERM");
      await exited;
    }
    await model?.close();
    await fake?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const newPage = async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on("console", (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    return page;
  };

  let page: Page;
  let runUrl: string;

  it("refuses sign-in without the token and accepts it with an HttpOnly SameSite=Strict session", async () => {
    page = await newPage();
    await page.goto(`${base}/agents`);
    expect(page.url()).toBe(`${base}/agents/login`);
    expect(await page.locator("table#runs").count()).toBe(0);

    await page.fill("input[name=token]", "not-the-dashboard-token");
    await page.click("form#login button[type=submit]");
    await page.waitForSelector("#login-error");
    expect(page.url()).toBe(`${base}/agents/login`);
    expect(await page.context().cookies()).toEqual([]);

    await page.fill("input[name=token]", TOKEN);
    await Promise.all([page.waitForURL(`${base}/agents`), page.click("form#login button[type=submit]")]);
    const cookies = await page.context().cookies();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({
      name: "phasegate_session",
      path: "/agents",
      httpOnly: true,
      sameSite: "Strict",
    });
    // The session is invisible to scripts on the page.
    expect(await page.$eval("html", (html) => html.ownerDocument.cookie)).toBe("");
    expect(await page.locator("table#runs tr[data-run-id]").count()).toBe(0);
  });

  it("shows a run created through webhooks in the open runs list, without a reload", async () => {
    await markPage(page, "runs list");
    const opened = pullRequestEvent("opened", PR, fake.pull(PR).headSha, "octo-author");
    (opened.pull_request as { title: string }).title = XSS_TITLE;
    expect(await deliver(appPort, "pull_request", opened)).toBe(200);

    const row = await page.waitForSelector("table#runs tr[data-run-id]", { timeout: 15_000 });
    expect(await pageMark(page)).toBe("runs list");
    expect(await row.$eval("td.repo", (td) => td.textContent)).toBe(`${OWNER}/${REPO}`);
    expect(await row.$eval("td.subject .title", (s) => s.textContent)).toBe(XSS_TITLE);
    expect(await row.$eval("td.workflow", (td) => td.textContent)).toBe("delivery");
    expect(await row.$eval("td.sha", (td) => td.textContent)).toBe(fake.pull(PR).headSha.slice(0, 7));
    expect(await page.locator("table#runs img").count()).toBe(0);
    expect(await page.locator("a#next-page").count()).toBe(0);
    await page.screenshot({ path: "test-results/dashboard-runs.png" });
  });

  it("opens the run page under a strict CSP and updates it live as steps finish", async () => {
    const navigation = page.waitForResponse(
      (r) => r.request().resourceType() === "document" && r.url().includes("/agents/runs/"),
    );
    await page.click("table#runs a.run-link");
    const response = await navigation;
    expect(response.status()).toBe(200);
    expect(response.headers()["content-security-policy"]).toBe(CONTENT_SECURITY_POLICY);
    runUrl = page.url();
    await page.waitForSelector("main#run");
    await markPage(page, "run page");

    // The model answers after 3 s, so the review steps are still under way when the page first renders.
    const first = await nodeStatuses(page);
    expect(Object.keys(first).sort()).toEqual(["approval", "code-review", "merge", "security", "tests"]);
    for (const step of AGENT_STEPS) expect(["queued", "ready", "running"]).toContain(first[step]);
    expect(await page.getAttribute("main#run", "data-run-status")).toBe("running");

    await page.waitForFunction(
      (agents) => {
        const doc = (globalThis as unknown as { document: PageDocument }).document;
        const status = (step: string) =>
          doc.querySelector(`svg#dag g.node[data-step="${step}"]`)?.getAttribute("data-status");
        return agents.every((step) => status(step) === "succeeded") && status("approval") === "waiting";
      },
      AGENT_STEPS,
      { timeout: 20_000 },
    );
    expect(await pageMark(page)).toBe("run page");
    expect(await page.getAttribute("main#run", "data-run-status")).toBe("waiting");
    // The graph is coloured by state.
    expect(await nodeColour(page, "code-review")).toBe(SUCCEEDED);
    expect(await nodeColour(page, "approval")).toBe(WAITING);
    expect(await nodeColour(page, "merge")).toBe(QUEUED);

    // The gate parks with "needs 1 approval", and its first evaluation (a read of the PR's reviews) says what is
    // missing moments later: the live page shows that too.
    await page.waitForFunction(
      () =>
        (globalThis as unknown as { document: PageDocument }).document
          .querySelector('section#gates li.gate[data-step="approval"] .missing')
          ?.textContent?.includes("more") === true,
      undefined,
      { timeout: 10_000 },
    );
    const gate = page.locator('section#gates li.gate[data-step="approval"]');
    expect(await gate.locator(".missing").textContent()).toBe(
      `needs 1 more approval on ${fake.pull(PR).headSha.slice(0, 7)}`,
    );
    expect(await gate.locator(".who").textContent()).toBe("anyone with write access");
    for (const step of AGENT_STEPS) {
      const tokens = await page.locator(`table#steps tr[data-step="${step}"] td.tokens`).textContent();
      expect(Number(tokens?.replace(/,/g, ""))).toBeGreaterThan(0);
      expect(await page.locator(`table#steps tr[data-step="${step}"] td.latency`).textContent()).toMatch(
        /\d(\.\d+)?\s?(ms|s)/,
      );
    }
    expect(await page.locator("section#findings li.finding").count()).toBeGreaterThan(0);
    // Links to GitHub use GHE_HOST's web address; GitHub's check runs link back here (DASHBOARD_URL).
    expect(await page.getAttribute("a.pr-link", "href")).toBe(`${fake.url}/${OWNER}/${REPO}/pull/${PR}`);
    const checkLinks = await page.$$eval("a.check-link", (as) =>
      as.map((a) => [a.textContent, a.getAttribute("href")]),
    );
    expect(checkLinks.map(([label]) => label)).toContain("agents");
    for (const [, href] of checkLinks)
      expect(href).toMatch(new RegExp(`^${fake.url}/${OWNER}/${REPO}/runs/\\d+$`));
    const checkWrites = fake.served.filter((r) => r.route.includes("/check-runs") && r.method !== "GET");
    expect(checkWrites.length).toBeGreaterThan(0);
    for (const w of checkWrites) expect(w.detail).toContain(`details_url=${runUrl}`);
  });

  it("draws the parallel review steps as overlapping bars on the timeline", async () => {
    const bars = await Promise.all(
      AGENT_STEPS.map(async (step) => {
        const bar = page.locator(`svg#timeline rect.bar[data-step="${step}"]`);
        const box = await bar.boundingBox();
        if (!box) throw new Error(`no timeline bar for ${step}`);
        return {
          start: Number(await bar.getAttribute("data-start")),
          end: Number(await bar.getAttribute("data-end")),
          left: box.x,
          right: box.x + box.width,
        };
      }),
    );
    for (const b of bars) {
      expect(b.end - b.start).toBeGreaterThanOrEqual(MODEL_DELAY_MS);
      expect(b.right - b.left).toBeGreaterThan(20);
    }
    // All three ran at once: the latest start is before the earliest end, in time and on screen.
    expect(Math.max(...bars.map((b) => b.start))).toBeLessThan(Math.min(...bars.map((b) => b.end)));
    expect(Math.max(...bars.map((b) => b.left))).toBeLessThan(Math.min(...bars.map((b) => b.right)));
  });

  it("shows the PR title from GitHub as text: no element, no script", async () => {
    expect(await page.locator("main#run h1 .title").textContent()).toBe(XSS_TITLE);
    expect(await page.locator("img").count()).toBe(0);
    expect(await page.title()).toContain(XSS_TITLE);
    expect(dialogs).toEqual([]);
    expect(cspViolations).toEqual([]);
  });

  it("follows the approval through to the merge live, then saves a screenshot", async () => {
    const head = fake.pull(PR).headSha;
    fake.addReview(PR, { user: "octo-reviewer", state: "APPROVED", commitId: head });
    expect(
      await deliver(appPort, "pull_request_review", approvalEvent(PR, head, "octo-author", "octo-reviewer")),
    ).toBe(200);
    await page.waitForSelector('main#run[data-run-status="succeeded"]', { timeout: 20_000 });
    expect(await pageMark(page)).toBe("run page");
    expect(page.url()).toBe(runUrl);
    expect(await nodeStatuses(page)).toEqual({
      "code-review": "succeeded",
      security: "succeeded",
      tests: "succeeded",
      approval: "succeeded",
      merge: "succeeded",
    });
    expect(fake.pull(PR).merged).toBe(true);
    const review = page.locator("a.review-link");
    expect(await review.textContent()).toBe("PR review (review)");
    expect(await review.getAttribute("href")).toMatch(
      new RegExp(`^${fake.url}/${OWNER}/${REPO}/pull/${PR}#pullrequestreview-\\d+$`),
    );
    expect(await nodeColour(page, "merge")).toBe(SUCCEEDED);
    expect(await page.locator("section#gates li.gate").count()).toBe(0);
    const audit = await page.locator("table#audit tbody").textContent();
    expect(audit).toContain("octo-reviewer");
    expect(audit).toContain(head.slice(0, 7));

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
  }, 40_000);

  it("keeps a signed-out browser out of the run page", async () => {
    const stranger = await newPage();
    await stranger.goto(runUrl);
    expect(stranger.url()).toBe(`${base}/agents/login`);
    expect(await stranger.content()).not.toContain("acme/widgets");
    await stranger.context().close();
  });

  it("counted the run on /metrics: states, model calls and GitHub requests", async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    const families = parsePrometheusTextFormat(await res.text());
    const sample = (name: string, labels: Record<string, string>) =>
      Number(
        families
          .find((f) => f.name === name)
          ?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value ?? 0,
      );
    expect(sample("phasegate_runs", { state: "succeeded" })).toBe(1);
    expect(sample("phasegate_llm_calls_total", {})).toBe(model.calls.length);
    expect(model.calls.length).toBeGreaterThanOrEqual(3);
    expect(sample("phasegate_github_requests_total", { status: "200" })).toBeGreaterThan(0);
  });

  it("keeps the token, the session and the model key out of its log; lines carry the delivery and run", async () => {
    const basic = Buffer.from(`ops:${TOKEN}`).toString("base64");
    expect((await fetch(`${base}/agents`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(
      200,
    );
    expect((await fetch(`${base}/agents`, { headers: { authorization: `Basic ${basic}` } })).status).toBe(
      200,
    );
    const session = (await page.context().cookies())[0]?.value ?? "";
    expect(session.length).toBeGreaterThan(20);
    // Whole lines only: the last piece of the output may be a line still being written.
    const logLines = () =>
      app
        .output()
        .stdout.split("\n")
        .slice(0, -1)
        .filter((l) => l.startsWith("{"))
        .map(
          (l) => JSON.parse(l) as Record<string, unknown> & { req?: { headers?: Record<string, string> } },
        );
    // Probot logs each request with its headers once the response is sent, so the two lines of the requests
    // above may still be on their way through the pipe; the credentials in them are redacted.
    await expect
      .poll(() => logLines().filter((l) => l.req?.headers?.authorization === "[redacted]").length, {
        timeout: 5_000,
      })
      .toBe(2);
    const { stdout, stderr } = app.output();
    for (const secret of [TOKEN, basic, session, "test-key-not-a-secret", SECRET])
      expect(stdout + stderr).not.toContain(secret);
    const lines = logLines();
    const signedIn = lines.filter((l) => l.req?.headers?.cookie !== undefined);
    expect(signedIn.length).toBeGreaterThan(0);
    for (const l of signedIn) expect(l.req?.headers?.cookie).toBe("[redacted]");
    const started = lines.find((l) => l.msg === "run started");
    expect(started).toMatchObject({ deliveryId: expect.any(String), runId: runUrl.split("/").at(-1) });
  });

  it("signs out: the session cookie is gone and the runs list asks for the token again", async () => {
    await page.goto(`${base}/agents`);
    await Promise.all([
      page.waitForURL(`${base}/agents/login`),
      page.click("form.logout button[type=submit]"),
    ]);
    expect(await page.context().cookies()).toEqual([]);
    await page.goto(`${base}/agents`);
    expect(page.url()).toBe(`${base}/agents/login`);
  });
});
