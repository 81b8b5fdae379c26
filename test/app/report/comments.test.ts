import nock from "nock";
import { afterEach, expect, test } from "vitest";
import { statusCommentBody } from "../../../src/app/report/status-comment.js";
import { stepCommentBody } from "../../../src/app/report/step-comments.js";
import { stepPlan } from "../../../src/core/run/plan-index.js";
import { planOf, step } from "../../core/helpers.js";
import { API, type AppHarness, R, startApp } from "../harness.js";
import { exactly, ReportedRun } from "../report-fixtures.js";

let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
  nock.cleanAll();
});

const HEURISTIC = "heuristic (no model configured)";

test("an agent step with post: comment posts its output once, escaped and labelled as model output", async () => {
  h = await startApp({ reporting: true });
  const plan = planOf({
    notes: { name: "Notes", steps: [step("summary:agent", { with: { post: "comment" } })] },
  });
  nock(API)
    .persist()
    .post(`${R}/check-runs`)
    .optionally()
    .reply(201, { id: 1 })
    .patch(`${R}/check-runs/1`)
    .optionally()
    .reply(200, {});
  const run = ReportedRun.of(h, plan).succeed("summary", {
    text: "Looks fine. cc @bob <img src=x onerror=alert(1)>",
    provider: HEURISTIC,
  });
  const body = stepCommentBody(run.state, stepPlan(run.state.plan, "summary"));
  expect(body).toContain(`model output from ${HEURISTIC}`);
  expect(body).toContain("cc @\u200Bbob &lt;img");
  expect(body).toContain("<!-- phasegate:comment run-1/summary -->");
  nock(API).post(`${R}/issues/7/comments`, exactly({ body })).reply(201, { id: 300 });
  run.report();
  await h.idle();
  run.report();
  await h.idle();
  expect(await h.services.github.effect("run-1", "comment:summary")).toEqual({
    state: "done",
    githubId: "300",
    data: {},
  });
  expect(nock.pendingMocks()).toEqual([]);
});

test("an issue run keeps one status comment: created when it starts waiting, edited when it finishes", async () => {
  h = await startApp({ reporting: true });
  const plan = planOf({
    plan: {
      name: "Plan",
      steps: [
        step("draft:agent", { with: { post: "comment" } }),
        step("approval:approval", { depends_on: ["draft"] }),
      ],
    },
  });
  const run = ReportedRun.of(h, plan, { facts: { source: "issue", headSha: "", changedFiles: [] } });
  // Running: no status comment yet, and issue runs get no check runs (no SHA).
  run.report();
  await h.idle();
  expect(nock.pendingMocks()).toEqual([]);

  run.succeed("draft", { text: "1. Do it.", provider: HEURISTIC }).wait("approval");
  const waiting = run.state;
  expect(waiting.status).toBe("waiting");
  const body = statusCommentBody(waiting);
  expect(body).toContain("| `approval` | waiting for approval |");
  expect(body).toContain("`/agents approve approval`");
  nock(API)
    .post(`${R}/issues/7/comments`, exactly({ body: stepCommentBody(waiting, stepPlan(plan, "draft")) }))
    .reply(201, { id: 400 })
    .post(`${R}/issues/7/comments`, exactly({ body }))
    .reply(201, { id: 401 });
  run.report();
  await h.idle();
  expect(nock.pendingMocks()).toEqual([]);

  run.report(); // unchanged: not edited
  await h.idle();

  run.send({ type: "gate-approved", at: Date.now(), stepId: "approval", by: ["carol"], sha: "" });
  expect(run.state.status).toBe("succeeded");
  const done = statusCommentBody(run.state);
  expect(done).toContain("**agents: w** succeeded");
  nock(API)
    .patch(`${R}/issues/comments/401`, exactly({ body: done }))
    .reply(200, { id: 401 });
  run.report();
  await h.idle();
  expect(nock.pendingMocks()).toEqual([]);
});

test("the status comment is found again after an uncertain POST instead of being posted twice", async () => {
  h = await startApp({ reporting: true });
  const plan = planOf({ plan: { name: "Plan", steps: ["approval:approval"] } });
  const run = ReportedRun.of(h, plan, { facts: { source: "issue", headSha: "", changedFiles: [] } }).wait(
    "approval",
  );
  const body = statusCommentBody(run.state);
  nock(API)
    .post(`${R}/issues/7/comments`, exactly({ body }))
    .reply(503, { message: "unavailable" })
    .get(`${R}/issues/7/comments`)
    .query({ per_page: 100 })
    .reply(200, [
      { id: 9, user: { type: "User" }, body: "<!-- phasegate:status run-1 -->" },
      { id: 10, user: { type: "Bot" }, performed_via_github_app: { id: 1 }, body },
    ]);
  run.report();
  await h.idle();
  expect(nock.pendingMocks()).toEqual([]);
  expect((await h.services.github.effect("run-1", "status-comment"))?.githubId).toBe("10");
});
