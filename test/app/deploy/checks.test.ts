import nock from "nock";
import { afterEach, expect, test } from "vitest";
import { withChecks } from "../../../src/app/executors/merge-deploy.js";
import { newRunState } from "../../../src/core/run/run-state.js";
import { planOf } from "../../core/helpers.js";
import { answerOtherParts, createRun, HEAD, load, prFacts } from "../deploy-fixtures.js";
import { API, type AppHarness, example, R, startApp } from "../harness.js";

const harnesses: AppHarness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.stop();
  nock.cleanAll();
});
async function app(): Promise<AppHarness> {
  answerOtherParts();
  const h = await startApp({ backoff: { serverErrorRetries: 0 } });
  harnesses.push(h);
  return h;
}

const plan = planOf({ ci: [{ id: "ci", uses: "checks", with: { checks: ["ci / test", "lint"] } }] });

/** GitHub answers the commit's check runs and combined status once each. */
function checksOnGitHub(
  runs: { name: string; status: string; conclusion: string | null }[],
  statuses: { context: string; state: string }[],
) {
  nock(API)
    .get(`${R}/commits/${HEAD}/check-runs`)
    .query({ per_page: "100" })
    .reply(200, { total_count: runs.length, check_runs: runs })
    .get(`${R}/commits/${HEAD}/status`)
    .reply(200, { state: "pending", sha: HEAD, total_count: statuses.length, statuses });
}

/** GitHub's check_run completed example, from another app, on the run's head SHA. */
const otherAppCompleted = () => example("check_run", "completed", { check_run: { head_sha: HEAD } });

test("checks step waits while a named check runs, then a completed check run of another app resolves it", async () => {
  const h = await app();
  // Read by the step, then once more as it starts waiting (a check may have finished in between).
  for (let i = 0; i < 2; i++)
    checksOnGitHub(
      [{ name: "ci / test", status: "in_progress", conclusion: null }],
      [{ context: "lint", state: "success" }],
    );
  let run = await createRun(h, plan);
  expect(run.steps.get("ci")).toMatchObject({
    status: "waiting",
    waitingFor: "checks",
    output: { summary: "waiting for ci / test (in progress)" },
  });
  expect(nock.pendingMocks()).toEqual([]);

  checksOnGitHub(
    [{ name: "ci / test", status: "completed", conclusion: "neutral" }],
    [{ context: "lint", state: "success" }],
  );
  await h.receive("check_run", otherAppCompleted());
  run = await load(h);
  expect(run.steps.get("ci")).toMatchObject({
    status: "succeeded",
    output: {
      summary: "ci / test, lint passed (ci / test (neutral) counted as passing)",
      data: {
        checks: [
          { name: "ci / test", state: "passed", detail: "neutral" },
          { name: "lint", state: "passed", detail: "success" },
        ],
      },
    },
  });
  expect(run.status).toBe("succeeded");
  expect(nock.pendingMocks()).toEqual([]);
});

test("a failing named check fails the waiting step naming it; a status event triggers the look", async () => {
  const h = await app();
  checksOnGitHub([], []);
  checksOnGitHub([], []);
  await createRun(h, plan);
  expect((await load(h)).steps.get("ci")?.output?.summary).toBe(
    "waiting for ci / test (not reported yet), lint (not reported yet)",
  );

  checksOnGitHub(
    [{ name: "ci / test", status: "completed", conclusion: "failure" }],
    [{ context: "lint", state: "pending" }],
  );
  await h.receive("status", example("status", null, { sha: HEAD }));
  const run = await load(h);
  expect(run.steps.get("ci")).toMatchObject({
    status: "failed",
    error: "checks failed: ci / test (failure)",
  });
  expect(run.status).toBe("failed");
  expect(nock.pendingMocks()).toEqual([]);
});

test("checks already passed when the step starts: it succeeds at once", async () => {
  const h = await app();
  checksOnGitHub(
    [{ name: "ci / test", status: "completed", conclusion: "success" }],
    [{ context: "lint", state: "success" }],
  );
  const run = await createRun(h, plan);
  expect(run.steps.get("ci")).toMatchObject({
    status: "succeeded",
    output: { summary: "ci / test, lint passed" },
  });
  expect(nock.pendingMocks()).toEqual([]);
});

test("withChecks: a tests step's findings stay, and its named checks decide (waiting, then resolved)", async () => {
  const h = await app();
  const testsPlan = planOf({ t: [{ id: "tests", uses: "tests", with: { checks: ["ci / test"] } }] });
  const run = newRunState({ id: "run-t", plan: testsPlan, facts: prFacts(), createdAt: 0 });
  const finding = {
    file: "src/app.ts",
    line: 1,
    severity: "low",
    title: "no test",
    body: "add one",
  } as const;
  const agent = async () =>
    ({
      outcome: "succeeded",
      output: {
        summary: "1 finding (1 low)",
        findings: [finding],
        provider: "heuristic (no model configured)",
      },
      tokens: 0,
    }) as const;
  const executor = withChecks(agent, h.services);
  const ctx = {
    run,
    step: testsPlan.steps[0] as (typeof testsPlan.steps)[number],
    attempt: 1,
    signal: new AbortController().signal,
  };

  checksOnGitHub([{ name: "ci / test", status: "queued", conclusion: null }], []);
  expect(await executor(ctx)).toEqual({
    outcome: "waiting",
    waitingFor: "checks",
    output: {
      summary: "1 finding (1 low); checks: waiting for ci / test (queued)",
      findings: [finding],
      provider: "heuristic (no model configured)",
      data: { checks: [{ name: "ci / test", state: "pending", detail: "queued" }] },
    },
  });

  checksOnGitHub([{ name: "ci / test", status: "completed", conclusion: "failure" }], []);
  expect(await executor(ctx)).toMatchObject({
    outcome: "failed",
    retryable: false,
    error: "checks failed: ci / test (failure)",
    output: { summary: "1 finding (1 low); checks: failed: ci / test (failure)", findings: [finding] },
  });
  expect(nock.pendingMocks()).toEqual([]);
});

test("a check that completes while another named check still runs: the step keeps waiting with a new summary", async () => {
  const h = await app();
  checksOnGitHub([], []);
  checksOnGitHub([], []);
  await createRun(h, plan);
  checksOnGitHub([{ name: "ci / test", status: "completed", conclusion: "success" }], []);
  await h.receive("check_run", otherAppCompleted());
  expect((await load(h)).steps.get("ci")).toMatchObject({
    status: "waiting",
    output: { summary: "waiting for lint (not reported yet)" },
  });
  expect(nock.pendingMocks()).toEqual([]);
});

test("a check that finished while the step was being parked is seen: the step looks once more as it starts waiting", async () => {
  const h = await app();
  checksOnGitHub(
    [{ name: "ci / test", status: "in_progress", conclusion: null }],
    [{ context: "lint", state: "success" }],
  );
  // Its check_run webhook came before the step waited, so nothing else will tell: the second look does.
  checksOnGitHub(
    [{ name: "ci / test", status: "completed", conclusion: "success" }],
    [{ context: "lint", state: "success" }],
  );
  const run = await createRun(h, plan);
  expect(run.steps.get("ci")).toMatchObject({
    status: "succeeded",
    output: { summary: "ci / test, lint passed" },
  });
  expect(nock.pendingMocks()).toEqual([]);
});
