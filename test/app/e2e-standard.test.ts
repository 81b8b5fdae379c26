import nock from "nock";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import {
  APPROVER,
  AUTHOR,
  agentsPassed,
  approvalPassed,
  approvedReview,
  auditAfterStart,
  body,
  bootE2E,
  expectSegments,
  externalId,
  firstReview,
  HEAD,
  HEAD7,
  HEURISTIC,
  MERGE_SHA,
  mergePassed,
  mockCreateCheckRun,
  mockFiles,
  mockGateReads,
  mockMerge,
  mockPermission,
  mockPull,
  mockToGate,
  mockUpdateCheckRun,
  mockWorkflow,
  overallSummary,
  PATCH_V1,
  PR,
  prEvent,
  requests,
  reviewPhase,
  runsOfPr,
  STANDARD_YAML,
  stepsTable,
  type Unexpected,
  watchUnexpected,
  withMarker,
} from "./e2e-fixtures.js";
import { API, APP_DATABASES, type AppHarness, R } from "./harness.js";
import { CONTENTS } from "./runs-fixtures.js";

let h: AppHarness | undefined;
let unexpected: Unexpected[] = [];
beforeEach(() => {
  unexpected = watchUnexpected();
});
afterEach(async () => {
  await h?.stop();
  h = undefined;
  nock.cleanAll();
});

const IDS = { agents: 101, review: 102, approval: 103 };
const MERGE_CHECK = 104;

