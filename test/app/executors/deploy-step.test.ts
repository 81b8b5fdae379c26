import nock from "nock";
import { afterEach, expect, test } from "vitest";
import { newRunState } from "../../../src/core/run/run-state.js";
import { planOf } from "../../core/helpers.js";
import { answerOtherParts, audit, createRun, HEAD, load, MERGE_SHA, prFacts } from "../deploy-fixtures.js";
import { API, type AppHarness, example, R, startApp } from "../harness.js";

const harnesses: AppHarness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.stop();
  nock.cleanAll();
});
async function app(opts: Parameters<typeof startApp>[0] = {}): Promise<AppHarness> {
  answerOtherParts();
  const h = await startApp({ backoff: { serverErrorRetries: 0 }, ...opts });
  harnesses.push(h);
  return h;
}

const OLD_OK = "2222222aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const OLD_BAD = "1111111bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

/** GitHub's deployment_status example for one of our deployments. */
function deploymentStatus(id: number, state: string, description: string | null = null, runId = "run-1") {
  return example("deployment_status", "created", {
    deployment: { id, sha: HEAD, environment: "production", payload: { phasegate_run: runId } },
    deployment_status: { state, description },
  });
}

function expectDeployment(
  id: number,
  body: { ref: string; environment: string; payload: Record<string, string | number>; description: string },
) {
  nock(API)
    .post(`${R}/deployments`, { ...body, auto_merge: false, required_contexts: [] })
    .reply(201, { id, sha: body.ref, environment: body.environment, payload: body.payload });
}

const production = (extra: Record<string, unknown> = {}) =>
  planOf({
    deploy: [
      { id: "production", uses: "deploy", with: { environment: "production", rollback: true }, ...extra },
    ],
  });

test("deploy: the merge commit is deployed, and its deployment_status success completes the step", async () => {
  const h = await app();
  nock(API)
    .put(`${R}/pulls/7/merge`, { sha: HEAD, merge_method: "squash" })
    .reply(200, { sha: MERGE_SHA, merged: true, message: "Pull Request successfully merged" });
  expectDeployment(9001, {
    ref: MERGE_SHA,
    environment: "staging",
    payload: { phasegate_run: "run-1", phasegate_step: "staging" },
    description: "phasegate run run-1, step staging",
  });
  const plan = planOf({
    ship: [{ id: "merge", uses: "merge", with: { method: "squash" } }],
    deploy: { needs: ["ship"], steps: [{ id: "staging", uses: "deploy", with: { environment: "staging" } }] },
  });
  let run = await createRun(h, plan);
  expect(run.steps.get("staging")).toMatchObject({
    status: "waiting",
    waitingFor: "deployment",
    output: {
      summary: "deploying def5678 to staging (deployment #9001)",
      data: { deploymentId: 9001, sha: MERGE_SHA, environment: "staging" },
    },
  });
  expect(await h.services.github.effect("run-1", "deploy:staging")).toEqual({
    state: "done",
    githubId: "9001",
    data: { sha: MERGE_SHA, environment: "staging" },
  });
  expect(nock.pendingMocks()).toEqual([]);

  // In-progress statuses change nothing; success completes the step and the run.
  await h.receive("deployment_status", deploymentStatus(9001, "in_progress"));
  expect((await load(h)).steps.get("staging")?.status).toBe("waiting");
  await h.receive("deployment_status", deploymentStatus(9001, "success", "deployed"));
  run = await load(h);
  expect(run.steps.get("staging")).toMatchObject({
    status: "succeeded",
    output: { summary: "deployed def5678 to staging (deployment #9001)", data: { state: "success" } },
  });
  expect(run.status).toBe("succeeded");
  expect((await audit(h)).map((a) => [a.action, a.stepId, a.sha, a.reason])).toEqual([
    ["merge", "merge", HEAD, `merged with squash as ${MERGE_SHA}`],
    ["deploy", "staging", MERGE_SHA, "deployment #9001 to staging"],
    ["deploy", "staging", MERGE_SHA, "deployment #9001 to staging: success (deployed)"],
  ]);
  expect(nock.pendingMocks()).toEqual([]);
});

