import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONTENT_SECURITY_POLICY } from "../../src/dashboard/handler.js";
import type { JudgementRecord, PostedFinding } from "../../src/db/finding-store.js";
import { type AppHarness, startApp } from "../app/harness.js";
import { serve } from "../helpers/serve-handler.js";
import { expectSessionRequired, TOKEN } from "./fixtures.js";

const bearer = { authorization: `Bearer ${TOKEN}` };
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 15, 12); // 2026-12-15T12:00:00Z
const ago = (days: number) => NOW - days * DAY;
const XSS_PERSONA = '<script>alert("p")</script>';
const XSS_MODEL = "<img src=x onerror=alert(1)>";
/** In every posted finding: the page must never show a finding's title, file or fingerprint. */
const SECRET = "never-on-the-profiles-page";

type Judged = [JudgementRecord["judgement"], JudgementRecord["source"], number];

function posted(repo: string, n: number, persona: string, model: string, kind: string, task: string) {
  return {
    repo,
    number: 3,
    fingerprint: `fp-${n}-${SECRET}`,
    runId: "run-1",
    stepId: kind,
    persona,
    model,
    stepKind: kind,
    taskType: task,
    file: `src/${SECRET}.${task}`,
    line: 1,
    severity: "medium",
    title: `Title ${SECRET}`,
    source: null,
    codeHash: null,
    postedIn: "inline",
    reviewId: "900",
    headSha: "abc1234",
    postedAt: ago(30),
  } satisfies PostedFinding;
}

/**
 * acme/api, reviewer on gpt-a: ts useful + wrong today, addressed 7 days ago, wrong 14 days ago (expertise
 * 4.5 / 7.75); py useful yesterday. reviewer on gpt-b: useful 28 days ago, wrong today (0.0625 / 3.0625).
 * acme/app: a persona and a model named with HTML, useful 7 days ago; and one open finding.
 */
const HISTORY: [PostedFinding, Judged | null][] = [
  [posted("acme/api", 1, "reviewer", "gpt-a", "review", "ts"), ["useful", "reply", NOW]],
  [posted("acme/api", 2, "reviewer", "gpt-a", "review", "ts"), ["wrong", "reply", NOW]],
  [posted("acme/api", 3, "reviewer", "gpt-a", "review", "ts"), ["addressed", "push", ago(7)]],
  [posted("acme/api", 4, "reviewer", "gpt-a", "review", "ts"), ["wrong", "reaction", ago(14)]],
  [posted("acme/api", 5, "reviewer", "gpt-a", "review", "py"), ["useful", "reply", ago(1)]],
  [posted("acme/api", 6, "reviewer", "gpt-b", "review", "ts"), ["useful", "reaction", ago(28)]],
  [posted("acme/api", 7, "reviewer", "gpt-b", "review", "ts"), ["wrong", "reply", NOW]],
  [posted("acme/app", 8, XSS_PERSONA, XSS_MODEL, "security", "py"), ["useful", "reply", ago(7)]],
  [posted("acme/app", 9, XSS_PERSONA, XSS_MODEL, "security", "py"), null],
];

