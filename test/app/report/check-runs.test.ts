import nock from "nock";
import { afterEach, expect, test, vi } from "vitest";
import { Reporter } from "../../../src/app/report/reporter.js";
import {
  annotationBatches,
  type CheckRunView,
  overallCheckRun,
  phaseCheckRun,
  stepFindings,
} from "../../../src/core/present/present.js";
import type { RunState } from "../../../src/core/run/run-state.js";
import { planOf } from "../../core/helpers.js";
import { API, type AppHarness, R, startApp } from "../harness.js";
import { exactly, finding, manyFindings, ReportedRun, SHA } from "../report-fixtures.js";

let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
  nock.cleanAll();
});

const plan = planOf({
  review: { name: "Review", steps: ["code-review:review", "security:security"] },
  approve: { name: "Approval", needs: ["review"], steps: ["approval:approval"] },
});

function phase(run: RunState, id: string) {
  const p = run.plan.phases.find((x) => x.id === id);
  if (!p) throw new Error(`no phase ${id}`);
  return p;
}

/** The body GitHub gets for a check run's state, as the renderer gives it (no annotations). */
function body(view: CheckRunView): Record<string, unknown> {
  return {
    status: view.status,
    ...(view.status === "completed" ? { conclusion: view.conclusion } : {}),
    output: view.output,
    actions: view.actions,
  };
}

function created(view: CheckRunView, externalId: string, extra: Record<string, unknown> = {}) {
  const b = body(view);
  return {
    name: view.name,
    head_sha: SHA,
    external_id: externalId,
    ...b,
    output: { ...(b.output as object), ...extra },
  };
}

test("agents and phase check runs are created once with the exact bodies; a finished phase is PATCHed once; identical views are not re-sent", async () => {
  h = await startApp({ reporting: true });
  const run = ReportedRun.of(h, plan);
  const s0 = run.state;
  expect(phaseCheckRun(s0, phase(s0, "approve")).status).toBe("queued");
  nock(API)
    .post(`${R}/check-runs`, exactly(created(overallCheckRun(s0), "run-1")))
    .reply(201, { id: 101 })
    .post(`${R}/check-runs`, exactly(created(phaseCheckRun(s0, phase(s0, "review")), "run-1/review")))
    .reply(201, { id: 102 });
  run.report();
  await h.idle();
  expect(nock.pendingMocks()).toEqual([]);

  // The same state again: nothing GitHub shows changed, so nothing is sent.
  run.report();
  await h.idle();

  const findings = [
    finding("src/app.ts", 3, "Unchecked input", "high"),
    finding("src/app.ts", null, "Large file"),
  ];
  run.succeed("code-review", { findings }).succeed("security");
  const s1 = run.state;
  const reviewView = phaseCheckRun(s1, phase(s1, "review"));
  expect(reviewView).toMatchObject({ status: "completed", conclusion: "success" });
  const approveView = phaseCheckRun(s1, phase(s1, "approve"));
  expect(approveView.status).toBe("in_progress");
  const annotations = annotationBatches(stepFindings(s1, ["code-review", "security"]))[0];
  expect(annotations).toHaveLength(2);
  nock(API)
    .patch(
      `${R}/check-runs/102`,
      exactly({ ...body(reviewView), output: { ...reviewView.output, annotations } }),
    )
    .reply(200, { id: 102 })
    .post(`${R}/check-runs`, exactly(created(approveView, "run-1/approve")))
    .reply(201, { id: 103 })
    .patch(`${R}/check-runs/101`, exactly(body(overallCheckRun(s1))))
    .reply(200, { id: 101 });
  // The reviews of a phase need the PR's files: a review phase with findings posts one (see report-review).
  nock(API)
    .get(`${R}/pulls/7/files`)
    .query({ per_page: 100, page: 1 })
    .reply(200, [])
    .post(`${R}/pulls/7/reviews`)
    .reply(200, { id: 900 });
  run.report();
  await h.idle();
  expect(nock.pendingMocks()).toEqual([]);

  // Reported again (a restart would read the same hashes from the ledger): nothing is re-sent.
  run.report();
  await h.idle();
  const effects = await h.services.github.effects("run-1", "check:");
  expect(Object.fromEntries([...effects].map(([k, e]) => [k, [e.state, e.githubId]]))).toEqual({
    "check:agents": ["done", "101"],
    "check:agents / Review": ["done", "102"],
    "check:agents / Approval": ["done", "103"],
  });
  expect(nock.pendingMocks()).toEqual([]);
});

