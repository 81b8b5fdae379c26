import nock from "nock";
import { afterEach, describe, expect, test } from "vitest";
import {
  approvedReview,
  auditRows,
  expectSegments,
  HEAD,
  HEAD7,
  mockPull,
  mockReviews,
  PR,
  runsOfPr,
} from "../e2e-fixtures.js";
import {
  AUTHOR,
  appComment,
  bootLearning,
  type LearningFlow,
  ledger,
  problems,
  push,
  REPO_NAME,
  replyEvent,
  since,
  tick,
} from "../findings/learning-fixtures.js";
import { API, APP_DATABASES, R, REPLICAS } from "../harness.js";

let flow: LearningFlow | undefined;
afterEach(async () => {
  const seen = flow ? problems(flow.h) : [];
  await flow?.h.stop();
  flow = undefined;
  nock.cleanAll();
  expect(seen).toEqual([]);
});

/** A security step that reports without failing, then a gate that escalates to @acme/security on a high finding. */
const YAML = `version: 1
workflows:
  ship:
    name: Ship
    on:
      pull_request:
    phases:
      review:
        name: Review
        steps:
          - { id: security, uses: security, fail_on: never }
      approve:
        name: Approval
        depends_on: [review]
        steps:
          - id: approval
            uses: approval
            with: { count: 1, escalate: { on: high, count: 2, from: ["@acme/security"] } }
`;

/** Adds a hard-coded secret on line 2: the security step's secret scan reports it as high. */
const PATCH_SECRET =
  '@@ -1,2 +1,3 @@\n export const a = 1;\n+const clientSecret = "q7Rt2Lm9Xv4Bn8Kp3Wz6Hs1Dg5Fj0Ca";\n export const b = 2;';
/** The app's inline comment on the secret, as GitHub numbers it. */
const SECRET_COMMENT = 5101;
/** bob is in @acme/security with write access; carol has write access, is in no team and judges. */
const BOB = "bob";
const CAROL = "carol";

const ESCALATED = "escalated: 1 high finding open — needs 2 approvals from @acme/security";
const GET_PULL = `GET ${R}/pulls/${PR}`;
const GET_REVIEWS = `GET ${R}/pulls/${PR}/reviews?per_page=100`;
const permission = (login: string) => `GET ${R}/collaborators/${login}/permission`;
const MEMBERSHIP_BOB = `GET /orgs/acme/teams/security/memberships/${BOB}`;
const REPLY = `POST ${R}/pulls/${PR}/comments/${SECRET_COMMENT}/replies`;

/** The gate's state and what it says. */
async function gate(f: LearningFlow) {
  const [run] = await runsOfPr(f.h);
  const s = run?.steps.get("approval");
  return { run: run?.status, status: s?.status, summary: s?.output?.summary };
}

/** The last summary written for the Approval phase's check run (PATCHes carry no name: the last with a step table). */
function lastApprovalSummary(f: LearningFlow): string {
  const approval = f.checkRuns.filter((c) => {
    const summary = (c.output as { summary?: string } | undefined)?.summary ?? "";
    return summary.includes("| `approval` |");
  });
  return String((approval.at(-1)?.output as { summary?: string } | undefined)?.summary);
}

/** The reply the app posts in the thread of its comment, kept. */
function expectReply(into: { body?: string }): void {
  nock(API)
    .post(`${R}/pulls/${PR}/comments/${SECRET_COMMENT}/replies`)
    .reply(async (req: Request) => {
      Object.assign(into, (await req.json()) as { body: string });
      return [201, { id: 6200 }];
    });
}

/**
 * A read the app caches per instance for a minute (permissions, memberships): made exactly once here; with replicas
 * (webhooks alternate, each instance caches on its own) answered whenever an instance asks.
 */
function cachedRead(path: string, status: number, answer: Record<string, unknown>): void {
  if (REPLICAS > 1) nock(API).persist().get(path).optionally().reply(status, answer);
  else nock(API).get(path).reply(status, answer);
}