const ENTITIES: Record<string, string> = {
  "&lt;": "<",
  "&gt;": ">",
  "&amp;": "&",
  "&#34;": '"',
  "&#39;": "'",
};
const text = (html: string) => html.replace(/&(lt|gt|amp|#34|#39);/g, (e) => ENTITIES[e] ?? e);

/** The profiles table's rows, as the cells' text. */
const rows = (html: string) =>
  [...html.matchAll(/<tr class="profile">(.*?)<\/tr>/g)].map((m) =>
    [...(m[1] ?? "").matchAll(/<td class="[^"]*">(.*?)<\/td>/g)].map((c) => text(c[1] ?? "")),
  );

/** Each chart: who it is for, its title, its line and its points. */
const charts = (html: string) =>
  [...html.matchAll(/<figure class="curve" (.*?)<\/figure>/gs)].map((m) => {
    const f = m[1] ?? "";
    return {
      of: text(/data-persona="([^"]*)" data-model="([^"]*)"/.exec(f)?.slice(1, 3).join(" on ") ?? ""),
      repo: /data-repo="([^"]*)"/.exec(f)?.[1],
      title: text(/<title id="curve-\d+-title">(.*?)<\/title>/.exec(f)?.[1] ?? ""),
      lines: [...f.matchAll(/<path class="line" d="([^"]*)"\/>/g)].map((l) => l[1]),
      points: [...f.matchAll(/<circle class="point" [^>]*><title>(.*?)<\/title>/g)].map((p) => p[1]),
    };
  });

const stateRows = (html: string) =>
  [...html.matchAll(/<tr class="(?:state-row|overall)">(.*?)<\/tr>/g)].map((m) =>
    [...(m[1] ?? "").matchAll(/<t[dh][^>]*>(.*?)<\/t[dh]>/g)].map((c) => c[1]).join(" "),
  );

describe.each(["sqlite", "postgres"] as const)("the dashboard's Profiles page (%s)", (database) => {
  let app: AppHarness;
  let base: string;
  let server: Awaited<ReturnType<typeof serve>>;
  const page = async (query = "") =>
    (await fetch(`${base}/agents/profiles${query}`, { headers: bearer })).text();

  beforeAll(async () => {
    app = await startApp({ database, now: () => NOW, env: { DASHBOARD_TOKEN: TOKEN } });
    server = await serve(app.http);
    base = server.url;
    const findings = app.services.findings;
    await findings.recordPosted(HISTORY.map(([f]) => f));
    for (const [f, j] of HISTORY) {
      if (!j) continue;
      const [judgement, source, at] = j;
      await findings.judge(f.repo, f.number, f.fingerprint, {
        judgement,
        source,
        actor: "octocat",
        reason: null,
        at,
        clears: false,
      });
    }
  });
  afterAll(async () => {
    await server?.close();
    await app?.stop();
  });

  it("needs a session like every other page", async () => {
    await expectSessionRequired(base, "/agents/profiles", "acme/api");
  });

  it("is linked from the runs list, next to it", async () => {
    const runs = await (await fetch(`${base}/agents`, { headers: bearer })).text();
    expect(runs).toContain(
      '<nav class="sections" aria-label="Dashboard"><a href="/agents" aria-current="page">Runs</a><a href="/agents/profiles">Profiles</a><a href="/agents/shadows">Shadows</a></nav>',
    );
    expect(await page()).toContain(
      '<a href="/agents">Runs</a><a href="/agents/profiles" aria-current="page">Profiles</a>',
    );
  });

  it("lists every profile per repository with its scores, sorted, names escaped", async () => {
    const res = await fetch(`${base}/agents/profiles`, { headers: bearer });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
    const html = await res.text();
    expect(rows(html)).toEqual([
      ["acme/api", "reviewer", "gpt-a", "review", "py", "1", "1.00", "1.00", "0.05", "1.00", "0.81"],
      ["acme/api", "reviewer", "gpt-a", "review", "ts", "4", "0.50", "0.58", "0.20", "1.00", "0.63"],
      ["acme/api", "reviewer", "gpt-b", "review", "ts", "2", "0.50", "0.02", "0.10", "1.00", "0.33"],
      ["acme/app", XSS_PERSONA, XSS_MODEL, "security", "py", "1", "1.00", "1.00", "0.05", "1.00", "0.81"],
    ]);
    expect(html).toContain("&lt;script&gt;alert(&#34;p&#34;)&lt;/script&gt;");
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<script>alert");
    expect(html.match(/<script[^>]*>/g)).toEqual(['<script src="/agents/assets/dashboard.js" defer>']);
    expect(html).not.toMatch(/ style=|<style/);
    // Who made findings and how they were judged; never what they said or where.
    expect(html).not.toContain(SECRET);
  });

  it("draws one learning curve per persona and model: a line with gaps, a point per day judged", async () => {
    const html = await page();
    expect(charts(html)).toEqual([
      {
        of: "reviewer on gpt-a",
        repo: "acme/api",
        title:
          "Learning curve of reviewer on gpt-a in acme/api: precision per day over the last 30 days, 4 days with judgements",
        // 14 days ago (0), 7 days ago (1), then yesterday (1) and today (0.5) joined; gaps between.
        lines: ["M197.4,128 M273.7,10 M339.1,10 L350,69"],
        points: [
          "2026-12-01: 0 of 1 right (0.00)",
          "2026-12-08: 1 of 1 right (1.00)",
          "2026-12-14: 1 of 1 right (1.00)",
          "2026-12-15: 1 of 2 right (0.50)",
        ],
      },
      {
        of: "reviewer on gpt-b",
        repo: "acme/api",
        title:
          "Learning curve of reviewer on gpt-b in acme/api: precision per day over the last 30 days, 2 days with judgements",
        lines: ["M44.9,10 M350,128"],
        points: ["2026-11-17: 1 of 1 right (1.00)", "2026-12-15: 0 of 1 right (0.00)"],
      },
      {
        of: `${XSS_PERSONA} on ${XSS_MODEL}`,
        repo: "acme/app",
        title: `Learning curve of ${XSS_PERSONA} on ${XSS_MODEL} in acme/app: precision per day over the last 30 days, 1 day with judgements`,
        lines: ["M273.7,10"],
        points: ["2026-12-08: 1 of 1 right (1.00)"],
      },
    ]);
    // Each chart is an image with an accessible name, on a 0–1 axis over 30 days.
    expect(
      html.match(/<svg class="learning-curve" role="img" aria-labelledby="curve-\d-title"/g),
    ).toHaveLength(3);
    expect(html).toContain('text-anchor="end">0.0</text>');
    expect(html).toContain('text-anchor="end">1.0</text>');
    expect(html).toContain('<text class="xtick" x="34" y="144" text-anchor="start">11-16</text>');
    expect(html).toContain('<text class="xtick" x="350" y="144" text-anchor="end">12-15</text>');
  });

  it("counts findings by state per repository and overall", async () => {
    const html = await page();
    expect(stateRows(html)).toEqual([
      "acme/api 0 3 3 1 0",
      "acme/app 1 1 0 0 0",
      "All repositories 1 4 3 1 0",
    ]);
    expect(html).toContain(
      '<p id="states-summary">All repositories: open 1 · useful 4 · wrong 3 · addressed 1 · dismissed 0</p>',
    );
  });

  it("filters by repository: the choices are the repositories with findings", async () => {
    const options = (html: string) =>
      [
        ...(/<select name="repo">(.*?)<\/select>/.exec(html)?.[1] ?? "").matchAll(
          /<option value="([^"]*)"( selected)?/g,
        ),
      ].map((m) => `${m[1]}${m[2] ?? ""}`);
    expect(options(await page())).toEqual(["", "acme/api", "acme/app"]);

    const app = await page("?repo=acme/app");
    expect(options(app)).toEqual(["", "acme/api", "acme/app selected"]);
    expect(rows(app).map((r) => r.slice(0, 3))).toEqual([["acme/app", XSS_PERSONA, XSS_MODEL]]);
    expect(charts(app).map((c) => c.repo)).toEqual(["acme/app"]);
    expect(stateRows(app)).toEqual(["acme/app 1 1 0 0 0"]);
    expect(app).toContain(
      '<p id="states-summary">acme/app: open 1 · useful 1 · wrong 0 · addressed 0 · dismissed 0</p>',
    );

    // A repository without findings, named with HTML in the address: said so, as text.
    const none = await page(`?repo=${encodeURIComponent("<b>x</b>/y")}`);
    expect(rows(none)).toEqual([]);
    expect(charts(none)).toEqual([]);
    expect(none).toContain(
      "No judged findings in &lt;b&gt;x&lt;/b&gt;/y yet: reply <code>/agents useful</code>",
    );
    expect(none).toContain("No findings in &lt;b&gt;x&lt;/b&gt;/y yet.");
    expect(none).not.toContain("<b>x");
  });
});