describe.each(APP_DATABASES)("end to end on %s", (database) => {
  test("standard run: opened → review phase → PR review → gate waits → approving review → merge", async () => {
    const e = await bootE2E(database);
    h = e.h;

    // 1. pull_request.opened: the whole first wave, up to the waiting gate.
    const opened = mockToGate(HEAD, PATCH_V1, IDS, firstReview(HEAD));
    await h.receive("pull_request", prEvent("opened"));
    expect(unexpected).toEqual([]);
    expect(nock.pendingMocks()).toEqual([]);
    expectSegments(requests(h), opened);
    const [run] = await runsOfPr(h);
    expect(run?.status).toBe("waiting");
    expect(run?.steps.get("approval")).toMatchObject({
      status: "waiting",
      output: { summary: `needs 1 more approval on ${HEAD.slice(0, 7)}` },
    });

    // 2. carol (write access; neither author nor pusher) approves the head a minute later.
    e.clock.t += 60_000;
    mockGateReads([{ login: APPROVER, state: "APPROVED", sha: HEAD }]);
    mockPermission(APPROVER, "write");
    mockMerge("squash", HEAD);
    mockCreateCheckRun(MERGE_CHECK, mergePassed(HEAD, true));
    mockUpdateCheckRun(IDS.agents, agentsPassed(HEAD));
    mockUpdateCheckRun(IDS.approval, approvalPassed(HEAD, APPROVER));
    await h.receive("pull_request_review", approvedReview(APPROVER, HEAD));
    expect(unexpected).toEqual([]);
    expect(nock.pendingMocks()).toEqual([]);
    expectSegments(requests(h), [
      ...opened,
      [`GET ${R}/pulls/${PR}`],
      [`GET ${R}/pulls/${PR}/reviews?per_page=100`],
      [`GET ${R}/collaborators/${APPROVER}/permission`],
      // `agents` reads success before the merge (a required check must pass first), past the interval.
      [`PATCH ${R}/check-runs/${IDS.agents}`],
      [`PUT ${R}/pulls/${PR}/merge`],
      // The merge phase finished at once: created completed. The approval phase was written less than a second
      // before, so its PATCH comes one interval later.
      [`POST ${R}/check-runs`],
      [`PATCH ${R}/check-runs/${IDS.approval}`],
    ]);
    // Reads and writes of the whole run: a change in either shows up here.
    const all = requests(h);
    expect(all.filter((r) => r.startsWith("GET ")).length).toBe(7);
    expect(all.filter((r) => !r.startsWith("GET ")).length).toBe(8);

    // 3. End state: the run succeeded on the approved SHA, audited as run → approve → merge.
    const [done] = await runsOfPr(h);
    expect(done?.status).toBe("succeeded");
    expect(done?.steps.get("merge")?.output?.data).toEqual({ mergeSha: MERGE_SHA, sha: HEAD });
    expect(await auditAfterStart(h, done?.id ?? "")).toEqual({
      first: { actor: AUTHOR, action: "run", stepId: null, sha: HEAD, reason: "pull_request.opened" },
      rest: [
        { actor: APPROVER, action: "approve", stepId: "approval", sha: HEAD, reason: "approved by review" },
        {
          actor: "phasegate",
          action: "merge",
          stepId: "merge",
          sha: HEAD,
          reason: `merged with squash as ${MERGE_SHA}`,
        },
      ],
    });
    // Every check run points back at this run.
    expect((await h.services.github.effects(done?.id ?? "", "check:")).size).toBe(4);
  });

  test("fail_on: medium: the review step fails on a medium finding → REQUEST_CHANGES (never APPROVE), Review fails with Retry, the rest skipped, `agents` fails, no gate read", async () => {
    const e = await bootE2E(database);
    h = e.h;
    mockWorkflow(STANDARD_YAML.replace("fail_on: high", "fail_on: medium"));
    mockPull();
    mockFiles(PATCH_V1);
    const failed = "1 finding at or above medium";
    const review = reviewPhase(HEAD, 1);
    mockCreateCheckRun(IDS.review, {
      ...review,
      conclusion: "failure",
      output: {
        ...review.output,
        title: `code-review failed: ${failed}`,
        summary: `${stepsTable([
          ["code-review", "failed", "0ms", "0", `${failed} · 2 findings (1 medium, 1 low)`],
          ["security", "succeeded", "0ms", "0", "no findings"],
          ["tests", "succeeded", "0ms", "0", "1 finding (1 medium)"],
        ])}\n\nProvider: ${HEURISTIC}`,
      },
      actions: [
        {
          label: "Retry failed",
          description: "Run this phase's failed steps again",
          identifier: "retry-failed",
        },
      ],
    });
    for (const [id, phase, name, step] of [
      [103, "approve", "Approval", "approval"],
      [MERGE_CHECK, "merge", "Merge", "merge"],
    ] as const) {
      mockCreateCheckRun(id, {
        name: `agents / ${name}`,
        head_sha: HEAD,
        external_id: externalId(phase),
        status: "completed",
        conclusion: "skipped",
        output: {
          title: 'Skipped: phase "review" failed',
          summary: stepsTable([[step, "skipped", "—", "—", 'phase "review" failed']]),
        },
        actions: [],
      });
    }
    const comment = firstReview(HEAD);
    nock(API)
      .post(
        `${R}/pulls/${PR}/reviews`,
        body({
          ...comment,
          event: "REQUEST_CHANGES",
          body: withMarker(
            [
              `**agents / Review** on \`${HEAD7}\`: 3 new findings (2 medium, 1 low), 2 inline, 1 below.`,
              `Provider: ${HEURISTIC}`,
              `\`code-review\` failed: ${failed}`,
              "**[medium] Changed without a test change** · `src/app.ts` · `tests`",
              "src/app.ts changed (+2 −0) but no matching test file (such as app.test.ts) changed in this pull request. Add or update a test that covers the change.",
              "<!-- phasegate:finding 0965e7303690f060 -->",
              "",
            ].join("\n\n"),
            "review",
            "/review/1.1.1",
          ),
        }),
      )
      .reply(200, { id: 900 });
    // `agents` waits one interval before it is first created: by then it has failed.
    mockCreateCheckRun(IDS.agents, {
      name: "agents",
      head_sha: HEAD,
      external_id: externalId(),
      status: "completed",
      conclusion: "failure",
      output: {
        title: "Failed: Review",
        summary: overallSummary(HEAD, [
          ["Review", "failure"],
          ["Approval", "skipped"],
        ]),
      },
      actions: [],
    });
    await h.receive("pull_request", prEvent("opened"));
    expect(unexpected).toEqual([]);
    expect(nock.pendingMocks()).toEqual([]);
    expect(requests(h)).toEqual([
      `GET ${CONTENTS}?ref=main`,
      `GET ${R}/pulls/${PR}`,
      `GET ${R}/pulls/${PR}/files?per_page=100&page=1`,
      // One pass once the phase failed: the PR review first (what the author waits for), then `agents`, the
      // phase's check run and the skipped phases'.
      `POST ${R}/pulls/${PR}/reviews`,
      `POST ${R}/check-runs`,
      `POST ${R}/check-runs`,
      `POST ${R}/check-runs`,
      `POST ${R}/check-runs`,
    ]);
    const [run] = await runsOfPr(h);
    expect(run?.status).toBe("failed");
    expect(run?.steps.get("code-review")).toMatchObject({ status: "failed", error: failed });
  });

  // `agents` is the check a repository marks REQUIRED, and GitHub refuses to merge a PR whose required check is not
  // success: the app shows `agents` as success before it asks for the merge.
  test("with `agents` required by branch protection, the app's own merge succeeds", async () => {
    const e = await bootE2E(database);
    h = e.h;
    mockToGate(HEAD, PATCH_V1, IDS, firstReview(HEAD));
    await h.receive("pull_request", prEvent("opened"));
    expect(nock.pendingMocks()).toEqual([]);

    e.clock.t += 60_000;
    let agentsSucceeded = false;
    nock(API)
      .persist()
      .patch(`${R}/check-runs/${IDS.agents}`)
      .reply(200, async (req) => {
        const b = (await req.json()) as { conclusion?: string };
        if (b.conclusion === "success") agentsSucceeded = true;
        return { id: IDS.agents };
      })
      .patch(/\/repos\/acme\/widgets\/check-runs\/\d+$/)
      .reply(200, {})
      .post(`${R}/check-runs`)
      .reply(201, { id: MERGE_CHECK })
      .get(`${R}/pulls/${PR}`)
      .reply(200, {
        number: PR,
        state: "open",
        merged: false,
        merge_commit_sha: null,
        head: { sha: HEAD, ref: "feature" },
        user: { login: AUTHOR, type: "User" },
      })
      .get(`${R}/pulls/${PR}/reviews`)
      .query(true)
      .reply(200, [
        {
          id: 500,
          user: { login: APPROVER, type: "User" },
          state: "APPROVED",
          commit_id: HEAD,
          submitted_at: "2026-11-22T06:01:00Z",
        },
      ])
      .get(`${R}/collaborators/${APPROVER}/permission`)
      .reply(200, { permission: "write", role_name: "write" })
      // GitHub's branch protection: no merge while the required `agents` check is not success.
      .put(`${R}/pulls/${PR}/merge`)
      .reply(() =>
        agentsSucceeded
          ? [200, { sha: MERGE_SHA, merged: true, message: "Pull Request successfully merged" }]
          : [405, { message: 'Required status check "agents" is in progress.' }],
      );
    await h.receive("pull_request_review", approvedReview(APPROVER, HEAD));
    const [run] = await runsOfPr(h);
    expect(run?.steps.get("merge")?.status).toBe("succeeded");
  });
});