test("a phase that is already finished when first reported is POSTed completed in one request, with its annotations", async () => {
  h = await startApp({ reporting: true });
  const run = ReportedRun.of(h, planOf({ review: { name: "Review", steps: ["lint:review"] } }));
  run.succeed("lint", { findings: [finding("a.ts", 1, "One")] });
  const s = run.state;
  const view = phaseCheckRun(s, phase(s, "review"));
  const overall = overallCheckRun(s);
  expect(view).toMatchObject({ status: "completed", conclusion: "success" });
  expect(overall).toMatchObject({ status: "completed", conclusion: "success" });
  const annotations = annotationBatches(stepFindings(s))[0];
  nock(API)
    .post(`${R}/check-runs`, exactly(created(overall, "run-1")))
    .reply(201, { id: 1 })
    .post(`${R}/check-runs`, exactly(created(view, "run-1/review", { annotations })))
    .reply(201, { id: 2 })
    .get(`${R}/pulls/7/files`)
    .query({ per_page: 100, page: 1 })
    .reply(200, [])
    .post(`${R}/pulls/7/reviews`)
    .reply(200, { id: 900 });
  run.report();
  await h.idle();
  expect(nock.pendingMocks()).toEqual([]);
});

test("more than 50 findings: the first 50 go with the completing request, the rest as extra PATCHes, none twice", async () => {
  h = await startApp({ reporting: true });
  const run = ReportedRun.of(h, planOf({ review: { name: "Review", steps: ["lint:review"] } }));
  nock(API)
    .post(`${R}/check-runs`, (b) => b.name === "agents")
    .reply(201, { id: 1 })
    .post(`${R}/check-runs`, (b) => b.name === "agents / Review" && b.output.annotations === undefined)
    .reply(201, { id: 2 });
  run.report();
  await h.idle();
  expect(nock.pendingMocks()).toEqual([]);

  run.succeed("lint", { findings: manyFindings(120) });
  const s = run.state;
  const view = phaseCheckRun(s, phase(s, "review"));
  const [b1, b2, b3] = annotationBatches(manyFindings(120));
  expect([b1?.length, b2?.length, b3?.length]).toEqual([50, 50, 20]);
  nock(API)
    .patch(`${R}/check-runs/2`, exactly({ ...body(view), output: { ...view.output, annotations: b1 } }))
    .reply(200, {})
    .patch(`${R}/check-runs/2`, exactly({ output: { ...view.output, annotations: b2 } }))
    .reply(200, {})
    .patch(`${R}/check-runs/2`, exactly({ output: { ...view.output, annotations: b3 } }))
    .reply(200, {})
    .patch(`${R}/check-runs/1`, exactly(body(overallCheckRun(s))))
    .reply(200, {})
    .get(`${R}/pulls/7/files`)
    .query({ per_page: 100, page: 1 })
    .reply(200, [])
    .post(`${R}/pulls/7/reviews`)
    .reply(200, { id: 900 });
  run.report();
  await h.idle();
  run.report();
  await h.idle();
  expect(nock.pendingMocks()).toEqual([]);
  const effect = await h.services.github.effect("run-1", "check:agents / Review");
  expect(effect?.data?.annotated).toHaveLength(120);
});

test("coalescing: a running phase is created after one interval with the latest view; changes within an interval become one PATCH with the latest view", async () => {
  h = await startApp({ reporting: true, tuning: { checkRunIntervalMs: 200 } });
  const plan4 = planOf({
    review: { name: "Review", steps: ["a:review", "b:review", "c:review", "d:review"] },
  });
  const run = ReportedRun.of(h, plan4);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const started = performance.now();
  const posted: unknown[] = [];
  nock(API)
    .post(`${R}/check-runs`, exactly(created(overallCheckRun(run.state), "run-1")))
    .reply(201, { id: 1 });
  run.report();
  await sleep(30);
  run.succeed("a").report();
  await sleep(30);
  run.succeed("b").report();
  const s2 = run.state;
  const view2 = phaseCheckRun(s2, phase(s2, "review"));
  expect(view2.output.title).toBe("2 of 4 steps finished");
  nock(API)
    .post(`${R}/check-runs`, exactly(created(view2, "run-1/review"), posted))
    .reply(201, { id: 2 });
  await h.idle();
  expect(posted).toHaveLength(1);
  expect(performance.now() - started).toBeGreaterThanOrEqual(190);
  expect(nock.pendingMocks()).toEqual([]);

  // Two more changes within the next interval: one PATCH, with the last of them.
  const createdAt = performance.now();
  run.succeed("c").report();
  await sleep(30);
  run.succeed("d").report();
  const s4 = run.state;
  const view4 = phaseCheckRun(s4, phase(s4, "review"));
  expect(view4).toMatchObject({ status: "completed", conclusion: "success" });
  const patched: unknown[] = [];
  nock(API)
    .patch(`${R}/check-runs/2`, exactly(body(view4), patched))
    .reply(200, {})
    .patch(`${R}/check-runs/1`, exactly(body(overallCheckRun(s4))))
    .reply(200, {});
  await h.idle();
  expect(patched).toHaveLength(1);
  expect(performance.now() - createdAt).toBeGreaterThanOrEqual(150);
  expect(nock.pendingMocks()).toEqual([]);
});