describe.each(["sqlite", "postgres"] as const)(
  "the Profiles page's suspended agents and health (%s)",
  (database) => {
    it("lists each suspension with its end and reason, escaped; the errors lower the profile's health", async () => {
      const app = await startApp({ database, now: () => NOW, env: { DASHBOARD_TOKEN: TOKEN } });
      const server = await serve(app.http);
      try {
        const empty = await (await fetch(`${server.url}/agents/profiles`, { headers: bearer })).text();
        expect(empty).toContain(
          '<p id="no-suspensions" class="muted">No agent is suspended by its error budget.</p>',
        );
        const [p] = HISTORY[0] ?? [];
        await app.services.findings.recordPosted([p as PostedFinding]);
        await app.services.findings.judge(p?.repo ?? "", p?.number ?? 0, p?.fingerprint ?? "", {
          judgement: "useful",
          source: "reply",
          actor: "octocat",
          reason: null,
          at: ago(1),
          clears: false,
        });
        const budget = { maxErrors: 8, maxRepeats: 2, windowMs: DAY, cooldownMs: 3_600_000 };
        const work = (at: number, error: string | null) => ({
          repo: p?.repo ?? "",
          persona: p?.persona ?? "",
          model: p?.model ?? "",
          error,
          at,
          runId: "run",
          stepId: "step",
        });
        await app.services.governance.record(work(NOW - 5 * 60_000, null), budget);
        for (const m of [3, 2, 1])
          await app.services.governance.record(work(NOW - m * 60_000, "<b>502</b>"), budget);
        const html = await (await fetch(`${server.url}/agents/profiles`, { headers: bearer })).text();
        const suspended = [...html.matchAll(/<tr class="suspension">(.*?)<\/tr>/g)].map((m) =>
          [...(m[1] ?? "").matchAll(/<td class="[^"]*">(.*?)<\/td>/g)].map((c) => c[1]),
        );
        expect(suspended).toEqual([
          [
            p?.repo,
            p?.persona,
            p?.model,
            "2026-12-15 12:59 UTC",
            "the same error 3 times in a row: &lt;b&gt;502&lt;/b&gt;",
          ],
        ]);
        // 3 of 4 pieces of work errored: health 0.25.
        expect(rows(html).map((r) => r[9])).toEqual(["0.25"]);
      } finally {
        await server.close();
        await app.stop();
      }
    });
  },
);
