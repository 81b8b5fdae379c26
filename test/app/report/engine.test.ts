import nock from "nock";
import { afterEach, expect, test } from "vitest";
import {
  annotationBatches,
  overallCheckRun,
  phaseCheckRun,
  stepFindings,
} from "../../../src/core/present/present.js";
import { newRunState } from "../../../src/core/run/run-state.js";
import { planOf } from "../../core/helpers.js";
import { API, type AppHarness, R, startApp } from "../harness.js";
import { ghFacts, SHA } from "../report-fixtures.js";

let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
  nock.cleanAll();
});

interface Sent {
  readonly method: string;
  readonly path: string;
  readonly body: Record<string, unknown>;
}

async function record(req: Request): Promise<Sent> {
  return {
    method: req.method,
    path: new URL(req.url).pathname,
    body: (await req.json()) as Record<string, unknown>,
  };
}

/** Answers check-run and review writes, recording each; GitHub ids 1, 2, … in creation order. */
function recordGitHub(): Sent[] {
  const sent: Sent[] = [];
  let next = 1;
  nock(API)
    .persist()
    .post(`${R}/check-runs`)
    .reply(201, async (req) => {
      sent.push(await record(req));
      return { id: next++ };
    })
    .patch(/\/repos\/acme\/widgets\/check-runs\/\d+$/)
    // With the interval, both check runs are created finished: no PATCH at all.
    .optionally()
    .reply(200, async (req) => {
      sent.push(await record(req));
      return {};
    })
    .post(`${R}/pulls/7/reviews`)
    .reply(200, async (req) => {
      sent.push(await record(req));
      return { id: 900 };
    });
  return sent;
}

/** What GitHub shows of each check run after these requests: the POSTed fields, then each PATCH's on top. */
function shown(
  sent: readonly Sent[],
): Map<string, { view: Record<string, unknown>; annotations: unknown[] }> {
  const byId = new Map<string, { view: Record<string, unknown>; annotations: unknown[] }>();
  const names: string[] = [];
  for (const r of sent) {
    if (r.path.endsWith("/reviews")) continue;
    const {
      output,
      name,
      head_sha: _sha,
      external_id: _ext,
      ...rest
    } = r.body as {
      output: { annotations?: unknown[] } & Record<string, unknown>;
      name?: string;
      head_sha?: string;
      external_id?: string;
    };
    const { annotations = [], ...out } = output;
    if (r.method === "POST") names.push(name as string);
    const id = r.method === "POST" ? String(names.length) : (r.path.split("/").pop() as string);
    const prev = byId.get(id) ?? { view: { name }, annotations: [] };
    byId.set(id, {
      view: { ...prev.view, ...rest, output: out },
      annotations: [...prev.annotations, ...annotations],
    });
  }
  return new Map([...byId.values()].map((v) => [String(v.view.name), v]));
}

test.each([
  [0, 5],
  [1000, 3],
])(
  "a run driven by the engine (interval %i ms): each check run created once, GitHub ends up showing the final views and findings, one review, at most %i writes",
  async (checkRunIntervalMs, maxWrites) => {
    h = await startApp({ reporting: true, tuning: { checkRunIntervalMs } });
    const sent = recordGitHub();
    nock(API)
      .get(`${R}/pulls/7/files`)
      .query({ per_page: 100, page: 1 })
      .reply(200, [
        {
          filename: "src/app.ts",
          status: "modified",
          additions: 3,
          deletions: 0,
          sha: "1111111111111111111111111111111111111111",
          patch:
            '@@ -1,2 +1,5 @@\n export const a = 1;\n+console.log("debug", a);\n+// TODO: remove this hack\n+debugger;\n export const b = 2;',
        },
      ]);
    const plan = planOf({ review: { name: "Review", steps: ["code-review:review"] } });
    const run = newRunState({ id: "run-e", plan, facts: ghFacts(), createdAt: Date.now() });
    await h.services.engine.createRun(run);
    const final = await h.services.engine.settled("run-e");
    await h.idle();

    const findings = stepFindings(final);
    expect(findings.length).toBeGreaterThan(0);
    const posts = sent.filter((r) => r.method === "POST" && r.path.endsWith("/check-runs"));
    expect(posts.map((r) => [r.body.name, r.body.external_id, r.body.head_sha])).toEqual([
      ["agents", "run-e", SHA],
      ["agents / Review", "run-e/review", SHA],
    ]);
    const phase = plan.phases[0]!;
    const overall = overallCheckRun(final);
    const review = phaseCheckRun(final, phase);
    const views = shown(sent);
    expect(views.get("agents")).toEqual({
      view: {
        name: "agents",
        status: overall.status,
        conclusion: overall.conclusion,
        output: overall.output,
        actions: [],
      },
      annotations: [],
    });
    expect(views.get("agents / Review")).toEqual({
      view: {
        name: "agents / Review",
        status: "completed",
        conclusion: review.conclusion,
        output: review.output,
        actions: review.actions,
      },
      annotations: annotationBatches(findings).flat(),
    });
    const reviews = sent.filter((r) => r.path.endsWith("/reviews"));
    expect(reviews).toHaveLength(1);
    expect(["COMMENT", "REQUEST_CHANGES"]).toContain(reviews[0]?.body.event);
    expect(reviews[0]?.body.commit_id).toBe(SHA);
    // The whole run: 2 creations, the PATCHes that complete them (the phase's only when it ran longer than one
    // interval), one review.
    expect(sent.length).toBeLessThanOrEqual(maxWrites);
    expect(h.logs.filter((l) => (l.level as number) >= 50)).toEqual([]);
    expect(nock.pendingMocks()).toEqual([]);
  },
);