test("a 5xx on POST check-runs: the lookup adopts the check run GitHub made instead of creating another", async () => {
  h = await startApp({ reporting: true });
  const run = ReportedRun.of(h, planOf({ review: { name: "Review", steps: ["lint:review"] } }));
  const s = run.state;
  const overall = overallCheckRun(s);
  nock(API)
    .post(`${R}/check-runs`, exactly(created(overall, "run-1")))
    .reply(502, { message: "Bad gateway" })
    .get(`${R}/commits/${SHA}/check-runs`)
    .query({ check_name: "agents", filter: "all", per_page: 100 })
    .reply(200, {
      total_count: 2,
      check_runs: [
        // Another run's `agents` on the same SHA (a re-run): not ours to adopt.
        {
          id: 40,
          external_id: "run-0",
          status: "completed",
          conclusion: "failure",
          app: { id: 1 },
          output: {},
        },
        {
          id: 41,
          external_id: "run-1",
          status: overall.status,
          conclusion: null,
          app: { id: 1 },
          output: { title: overall.output.title, summary: overall.output.summary, annotations_count: 0 },
        },
      ],
    })
    .post(`${R}/check-runs`, (b) => b.name === "agents / Review")
    .reply(201, { id: 42 });
  run.report();
  await h.idle();
  expect(nock.pendingMocks()).toEqual([]);
  expect(await h.services.github.effect("run-1", "check:agents")).toEqual({
    state: "done",
    githubId: "41",
    data: { hash: expect.any(String), annotated: [] },
  });

  // Nothing changed: the adopted check run matched this view, so it is not PATCHed either.
  run.report();
  await h.idle();
  expect(nock.pendingMocks()).toEqual([]);
});

test("a 5xx on POST check-runs and GitHub has none: created again, once", async () => {
  h = await startApp({ reporting: true });
  const run = ReportedRun.of(h, planOf({ review: { name: "Review", steps: ["lint:review"] } }));
  nock(API)
    .post(`${R}/check-runs`, (b) => b.name === "agents")
    .reply(500, { message: "oops" })
    .get(`${R}/commits/${SHA}/check-runs`)
    .query({ check_name: "agents", filter: "all", per_page: 100 })
    .reply(200, { total_count: 0, check_runs: [] })
    .post(`${R}/check-runs`, (b) => b.name === "agents")
    .reply(201, { id: 51 })
    .post(`${R}/check-runs`, (b) => b.name === "agents / Review")
    .reply(201, { id: 52 });
  run.report();
  await h.idle();
  expect(nock.pendingMocks()).toEqual([]);
  expect((await h.services.github.effect("run-1", "check:agents"))?.githubId).toBe("51");
});

test("a restart with a pending check run in the ledger looks it up: no duplicate; a changed view is PATCHed", async () => {
  h = await startApp({ reporting: true });
  const db = h.db;
  await h.services.github.putEffect(
    "run-1",
    "check:agents",
    { state: "pending", githubId: null, data: { hash: null, annotated: [] } },
    1,
  );
  await h.kill();
  h = await startApp({ reporting: true, db });
  const run = ReportedRun.of(h, planOf({ review: { name: "Review", steps: ["lint:review"] } }));
  const overall = overallCheckRun(run.state);
  nock(API)
    .get(`${R}/commits/${SHA}/check-runs`)
    .query({ check_name: "agents", filter: "all", per_page: 100 })
    .reply(200, {
      total_count: 1,
      check_runs: [
        {
          id: 61,
          external_id: "run-1",
          status: "queued",
          conclusion: null,
          app: { id: 1 },
          output: { title: null, summary: null, annotations_count: 0 },
        },
      ],
    })
    .patch(`${R}/check-runs/61`, exactly(body(overall)))
    .reply(200, {})
    .post(`${R}/check-runs`, (b) => b.name === "agents / Review")
    .reply(201, { id: 62 });
  run.report();
  await h.idle();
  expect(nock.pendingMocks()).toEqual([]);
  expect((await h.services.github.effect("run-1", "check:agents"))?.state).toBe("done");
});

