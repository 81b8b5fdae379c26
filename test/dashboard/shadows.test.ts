import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Finding } from "../../src/core/findings/finding.js";
import { CONTENT_SECURITY_POLICY } from "../../src/dashboard/handler.js";
import type { JudgementRecord, PostedFinding } from "../../src/db/finding-store.js";
import { ShadowStore } from "../../src/db/shadow-store.js";
import type { ShadowResult } from "../../src/engine/ports.js";
import { type AppHarness, startApp } from "../app/harness.js";
import { serve } from "../helpers/serve-handler.js";
import { expectSessionRequired, TOKEN } from "./fixtures.js";

const bearer = { authorization: `Bearer ${TOKEN}` };
const NOW = Date.UTC(2026, 11, 15, 12);
const XSS_PERSONA = '<script>alert("p")</script>';
const XSS_MODEL = "<img src=x onerror=alert(1)>";
/** In every stored finding's title and file: the page must never show what a finding said or where. */
const SECRET = "never-on-the-shadows-page";

const f = (fingerprint: string): Finding => ({
  file: `src/${SECRET}.ts`,
  line: 1,
  severity: "high",
  title: `Title ${SECRET}`,
  body: `Body ${SECRET}`,
  fingerprint,
  taskType: "ts",
});

function shadowRun(over: Partial<ShadowResult>): ShadowResult {
  return {
    runId: "run-1",
    stepId: "code-review",
    repo: "acme/api",
    number: 3,
    persona: "reviewer",
    primaryModel: "gpt-a",
    model: "gpt-b",
    stepKind: "review",
    findings: [],
    primaryFindings: [],
    tokens: 0,
    primaryTokens: 0,
    latencyMs: 0,
    primaryLatencyMs: 0,
    error: null,
    at: NOW,
    ...over,
  };
}

/**
 * acme/api, reviewer on gpt-a shadowed by gpt-b:
 * - PR 3: the primary found fp1 (judged wrong) and fp2 (useful), the shadow fp1 and fp3 (never posted);
 * - PR 4: both found fp4 (addressed);
 * - PR 4, security: the shadow failed (counted apart, left out).
 * So: findings 3 and 3; agreement (1 + 1) / (3 + 1) = 0.50; precision 2/3 and 1/2 (fp1 inherited `wrong`);
 * tokens 1500 and 700; mean latency 1.5 s and 750 ms.
 * acme/app: names with HTML, nothing judged.
 */
const RUNS: ShadowResult[] = [
  shadowRun({
    primaryFindings: [f("fp1"), f("fp2")],
    findings: [f("fp1"), f("fp3")],
    primaryTokens: 1000,
    tokens: 400,
    primaryLatencyMs: 2000,
    latencyMs: 1000,
  }),
  shadowRun({
    runId: "run-2",
    number: 4,
    primaryFindings: [f("fp4")],
    findings: [f("fp4")],
    primaryTokens: 500,
    tokens: 300,
    primaryLatencyMs: 1000,
    latencyMs: 500,
  }),
  shadowRun({
    runId: "run-2",
    stepId: "security",
    number: 4,
    primaryFindings: [f("fp5")],
    primaryTokens: 800,
    tokens: 12,
    error: "openai-compatible (llm.test): 503 overloaded",
  }),
  shadowRun({
    runId: "run-9",
    repo: "acme/app",
    number: 1,
    persona: XSS_PERSONA,
    primaryModel: XSS_MODEL,
    model: "gpt-b",
    primaryFindings: [f("fx")],
    findings: [],
    primaryTokens: 10,
    tokens: 20,
    primaryLatencyMs: 30,
    latencyMs: 40,
  }),
];

const JUDGED: [number, string, JudgementRecord["judgement"], JudgementRecord["source"]][] = [
  [3, "fp1", "wrong", "reply"],
  [3, "fp2", "useful", "reaction"],
  [4, "fp4", "addressed", "push"],
];

function posted(number: number, fingerprint: string): PostedFinding {
  return {
    repo: "acme/api",
    number,
    fingerprint,
    runId: "run-1",
    stepId: "code-review",
    persona: "reviewer",
    model: "gpt-a",
    stepKind: "review",
    taskType: "ts",
    file: `src/${SECRET}.ts`,
    line: 1,
    severity: "high",
    title: `Title ${SECRET}`,
    source: "model",
    codeHash: null,
    postedIn: "inline",
    reviewId: "900",
    headSha: "abc1234",
    postedAt: NOW - 1000,
  };
}

