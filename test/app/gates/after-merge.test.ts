import nock from "nock";
import { afterEach, describe, expect, test } from "vitest";
import {
  AUTHOR,
  auditOf,
  bootFlow,
  clickEvent,
  commentEvent,
  deliver,
  deploymentStatusEvent,
  type Flow,
  H7,
  HEAD,
  load,
  MERGE_SHA,
  mockDeployment,
  mockMembership,
  mockPermission,
  mockPull,
  mockReaction,
  mockReply,
  mockReviews,
  mockRollback,
  OLD_OK,
  opened,
  PR,
  PRE_MERGE_REVIEW,
  PRODUCTION,
  problems,
  protectionRuleEvent,
  pullRequestEvent,
  ROLLBACK,
  reviewEvent,
  STAGING,
  since,
  stepOf,
  tick,
  toProdApproval,
} from "../after-merge-fixtures.js";
import { API, APP_DATABASES, R } from "../harness.js";

let flow: Flow | undefined;
afterEach(async () => {
  const seen = flow ? problems(flow.h) : [];
  await flow?.h.stop();
  flow = undefined;
  nock.cleanAll();
  expect(seen).toEqual([]);
});

/** What the run did before `prod-approval`, in the audit trail (rows of one moment sorted by action). */
function auditToProdApproval() {
  return [
    { actor: AUTHOR, action: "run", stepId: null, sha: HEAD, reason: "pull_request.opened" },
    {
      actor: "carol",
      action: "approve",
      stepId: "maintainer-approval",
      sha: HEAD,
      reason: "approved by review",
    },
    {
      actor: "phasegate",
      action: "deploy",
      stepId: "staging",
      sha: MERGE_SHA,
      reason: `deployment #${STAGING} to staging`,
    },
    {
      actor: "phasegate",
      action: "merge",
      stepId: "merge",
      sha: HEAD,
      reason: `merged with squash as ${MERGE_SHA}`,
    },
    {
      actor: "phasegate",
      action: "deploy",
      stepId: "staging",
      sha: MERGE_SHA,
      reason: `deployment #${STAGING} to staging: success`,
    },
  ];
}

describe.each(APP_DATABASES)("gates after merge (%s)", (database) => {
  test.each(["comment", "button"] as const)(
    "a writer's approval by %s after the merge opens prod-approval; production fails and is rolled back",
    async (via) => {
      flow = await bootFlow(database);
      const f = flow;
      await toProdApproval(f);

      // rel (write, in @acme/release) approves on the merged PR: evaluated on the SHA that was merged.
      tick(f);
      mockPull("merged");
      mockReviews([PRE_MERGE_REVIEW]);
      mockPermission("rel", "write");
      mockMembership("rel");
      mockDeployment(f, PRODUCTION, "production", "production");
      const expected = [
        `GET ${R}/collaborators/rel/permission`,
        `GET ${R}/pulls/${PR}`,
        `GET ${R}/pulls/${PR}/reviews?per_page=100`,
        "GET /orgs/acme/teams/release/memberships/rel",
        `POST ${R}/deployments`,
      ];
      if (via === "comment") {
        const { payload, id } = commentEvent(f, "rel", "/agents approve prod-approval");
        mockReaction(id);
        expected.push(`POST ${R}/issues/comments/${id}/reactions`);
        await deliver(f, "issue_comment", payload);
      } else {
        // `approve:prod-approval` is longer than GitHub's 20 characters: the button is `approve#<index in phase>`.
        await deliver(f, "check_run", clickEvent(f, "rel", "deploy", "approve#1"));
      }
      expect(nock.pendingMocks()).toEqual([]);
      expect(since(f)).toEqual(expected.sort());
      expect(await stepOf(f, "prod-approval")).toEqual({
        status: "succeeded",
        summary: `approved by @rel on ${H7}`,
      });
      expect(await stepOf(f, "production")).toEqual({
        status: "waiting",
        summary: `deploying ${MERGE_SHA.slice(0, 7)} to production (deployment #${PRODUCTION})`,
      });

      // The deploy job reports a failure: production goes back to the last successful SHA.
      tick(f);
      mockRollback(f);
      await deliver(
        f,
        "deployment_status",
        deploymentStatusEvent(f, PRODUCTION, "production", "failure", "smoke tests failed"),
      );
      expect(nock.pendingMocks()).toEqual([]);
      expect(since(f)).toEqual([
        `GET ${R}/deployments/8998/statuses?per_page=100`,
        `GET ${R}/deployments?environment=production&per_page=30`,
        `POST ${R}/deployments`,
      ]);
      const run = await load(f);
      expect(run.status).toBe("failed");
      const failure = `deployment #${PRODUCTION} to production: failure: smoke tests failed`;
      expect(run.steps.get("production")).toMatchObject({
        status: "failed",
        error: failure,
        output: {
          summary: `failed (${failure}); rolled back to ${OLD_OK.slice(0, 7)} (deployment #${ROLLBACK})`,
          data: { rollbackSha: OLD_OK, rollbackDeploymentId: ROLLBACK },
        },
      });
      expect(await auditOf(f)).toEqual([
        ...auditToProdApproval(),
        {
          actor: "rel",
          action: "approve",
          stepId: "prod-approval",
          sha: HEAD,
          reason: "approved by command",
        },
        { actor: "rel", action: "approve", stepId: "prod-approval", sha: HEAD, reason: via },
        {
          actor: "phasegate",
          action: "deploy",
          stepId: "production",
          sha: MERGE_SHA,
          reason: `deployment #${PRODUCTION} to production`,
        },
        {
          actor: "phasegate",
          action: "deploy",
          stepId: "production",
          sha: MERGE_SHA,
          reason: `deployment #${PRODUCTION} to production: failure (smoke tests failed)`,
        },
        {
          actor: "phasegate",
          action: "rollback",
          stepId: "production",
          sha: OLD_OK,
          reason: `deployment #${PRODUCTION} to production failed (${failure}); rolled back with deployment #${ROLLBACK}`,
        },
      ]);
    },
  );
});