test("a superseded run's open check runs are completed as cancelled with the reason; phases never started are not created", async () => {
  h = await startApp({ reporting: true });
  const run = ReportedRun.of(h, plan);
  nock(API)
    .post(`${R}/check-runs`, (b) => b.name === "agents")
    .reply(201, { id: 71 })
    .post(`${R}/check-runs`, (b) => b.name === "agents / Review")
    .reply(201, { id: 72 });
  run.report();
  await h.idle();
  expect(nock.pendingMocks()).toEqual([]);

  run.send({ type: "supersede", at: Date.now(), bySha: "fedcba9876543210fedcba9876543210fedcba98" });
  const s = run.state;
  const view = phaseCheckRun(s, phase(s, "review"));
  expect(view).toMatchObject({
    status: "completed",
    conclusion: "cancelled",
    output: { title: "Cancelled: superseded by fedcba9" },
  });
  const overall = overallCheckRun(s);
  expect(overall).toMatchObject({ status: "completed", conclusion: "cancelled" });
  expect(overall.output.title).toContain("superseded by fedcba9");
  nock(API)
    .patch(`${R}/check-runs/72`, exactly(body(view)))
    .reply(200, {})
    .patch(`${R}/check-runs/71`, exactly(body(overall)))
    .reply(200, {});
  run.report();
  await h.idle();
  expect(nock.pendingMocks()).toEqual([]);
});

test("the dashboard link goes in the summaries and as details_url when the dashboard is on", async () => {
  h = await startApp({ reporting: true });
  const url = "https://phasegate.example/agents/runs/run-1";
  const reporter = new Reporter({ ...h.services, dashboardUrl: (id) => (id === "run-1" ? url : undefined) });
  const run = new ReportedRun(reporter, planOf({ review: { name: "Review", steps: ["lint:review"] } }));
  const s = run.state;
  const overall = overallCheckRun(s, { dashboardUrl: url });
  expect(overall.output.summary).toContain(`[Run on the dashboard](${url})`);
  nock(API)
    .post(`${R}/check-runs`, exactly({ ...created(overall, "run-1"), details_url: url }))
    .reply(201, { id: 1 })
    .post(
      `${R}/check-runs`,
      exactly({
        ...created(phaseCheckRun(s, phase(s, "review"), { dashboardUrl: url }), "run-1/review"),
        details_url: url,
      }),
    )
    .reply(201, { id: 2 });
  run.report();
  await h.idle();
  expect(nock.pendingMocks()).toEqual([]);
});

test("GitHub errors are logged with the run id and do not stop reporting: the next change tries again", async () => {
  h = await startApp({ reporting: true });
  const run = ReportedRun.of(h, planOf({ review: { name: "Review", steps: ["lint:review"] } }));
  nock(API)
    .post(`${R}/check-runs`, (b) => b.name === "agents")
    .reply(403, { message: "Resource not accessible by integration" })
    .post(`${R}/check-runs`, (b) => b.name === "agents / Review")
    .reply(201, { id: 2 });
  run.report();
  await h.idle();
  expect(nock.pendingMocks()).toEqual([]);
  expect(h.logs.filter((l) => l.runId === "run-1" && l.level === 50)).toEqual([
    expect.objectContaining({
      msg: expect.stringContaining("reporting the run on GitHub failed (check runs)"),
    }),
  ]);
  // A pending record is left, so the next pass looks before creating.
  nock(API)
    .get(`${R}/commits/${SHA}/check-runs`)
    .query({ check_name: "agents", filter: "all", per_page: 100 })
    .reply(200, { total_count: 0, check_runs: [] })
    .post(`${R}/check-runs`, (b) => b.name === "agents")
    .reply(201, { id: 1 });
  run.report();
  await h.idle();
  expect(nock.pendingMocks()).toEqual([]);
});

