import nock from "nock";
import { afterEach, expect, test } from "vitest";
import { settleProtectionRequests } from "../../../src/app/deploy/protection.js";
import { planOf } from "../../core/helpers.js";
import { answerOtherParts, approve, createRun, HEAD, load, MERGE_SHA } from "../deploy-fixtures.js";
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

const CALLBACK_PATH = `${R}/actions/runs/4242/deployment_protection_rule`;

/**
 * A `deployment_protection_rule.requested` webhook. @octokit/webhooks-examples has no example of this event, so
 * it is built from GitHub's documented shape (webhook events and payloads: deployment_protection_rule): action,
 * environment, event, deployment_callback_url, deployment, pull_requests, repository, installation, sender. The
 * repository, installation and sender come from another example, adapted like every other.
 */
function protectionRule(sha: string, environment = "production"): Record<string, unknown> {
  const base = example("merge_group", "checks_requested");
  return {
    action: "requested",
    environment,
    event: "deployment",
    deployment_callback_url: `${API}${CALLBACK_PATH}`,
    deployment: {
      url: `${API}${R}/deployments/5150`,
      id: 5150,
      sha,
      ref: "main",
      task: "deploy",
      payload: {},
      environment,
      original_environment: environment,
      description: null,
      created_at: "2026-11-22T06:00:00Z",
      updated_at: "2026-11-22T06:00:00Z",
    },
    pull_requests: [],
    repository: base.repository,
    installation: base.installation,
    sender: base.sender,
  };
}

function expectAnswer(state: "approved" | "rejected", comment: string | RegExp) {
  nock(API)
    .post(CALLBACK_PATH, (body) => {
      expect(body).toEqual({
        environment_name: "production",
        state,
        comment: typeof comment === "string" ? comment : expect.stringMatching(comment),
      });
      return true;
    })
    .reply(204);
}

// Merge, then a gate, then the production deploy: the Actions job deploying the merge commit asks us.
const plan = planOf({
  ship: [
    { id: "merge", uses: "merge" },
    { id: "prod-approval", uses: "approval", depends_on: ["merge"] },
    { id: "production", uses: "deploy", depends_on: ["prod-approval"], with: { environment: "production" } },
  ],
});

async function mergedRun(h: AppHarness): Promise<void> {
  nock(API)
    .put(`${R}/pulls/7/merge`, { sha: HEAD, merge_method: "merge" })
    .reply(200, { sha: MERGE_SHA, merged: true, message: "merged" });
  await createRun(h, plan);
  expect(nock.pendingMocks()).toEqual([]);
}

/** The run's own deploy step creating the production deployment of the merge commit. */
function expectProductionDeployment(id: number) {
  const payload = { phasegate_run: "run-1", phasegate_step: "production" };
  nock(API)
    .post(`${R}/deployments`, {
      ref: MERGE_SHA,
      environment: "production",
      auto_merge: false,
      required_contexts: [],
      payload,
      description: "phasegate run run-1, step production",
    })
    .reply(201, { id, sha: MERGE_SHA, environment: "production", payload });
}

async function answers(h: AppHarness) {
  return h.db.db.kysely.selectFrom("protection_requests").select(["sha", "environment", "answer"]).execute();
}

test("protection rule for a merge commit whose gates passed: approved at once", async () => {
  const h = await app();
  await mergedRun(h);
  expectProductionDeployment(9100);
  await approve(h, "run-1", "prod-approval");

  expectAnswer(
    "approved",
    "phasegate: every step before deploying to production passed on abc1234 (run run-1)",
  );
  await h.receive("deployment_protection_rule", protectionRule(MERGE_SHA));
  expect(nock.pendingMocks()).toEqual([]);
  expect(await answers(h)).toEqual([]);
});