const CALLBACK = `${R}/actions/runs/4242/deployment_protection_rule`;

describe.each(APP_DATABASES)("reviews and refusals after merge (%s)", (database) => {
  test("a review approving after the merge opens prod-approval (the author's and a bot's never count) and answers the protection rule", async () => {
    flow = await bootFlow(database);
    const f = flow;
    await toProdApproval(f);

    // Actions asks whether it may deploy the merge commit to production: kept while the gate waits.
    tick(f);
    await deliver(f, "deployment_protection_rule", protectionRuleEvent(CALLBACK));
    expect(since(f)).toEqual([]);

    tick(f);
    mockPull("merged");
    mockReviews([
      PRE_MERGE_REVIEW,
      { login: AUTHOR, state: "APPROVED", at: f.clock.t - 3000 },
      { login: "helper[bot]", state: "APPROVED", at: f.clock.t - 2000, bot: true },
      { login: "rel", state: "APPROVED", at: f.clock.t - 1000 },
    ]);
    mockPermission("rel", "write"); // only rel is looked up: the author and bots never count
    mockMembership("rel");
    mockDeployment(f, PRODUCTION, "production", "production");
    nock(API)
      .post(CALLBACK, {
        environment_name: "production",
        state: "approved",
        comment: `phasegate: every step before deploying to production passed on ${H7} (run ${f.runId})`,
      })
      .reply(204);
    await deliver(f, "pull_request_review", reviewEvent("rel"));
    expect(nock.pendingMocks()).toEqual([]);
    expect(since(f)).toEqual([
      "GET /orgs/acme/teams/release/memberships/rel",
      `GET ${R}/collaborators/rel/permission`,
      `GET ${R}/pulls/${PR}`,
      `GET ${R}/pulls/${PR}/reviews?per_page=100`,
      `POST ${CALLBACK}`,
      `POST ${R}/deployments`,
    ]);
    expect(await stepOf(f, "prod-approval")).toEqual({
      status: "succeeded",
      summary: `approved by @rel on ${H7}`,
    });

    tick(f);
    await deliver(f, "deployment_status", deploymentStatusEvent(f, PRODUCTION, "production", "success"));
    expect(since(f)).toEqual([]);
    expect((await load(f)).status).toBe("succeeded");
    expect(await auditOf(f)).toEqual([
      ...auditToProdApproval(),
      { actor: "rel", action: "approve", stepId: "prod-approval", sha: HEAD, reason: "approved by review" },
      {
        actor: "phasegate",
        action: "deploy",
        stepId: "production",
        sha: MERGE_SHA,
        reason: `deployment #${PRODUCTION} to production`,
      },
      {
        actor: "phasegate",
        action: "deploy",
        stepId: "production",
        sha: MERGE_SHA,
        reason: `deployment #${PRODUCTION} to production: success`,
      },
    ]);
  });

  test("after the merge, a reader's and the author's /agents approve are refused with a reply saying why", async () => {
    flow = await bootFlow(database);
    const f = flow;
    await toProdApproval(f);

    tick(f);
    const reader = commentEvent(f, "rita", "/agents approve");
    mockReaction(reader.id);
    mockPull("merged");
    mockReviews([PRE_MERGE_REVIEW]);
    mockPermission("rita", "read");
    mockReply(
      "@rita: approving `prod-approval` needs write permission and membership of @\u200bacme/release (@\u200brita has only read access).",
    );
    await deliver(f, "issue_comment", reader.payload);
    expect(nock.pendingMocks()).toEqual([]);
    expect(since(f)).toEqual([
      `GET ${R}/collaborators/rita/permission`,
      `GET ${R}/pulls/${PR}`,
      `GET ${R}/pulls/${PR}/reviews?per_page=100`,
      `POST ${R}/issues/${PR}/comments`,
      `POST ${R}/issues/comments/${reader.id}/reactions`,
    ]);

    tick(f);
    const author = commentEvent(f, AUTHOR, "/agents approve prod-approval");
    mockReaction(author.id);
    mockPull("merged");
    mockReviews([PRE_MERGE_REVIEW]);
    // rita's approve is still on record: her permission is asked again (the answer is a minute old), never the author's.
    mockPermission("rita", "read");
    mockReply(`@${AUTHOR}: the PR author cannot count for approving \`prod-approval\`.`);
    await deliver(f, "issue_comment", author.payload);
    expect(nock.pendingMocks()).toEqual([]);
    expect(since(f)).toEqual([
      `GET ${R}/collaborators/rita/permission`,
      `GET ${R}/pulls/${PR}`,
      `GET ${R}/pulls/${PR}/reviews?per_page=100`,
      `POST ${R}/issues/${PR}/comments`,
      `POST ${R}/issues/comments/${author.id}/reactions`,
    ]);

    expect(await stepOf(f, "prod-approval")).toEqual({
      status: "waiting",
      summary: `needs 1 more approval from @acme/release on ${H7} (reviews from before the merge do not count)`,
    });
    expect(await auditOf(f)).toEqual([
      ...auditToProdApproval(),
      { actor: "rita", action: "approve", stepId: "prod-approval", sha: HEAD, reason: "comment" },
      { actor: AUTHOR, action: "approve", stepId: "prod-approval", sha: HEAD, reason: "comment" },
    ]);
  });

  test("a PR closed without merging: its run is cancelled, and approving by comment or button says so", async () => {
    flow = await bootFlow(database);
    const f = flow;
    await opened(f);
    tick(f);
    mockPull("closed");
    await deliver(f, "pull_request", pullRequestEvent("closed"));
    expect(since(f)).toEqual([`GET ${R}/pulls/${PR}`]);
    expect((await load(f)).status).toBe("cancelled");

    const cancelled = `the run was cancelled by @\u200b${AUTHOR} (the pull request was closed)`;
    tick(f);
    const c = commentEvent(f, "carol", "/agents approve");
    mockReaction(c.id);
    mockReply(`@carol: no approval gate is waiting: ${cancelled}.`);
    await deliver(f, "issue_comment", c.payload);
    tick(f);
    // `approve:maintainer-approval` is too long for a button identifier: `approve#0`, the phase's first step.
    mockReply(`@carol: \`maintainer-approval\` is not waiting for approval: ${cancelled}.`);
    await deliver(f, "check_run", clickEvent(f, "carol", "approve", "approve#0"));
    expect(nock.pendingMocks()).toEqual([]);
    expect(since(f)).toEqual([
      `POST ${R}/issues/${PR}/comments`,
      `POST ${R}/issues/${PR}/comments`,
      `POST ${R}/issues/comments/${c.id}/reactions`,
    ]);
    expect((await auditOf(f)).map((a) => a.action)).toEqual(["run", "cancel"]);
  });

  test("a PR closed without merging before its closing was handled: the approval cannot be evaluated, and the reply says why", async () => {
    flow = await bootFlow(database);
    const f = flow;
    await opened(f);
    tick(f);
    const c = commentEvent(f, "carol", "/agents approve maintainer-approval");
    mockReaction(c.id);
    mockPull("closed"); // its reviews are not read: nothing they say can count
    mockReply(
      "@carol: `maintainer-approval` cannot be approved: the pull request was closed without merging.",
    );
    await deliver(f, "issue_comment", c.payload);
    expect(nock.pendingMocks()).toEqual([]);
    expect(since(f)).toEqual([
      `GET ${R}/pulls/${PR}`,
      `POST ${R}/issues/${PR}/comments`,
      `POST ${R}/issues/comments/${c.id}/reactions`,
    ]);
    expect(await stepOf(f, "maintainer-approval")).toMatchObject({ status: "waiting" });
  });
});