test("a failed report is tried again after a back-off though the run never changes again", async () => {
  h = await startApp({ reporting: true, tuning: { reportRetryMs: 50 } });
  const run = ReportedRun.of(h, planOf({ review: { name: "Review", steps: ["lint:review"] } }));
  nock(API)
    .post(`${R}/check-runs`, (b) => b.name === "agents")
    .reply(403, { message: "Resource not accessible by integration" })
    .post(`${R}/check-runs`, (b) => b.name === "agents / Review")
    .reply(201, { id: 2 });
  run.report();
  await h.idle();
  expect(nock.pendingMocks()).toEqual([]);
  // No new change: the retry timer alone sends it, looking first (a pending record is left).
  const retried = nock(API)
    .get(`${R}/commits/${SHA}/check-runs`)
    .query({ check_name: "agents", filter: "all", per_page: 100 })
    .reply(200, { total_count: 0, check_runs: [] })
    .post(`${R}/check-runs`, (b) => b.name === "agents")
    .reply(201, { id: 1 });
  await vi.waitFor(() => expect(retried.isDone()).toBe(true), { timeout: 2000, interval: 20 });
  await h.idle();
  expect(nock.pendingMocks()).toEqual([]);
});

test("resume after a restart: an update the old process never sent goes out once, though the run does not change again", async () => {
  h = await startApp({ reporting: true });
  const db = h.db;
  const run = ReportedRun.of(h, plan).succeed("code-review").succeed("security").wait("approval");
  await h.services.store.createRun(run.state);
  // The old process created `agents` and then died before its PATCH (held back by the interval) went out.
  await h.services.github.putEffect(
    "run-1",
    "check:agents",
    { state: "done", githubId: "81", data: { hash: "an older view", annotated: [] } },
    1,
  );
  await h.kill();
  const s = run.state;
  expect(s.status).toBe("waiting");
  nock(API)
    .patch(`${R}/check-runs/81`, exactly(body(overallCheckRun(s))))
    .reply(200, {})
    .post(`${R}/check-runs`, exactly(created(phaseCheckRun(s, phase(s, "review")), "run-1/review")))
    .reply(201, { id: 82 })
    .post(`${R}/check-runs`, exactly(created(phaseCheckRun(s, phase(s, "approve")), "run-1/approve")))
    .reply(201, { id: 83 });
  // The new process resumes reporting as it starts.
  h = await startApp({ reporting: true, db });
  await h.idle();
  expect(nock.pendingMocks()).toEqual([]);
  expect(h.logs.filter((l) => (l.level as number) >= 50)).toEqual([]);
  // Resumed again: GitHub already shows all of it.
  await new Reporter(h.services).resume();
  await h.idle();
  expect(nock.pendingMocks()).toEqual([]);
});

test("two workflow runs on one commit: a run without gates cannot turn `agents` green while the other waits", async () => {
  h = await startApp({ reporting: true });
  // The repo's workflow waits for an approval on this commit (stored: the reporter finds it by SHA) …
  const gated = ReportedRun.of(h, plan, { id: "run-a" })
    .succeed("code-review")
    .succeed("security")
    .wait("approval");
  await h.services.store.createRun(gated.state);
  // … and `/agents run code-review` on the same commit passes at once.
  const quick = ReportedRun.of(h, planOf({ review: { name: "Review", steps: ["lint:review"] } }), {
    id: "run-b",
  });
  await h.services.store.createRun(quick.state);
  quick.succeed("lint");
  // Both runs are reported: this one, and the gated one it tells that a run on its commit changed.
  const sent: Record<string, unknown>[] = [];
  nock(API)
    .post(`${R}/check-runs`, (b) => {
      sent.push(b);
      return true;
    })
    .times(5)
    .reply(201, { id: 5 });
  quick.report();
  await h.idle();
  expect(nock.pendingMocks()).toEqual([]);
  expect(h.logs.filter((l) => (l.level as number) >= 50)).toEqual([]);
  expect(sent.map((b) => `${b.external_id}`).sort()).toEqual([
    "run-a",
    "run-a/approve",
    "run-a/review",
    "run-b",
    "run-b/review",
  ]);
  const agents = sent.find((b) => b.name === "agents");
  expect(agents).toMatchObject({
    external_id: "run-b",
    status: "in_progress",
    output: { title: `Waiting for workflow ${gated.state.plan.name} on this commit` },
  });
  expect(agents).not.toHaveProperty("conclusion");
});