test("a deployment_status that arrives before the step has parked is kept and completes the step once", async () => {
  const h = await app();
  // GitHub answers the deployment slowly; the deploy job's success arrives while that answer is on its way.
  let sent!: () => void;
  const posted = new Promise<void>((resolve) => (sent = resolve));
  nock(API)
    .post(`${R}/deployments`)
    .delay(300)
    .reply(201, () => {
      sent();
      return { id: 9005, sha: HEAD, environment: "production" };
    });
  const plan = planOf({
    deploy: [{ id: "production", uses: "deploy", with: { environment: "production" } }],
  });
  await h.services.engine.createRun(
    newRunState({ id: "run-1", plan, facts: prFacts(), createdAt: h.services.now() }),
  );
  await posted;
  await h.receive("deployment_status", deploymentStatus(9005, "success", "fast"));
  await h.idle();
  const run = await load(h);
  expect(run.steps.get("production")).toMatchObject({
    status: "succeeded",
    output: { summary: "deployed abc1234 to production (deployment #9005)" },
  });
  expect((await audit(h)).map((a) => [a.action, a.reason])).toEqual([
    ["deploy", "deployment #9005 to production"],
    ["deploy", "deployment #9005 to production: success (fast)"],
  ]);
  expect(await h.services.github.effect("run-1", "deploy-status:9005")).toEqual({
    state: "done",
    githubId: "success",
    data: { description: "fast" },
  });
  expect(nock.pendingMocks()).toEqual([]);
});

test("deploy failure with rollback: re-deploys the environment's previous successful SHA and says so", async () => {
  const h = await app();
  expectDeployment(9002, {
    ref: HEAD,
    environment: "production",
    payload: { phasegate_run: "run-1", phasegate_step: "production" },
    description: "phasegate run run-1, step production",
  });
  await createRun(h, production());
  expect(nock.pendingMocks()).toEqual([]);

  nock(API)
    .get(`${R}/deployments`)
    .query({ environment: "production", per_page: "30" })
    .reply(200, [
      { id: 9002, sha: HEAD, environment: "production", payload: {} },
      { id: 8999, sha: OLD_BAD, environment: "production", payload: {} },
      { id: 8998, sha: OLD_OK, environment: "production", payload: {} },
    ])
    .get(`${R}/deployments/8999/statuses`)
    .query({ per_page: "100" })
    .reply(200, [{ state: "failure" }, { state: "in_progress" }])
    .get(`${R}/deployments/8998/statuses`)
    .query({ per_page: "100" })
    .reply(200, [{ state: "inactive" }, { state: "success" }]);
  expectDeployment(9003, {
    ref: OLD_OK,
    environment: "production",
    payload: { phasegate_run: "run-1", phasegate_rollback_of: 9002 },
    description: "phasegate: roll back production to 2222222 after deployment #9002 failed",
  });
  await h.receive("deployment_status", deploymentStatus(9002, "failure", "smoke tests failed"));

  expect(nock.pendingMocks()).toEqual([]);
  expect(await h.services.github.effect("run-1", "rollback:production")).toEqual({
    state: "done",
    githubId: "9003",
    data: { rollbackSha: OLD_OK, rollbackDeploymentId: 9003 },
  });
  expect((await audit(h)).map((a) => [a.action, a.sha])).toEqual([
    ["deploy", HEAD],
    ["deploy", HEAD],
    ["rollback", OLD_OK],
  ]);
  // The check run says so: the failed step's summary names the rollback (a `step-noted` on a finished run).
  const run = await load(h);
  expect(run.status).toBe("failed");
  expect(run.steps.get("production")).toMatchObject({
    status: "failed",
    error: "deployment #9002 to production: failure: smoke tests failed",
    output: {
      summary:
        "failed (deployment #9002 to production: failure: smoke tests failed); rolled back to 2222222 (deployment #9003)",
      data: { deploymentId: 9002, rollbackSha: OLD_OK, rollbackDeploymentId: 9003 },
    },
  });

  // The rollback deployment's own statuses and a repeated failure change nothing and roll back nothing again.
  await h.receive("deployment_status", deploymentStatus(9003, "success"));
  await h.receive("deployment_status", deploymentStatus(9002, "failure", "smoke tests failed"));
  expect((await load(h)).steps.get("production")?.output?.data?.rollbackDeploymentId).toBe(9003);
  expect(nock.pendingMocks()).toEqual([]);
});