function mockPermission(login: string, role: "write" | "admin"): void {
  cachedRead(`${R}/collaborators/${login}/permission`, 200, {
    permission: role,
    role_name: role,
    user: { login },
  });
}

function mockSecurityMember(login: string): void {
  cachedRead(`/orgs/acme/teams/security/memberships/${login}`, 200, { state: "active", role: "member" });
}

/** The gate's reads when a later evaluation runs (the permission and membership caches expired a minute later). */
function gateReads(approvers: readonly string[]): void {
  mockPull();
  mockReviews(approvers.map((login) => ({ login, state: "APPROVED", sha: HEAD })));
}

describe.each(APP_DATABASES)("escalation to humans (%s)", (database) => {
  test("an open high finding makes the gate need 2 approvals from @acme/security; the author's `wrong` changes nothing; a writer's `wrong` de-escalates it and the one approval given opens it", async () => {
    flow = await bootLearning(database);
    const f = flow;

    // 1. Opened: the secret scan reports a high finding; the gate waits escalated, and says why.
    // The gate starts waiting a moment after the PR was read: that read is reused, only reviews are fetched.
    mockReviews([]);
    await push(f, YAML, PATCH_SECRET);
    expectSegments(since(f), [
      [
        `GET ${R}/contents/.agents%2Fworkflow.yaml?ref=main`,
        GET_PULL,
        `GET ${R}/pulls/${PR}/files?per_page=100&page=1`,
        `POST ${R}/pulls/${PR}/reviews`,
        GET_REVIEWS,
      ],
    ]);
    const [comment] = (f.reviews[0]?.comments ?? []) as { line: number; body: string }[];
    expect(comment?.line).toBe(2);
    expect(comment?.body).toMatch(/^\*\*\[high\] Hard-coded secret\*\* · `security`/);
    const waiting = `needs 2 more approvals from @acme/security on ${HEAD7} (${ESCALATED})`;
    expect(await gate(f)).toEqual({ run: "waiting", status: "waiting", summary: waiting });
    expect(lastApprovalSummary(f)).toContain(
      "needs 2 more approvals from @\u200bacme/security on ec26c3e (escalated: 1 high finding open — needs 2 approvals from @\u200bacme/security)",
    );

    // 2. bob (write, @acme/security) approves: one approval is not enough while the finding is open.
    tick(f);
    gateReads([BOB]);
    mockPermission(BOB, "write");
    mockSecurityMember(BOB);
    await f.h.receiveSigned("pull_request_review", approvedReview(BOB, HEAD));
    expectSegments(since(f), [[GET_PULL, GET_REVIEWS, permission(BOB), MEMBERSHIP_BOB]]);
    expect(nock.pendingMocks()).toEqual([]);
    const one = `needs 1 more approval from @acme/security on ${HEAD7} (${ESCALATED})`;
    expect(await gate(f)).toEqual({ run: "waiting", status: "waiting", summary: one });
    expect(lastApprovalSummary(f)).toContain(
      `(escalated: 1 high finding open — needs 2 approvals from @\u200bacme/security)`,
    );

    // 3. The PR's author says `/agents wrong`: recorded, but nobody clears their own PR's findings, so the gate is
    //    evaluated again and stays escalated.
    tick(f);
    mockPermission(AUTHOR, "write");
    nock(API)
      .get(`${R}/pulls/comments/${SECRET_COMMENT}`)
      .reply(200, appComment(SECRET_COMMENT, comment?.body ?? ""));
    const own: { body?: string } = {};
    expectReply(own);
    gateReads([BOB]);
    mockPermission(BOB, "write");
    mockSecurityMember(BOB);
    await f.h.receiveSigned(
      "pull_request_review_comment",
      replyEvent(f, AUTHOR, SECRET_COMMENT, "/agents wrong it is a test key", 6001),
    );
    expectSegments(since(f), [
      [
        permission(AUTHOR),
        `GET ${R}/pulls/comments/${SECRET_COMMENT}`,
        REPLY,
        GET_PULL,
        GET_REVIEWS,
        permission(BOB),
        MEMBERSHIP_BOB,
      ],
    ]);
    expect(nock.pendingMocks()).toEqual([]);
    expect(own.body).toContain("nobody clears their own pull request's findings");
    expect(await ledger(f)).toEqual([
      { title: "Hard-coded secret", state: "wrong", by: AUTHOR, postedIn: "inline", clears: false },
    ]);
    expect(await gate(f)).toEqual({ run: "waiting", status: "waiting", summary: one });

    // 4. carol (write; neither author nor pusher) says `/agents wrong`: the finding stops escalating, the gate
    //    needs 1 approval from anyone with write access again, and bob's opens it at once.
    tick(f);
    mockPermission(CAROL, "write");
    const cleared: { body?: string } = {};
    expectReply(cleared);
    gateReads([BOB]);
    mockPermission(BOB, "write");
    await f.h.receiveSigned(
      "pull_request_review_comment",
      replyEvent(f, CAROL, SECRET_COMMENT, "/agents wrong a test fixture, not a key", 6002),
    );
    // The comment is known from the author's reply: not read again. No membership lookup: the team no longer matters.
    expectSegments(since(f), [[permission(CAROL), REPLY, GET_PULL, GET_REVIEWS, permission(BOB)]]);
    expect(nock.pendingMocks()).toEqual([]);
    expect(cleared.body).toContain("It no longer counts toward `fail_on` on this pull request.");
    expect(await ledger(f)).toEqual([
      { title: "Hard-coded secret", state: "wrong", by: CAROL, postedIn: "inline", clears: true },
    ]);
    expect(await gate(f)).toEqual({
      run: "succeeded",
      status: "succeeded",
      summary: `approved by @${BOB} on ${HEAD7}`,
    });
    expect(lastApprovalSummary(f)).toContain(`| \`approval\` | succeeded |`);
    expect(lastApprovalSummary(f)).not.toContain("escalated");
    const [run] = await runsOfPr(f.h);
    const audit = await auditRows(f.h, run?.id ?? "");
    const [posted] = await f.h.services.findings.forPr(REPO_NAME, PR);
    const where = `reply: src/app.ts:2 "Hard-coded secret" (${posted?.fingerprint})`;
    expect(audit.filter((a) => a.action === "approve" || a.action.startsWith("judge-"))).toEqual([
      {
        actor: AUTHOR,
        action: "judge-wrong",
        stepId: "security",
        sha: HEAD,
        reason: `${where} · it is a test key`,
      },
      {
        actor: CAROL,
        action: "judge-wrong",
        stepId: "security",
        sha: HEAD,
        reason: `${where} · a test fixture, not a key`,
      },
      { actor: BOB, action: "approve", stepId: "approval", sha: HEAD, reason: "approved by review" },
    ]);
  });

  test("two approvals from @acme/security open an escalated gate, and the audit says it was escalated", async () => {
    flow = await bootLearning(database);
    const f = flow;
    mockReviews([]);
    await push(f, YAML, PATCH_SECRET);
    since(f);

    tick(f);
    const dave = "dave";
    gateReads([BOB, dave]);
    mockPermission(BOB, "write");
    mockPermission(dave, "admin");
    mockSecurityMember(BOB);
    mockSecurityMember(dave);
    await f.h.receiveSigned("pull_request_review", approvedReview(dave, HEAD));
    expectSegments(since(f), [
      [
        GET_PULL,
        GET_REVIEWS,
        permission(BOB),
        permission(dave),
        MEMBERSHIP_BOB,
        `GET /orgs/acme/teams/security/memberships/${dave}`,
      ],
    ]);
    expect(nock.pendingMocks()).toEqual([]);
    expect(await gate(f)).toEqual({
      run: "succeeded",
      status: "succeeded",
      summary: `approved by @${BOB}, @${dave} on ${HEAD7}`,
    });
    const [run] = await runsOfPr(f.h);
    expect((await auditRows(f.h, run?.id ?? "")).filter((a) => a.action === "approve")).toEqual([
      {
        actor: `${BOB}, ${dave}`,
        action: "approve",
        stepId: "approval",
        sha: HEAD,
        reason: `approved by review (${ESCALATED})`,
      },
    ]);
  });
});