const ENTITIES: Record<string, string> = {
  "&lt;": "<",
  "&gt;": ">",
  "&amp;": "&",
  "&#34;": '"',
  "&#39;": "'",
};
const text = (html: string) => html.replace(/&(lt|gt|amp|#34|#39);/g, (e) => ENTITIES[e] ?? e);

/** The comparison table's rows, as the cells' text. */
const rows = (html: string) =>
  [...html.matchAll(/<tr class="shadow-row">(.*?)<\/tr>/g)].map((m) =>
    [...(m[1] ?? "").matchAll(/<td class="[^"]*"(?: title="[^"]*")?>(.*?)<\/td>/g)].map((c) =>
      text(c[1] ?? ""),
    ),
  );

const API_ROW = [
  "acme/api",
  "reviewer",
  "gpt-a",
  "gpt-b",
  "2",
  "1",
  "3",
  "3",
  "0.50",
  "0.67",
  "0.50",
  "1500",
  "700",
  "1.5 s",
  "750 ms",
];
const APP_ROW = [
  "acme/app",
  XSS_PERSONA,
  XSS_MODEL,
  "gpt-b",
  "1",
  "0",
  "1",
  "0",
  "0.00",
  "—",
  "—",
  "10",
  "20",
  "30 ms",
  "40 ms",
];

describe.each(["sqlite", "postgres"] as const)("the dashboard's Shadows page (%s)", (database) => {
  let app: AppHarness;
  let base: string;
  let server: Awaited<ReturnType<typeof serve>>;
  const page = async (query = "") =>
    (await fetch(`${base}/agents/shadows${query}`, { headers: bearer })).text();

  beforeAll(async () => {
    app = await startApp({ database, now: () => NOW, env: { DASHBOARD_TOKEN: TOKEN } });
    server = await serve(app.http);
    base = server.url;
    const shadows = new ShadowStore(app.db.db);
    for (const r of RUNS) await shadows.store(r);
    const findings = app.services.findings;
    await findings.recordPosted(JUDGED.map(([n, fp]) => posted(n, fp)));
    for (const [n, fp, judgement, source] of JUDGED) {
      await findings.judge("acme/api", n, fp, {
        judgement,
        source,
        actor: "octocat",
        reason: null,
        at: NOW,
        clears: false,
      });
    }
  });
  afterAll(async () => {
    await server?.close();
    await app?.stop();
  });

  it("needs a session like every other page", async () => {
    await expectSessionRequired(base, "/agents/shadows", "acme/api");
  });

  it("is linked next to Profiles", async () => {
    const runs = await (await fetch(`${base}/agents`, { headers: bearer })).text();
    expect(runs).toContain(
      '<a href="/agents/profiles">Profiles</a><a href="/agents/shadows">Shadows</a></nav>',
    );
    expect(await page()).toContain(
      '<a href="/agents/profiles">Profiles</a><a href="/agents/shadows" aria-current="page">Shadows</a></nav>',
    );
  });

  it("compares primary and shadow per repository and persona: exact figures, inherited judgements, names escaped, no finding shown", async () => {
    const res = await fetch(`${base}/agents/shadows`, { headers: bearer });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
    const html = await res.text();
    expect(rows(html)).toEqual([API_ROW, APP_ROW]);
    expect(html).toContain('title="2 of 3 judged right">0.67</td>');
    expect(html).toContain('title="1 of 2 judged right">0.50</td>');
    expect(html).toContain('<p id="shadows-read" class="muted">Over the newest 4 shadow runs.</p>');
    // Names from a workflow file are escaped; nothing a finding said (or its file) is on the page.
    expect(html).not.toContain("<script>alert");
    expect(html).not.toContain("<img src=x");
    expect(html).toContain("&lt;script&gt;alert(&#34;p&#34;)&lt;/script&gt;");
    expect(html).not.toContain(SECRET);
    expect(html).not.toContain("503 overloaded");
  });

  it("filters on a repository", async () => {
    const html = await page("?repo=acme%2Fapi");
    expect(rows(html)).toEqual([API_ROW]);
    expect(html).toContain('<option value="acme/api" selected>acme/api</option>');
    expect(html).toContain('<option value="acme/app">acme/app</option>');
    const none = await page(`?repo=${encodeURIComponent("<b>acme/none</b>")}`);
    expect(rows(none)).toEqual([]);
    expect(none).toContain(
      '<p id="no-shadows" class="muted">No shadow runs in &lt;b&gt;acme/none&lt;/b&gt; yet: set <code>agents.&lt;id&gt;.shadow: &lt;model&gt;</code> in <code>.agents/workflow.yaml</code>.</p>',
    );
  });
});