test("deploy timeout with rollback and no earlier success: fails and notes nothing to roll back to", async () => {
  let clock = Date.parse("2026-11-22T06:00:00Z");
  const h = await app({ now: () => clock });
  expectDeployment(9004, {
    ref: HEAD,
    environment: "production",
    payload: { phasegate_run: "run-1", phasegate_step: "production" },
    description: "phasegate run run-1, step production",
  });
  await createRun(h, production({ timeout: "1m" }));
  expect((await load(h)).steps.get("production")?.status).toBe("waiting");

  nock(API)
    .get(`${R}/deployments`)
    .query({ environment: "production", per_page: "30" })
    .reply(200, [{ id: 9004, sha: HEAD, environment: "production", payload: {} }]);
  clock += 61_000;
  await h.services.engine.submit("run-1", { type: "tick", at: clock });
  await h.idle();
  expect(nock.pendingMocks()).toEqual([]);
  expect(await h.services.github.effect("run-1", "rollback:production")).toEqual({
    state: "done",
    githubId: null,
    data: { rollbackSha: null },
  });

  const run = await load(h);
  expect(run.steps.get("production")).toMatchObject({
    status: "failed",
    error: "timed out after 1m",
    output: {
      summary:
        "failed (timed out after 1m); nothing to roll back to (no earlier successful deployment to production)",
      data: { deploymentId: 9004, rollbackSha: null },
    },
  });
  expect(nock.pendingMocks()).toEqual([]);
});

test("deployment_status for an unknown run or a deployment no step waits on changes nothing", async () => {
  const h = await app();
  expectDeployment(9005, {
    ref: HEAD,
    environment: "production",
    payload: { phasegate_run: "run-1", phasegate_step: "production" },
    description: "phasegate run run-1, step production",
  });
  await createRun(h, production());
  const before = await load(h);

  await h.receive("deployment_status", deploymentStatus(777, "failure", "x", "no-such-run"));
  await h.receive("deployment_status", deploymentStatus(778, "failure", "not ours"));
  // A deployment we did not create (no phasegate_run) is not even a job.
  await h.receive(
    "deployment_status",
    example("deployment_status", "created", { deployment: { id: 9005, payload: {} } }),
  );
  const after = await load(h);
  expect(after.steps.get("production")).toEqual(before.steps.get("production"));
  expect(await audit(h)).toHaveLength(1);
  expect(nock.pendingMocks()).toEqual([]);
});

test("deploy: a POST whose answer was lost (5xx) finds the deployment by SHA, environment and payload instead of creating another", async () => {
  const h = await app();
  const payload = { phasegate_run: "run-1", phasegate_step: "production" };
  nock(API)
    .post(`${R}/deployments`, {
      ref: HEAD,
      environment: "production",
      auto_merge: false,
      required_contexts: [],
      payload,
      description: "phasegate run run-1, step production",
    })
    .reply(502, { message: "Server Error" })
    .get(`${R}/deployments`)
    .query({ sha: HEAD, environment: "production", per_page: "100" })
    .reply(200, [
      { id: 9010, sha: HEAD, environment: "production", payload: { phasegate_run: "other-run" } },
      { id: 9011, sha: HEAD, environment: "production", payload },
    ]);
  const run = await createRun(h, production());
  expect(run.steps.get("production")).toMatchObject({
    status: "waiting",
    output: { data: { deploymentId: 9011, sha: HEAD } },
  });
  expect(await h.services.github.effect("run-1", "deploy:production")).toMatchObject({
    state: "done",
    githubId: "9011",
  });
  expect(nock.pendingMocks()).toEqual([]);
});

test("restart after a deployment whose answer was never recorded: found by its payload, not created again", async () => {
  const h = await app();
  const payload = { phasegate_run: "run-1", phasegate_step: "production" };
  const seen = new Promise<void>((resolve) => {
    nock(API)
      .post(`${R}/deployments`, {
        ref: HEAD,
        environment: "production",
        auto_merge: false,
        required_contexts: [],
        payload,
        description: "phasegate run run-1, step production",
      })
      .delay(5_000)
      .reply(201, { id: 9020, sha: HEAD, environment: "production", payload })
      .on("request", () => resolve());
  });
  await h.services.engine.createRun(
    newRunState({ id: "run-1", plan: production(), facts: prFacts(), createdAt: h.services.now() }),
  );
  await seen;
  await h.kill();

  nock(API)
    .get(`${R}/deployments`)
    .query({ sha: HEAD, environment: "production", per_page: "100" })
    .reply(200, [{ id: 9020, sha: HEAD, environment: "production", payload }]);
  const again = await app({ db: h.db });
  await again.services.engine.settled("run-1", true);
  await again.idle();
  expect((await load(again)).steps.get("production")).toMatchObject({
    status: "waiting",
    attempts: 2,
    output: { data: { deploymentId: 9020 } },
  });
  expect(nock.pendingMocks()).toEqual([]);
  await h.db.cleanup();
});