test("protection rule while a gate waits: stored, then answered once the gate passes", async () => {
  const h = await app();
  await mergedRun(h);
  await h.receive("deployment_protection_rule", protectionRule(MERGE_SHA));
  expect(nock.pendingMocks()).toEqual([]);
  expect(await answers(h)).toEqual([{ sha: MERGE_SHA, environment: "production", answer: null }]);

  expectProductionDeployment(9101);
  expectAnswer(
    "approved",
    "phasegate: every step before deploying to production passed on abc1234 (run run-1)",
  );
  await approve(h, "run-1", "prod-approval");
  expect(nock.pendingMocks()).toEqual([]);
  expect(await answers(h)).toEqual([{ sha: MERGE_SHA, environment: "production", answer: "approved" }]);
});

test("protection rule when the gate was rejected: rejected with the reason", async () => {
  const h = await app();
  await mergedRun(h);
  await h.services.engine.submit("run-1", {
    type: "gate-rejected",
    at: h.services.now(),
    stepId: "prod-approval",
    by: "bob",
    reason: "not during the freeze",
  });
  await h.idle();
  expectAnswer(
    "rejected",
    'phasegate: step "prod-approval" failed before deploying to production (rejected by @bob: not during the freeze) on abc1234',
  );
  await h.receive("deployment_protection_rule", protectionRule(MERGE_SHA));
  expect(nock.pendingMocks()).toEqual([]);
});

test("protection rule for a SHA no run knows: rejected with a clear comment", async () => {
  const h = await app();
  expectAnswer(
    "rejected",
    "phasegate has no run for 9999999, so it cannot approve deploying it to production: open a pull request for it (or comment `/agents run` on one) first",
  );
  await h.receive("deployment_protection_rule", protectionRule("9999999aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
  expect(nock.pendingMocks()).toEqual([]);
});

/** A request stored after the gates decided (as a late delivery would leave it), so nothing has answered it. */
async function decidedRunWithStoredRequest(h: AppHarness): Promise<void> {
  await mergedRun(h);
  expectProductionDeployment(9102);
  await approve(h, "run-1", "prod-approval");
  expect(nock.pendingMocks()).toEqual([]);
  await h.services.github.addProtectionRequest(
    {
      callbackUrl: `${API}${CALLBACK_PATH}`,
      repo: "acme/widgets",
      installationId: 42,
      sha: MERGE_SHA,
      environment: "production",
    },
    h.services.now(),
  );
}

test("two settles of the same request at once (as from two processes): one POST, answered once", async () => {
  const h = await app();
  await decidedRunWithStoredRequest(h);
  const approved = "phasegate: every step before deploying to production passed on abc1234 (run run-1)";
  nock(API)
    .post(CALLBACK_PATH, { environment_name: "production", state: "approved", comment: approved })
    .delay(50)
    .reply(204);
  const run = await load(h);
  // A copy of the services stands for a second process sharing the database.
  const other = { ...h.services };
  await Promise.all([settleProtectionRequests(h.services, run), settleProtectionRequests(other, run)]);
  expect(nock.pendingMocks()).toEqual([]);
  expect(await answers(h)).toEqual([{ sha: MERGE_SHA, environment: "production", answer: "approved" }]);
  // Answered: a later change does not POST again (nock would refuse an unexpected request).
  await settleProtectionRequests(h.services, run);
});

test("a failed answer gives the claim back: the next change answers", async () => {
  const h = await app();
  await decidedRunWithStoredRequest(h);
  const approved = "phasegate: every step before deploying to production passed on abc1234 (run run-1)";
  const body = { environment_name: "production", state: "approved", comment: approved };
  nock(API).post(CALLBACK_PATH, body).reply(502, { message: "Bad Gateway" });
  const run = await load(h);
  await expect(settleProtectionRequests(h.services, run)).rejects.toThrow();
  expect(await answers(h)).toEqual([{ sha: MERGE_SHA, environment: "production", answer: null }]);

  nock(API).post(CALLBACK_PATH, body).reply(204);
  await settleProtectionRequests(h.services, run);
  expect(nock.pendingMocks()).toEqual([]);
  expect(await answers(h)).toEqual([{ sha: MERGE_SHA, environment: "production", answer: "approved" }]);
});
