import nock from "nock";
import { expect } from "vitest";
import type { RunState } from "../../src/core/run/run-state.js";
import type { DatabaseKind } from "../db/databases.js";
import { AUTHOR, body, HEAD, MERGE_SHA, mockFiles, mockWorkflow, PR, T0 } from "./e2e-fixtures.js";
import { API, APP_ID, type AppHarness, example, R, startApp } from "./harness.js";
import { CONTENTS, requestsMade } from "./runs-fixtures.js";

/**
 * The release flow of docs/workflow-file.md on GitHub's example PR (acme/widgets#2), driven only by signed
 * webhooks: one approval → squash merge → deploy staging → `prod-approval` (from @acme/release) → deploy production
 * with rollback. Reporting is off, so every request asserted is the gates', merge's, deploys' or a reply.
 */
export { AUTHOR, HEAD, MERGE_SHA, PR };
export const H7 = HEAD.slice(0, 7);
/** The production deployment that succeeded before this PR: where a rollback goes. */
export const OLD_OK = "2222222aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
export const STAGING = 9001;
export const PRODUCTION = 9002;
export const ROLLBACK = 9003;

export const RELEASE_YAML = `version: 1
workflows:
  release:
    name: Release
    on:
      pull_request:
    phases:
      approve:
        steps:
          - { id: maintainer-approval, uses: approval }
      merge:
        depends_on: [approve]
        steps:
          - { id: merge, uses: merge, with: { method: squash } }
      deploy:
        depends_on: [merge]
        steps:
          - { id: staging, uses: deploy, with: { environment: staging } }
          - id: prod-approval
            uses: approval
            depends_on: [staging]
            with: { from: ["@acme/release"] }
          - id: production
            uses: deploy
            depends_on: [prod-approval]
            with: { environment: production, rollback: true }
`;

export interface Flow {
  readonly h: AppHarness;
  readonly clock: { t: number };
  /** The run's id, once `opened` started it. */
  runId: string;
  /** Requests made so far, for `since`. */
  seen: number;
}

export async function bootFlow(database: DatabaseKind): Promise<Flow> {
  const clock = { t: T0 };
  const h = await startApp({
    database,
    now: () => clock.t,
    // A request nobody expected fails at once instead of being retried with back-off.
    backoff: { serverErrorBaseMs: 1, serverErrorRetries: 0, secondaryBaseMs: 1 },
  });
  return { h, clock, runId: "", seen: 0 };
}

/** A minute later: what follows happens after what came before, and no earlier read of the PR is reused. */
export function tick(f: Flow): void {
  f.clock.t += 60_000;
}

/** A signed webhook, delivered to the next replica and worked off (`AppHarness.receiveSigned`). */
export function deliver(f: Flow, name: string, payload: Record<string, unknown>): Promise<void> {
  return f.h.receiveSigned(name, payload);
}

/** The requests made since the last call, sorted (work of one webhook happens partly at once). */
export function since(f: Flow): string[] {
  const all = requestsMade(f.h);
  const fresh = all.slice(f.seen);
  f.seen = all.length;
  return fresh.sort();
}

export const iso = (t: number) => new Date(t).toISOString();

// --- GitHub's answers ------------------------------------------------------------------------------------------

/** GET /pulls/2: open, merged (closed, head as merged) or closed without merging. */
export function mockPull(state: "open" | "merged" | "closed"): void {
  nock(API)
    .get(`${R}/pulls/${PR}`)
    .reply(200, {
      number: PR,
      state: state === "open" ? "open" : "closed",
      merged: state === "merged",
      merge_commit_sha: state === "merged" ? MERGE_SHA : null,
      draft: false,
      head: { sha: HEAD, ref: "feature" },
      base: { ref: "main" },
      user: { login: AUTHOR, type: "User" },
      labels: [],
      title: "Update the README with new information",
      body: "This is a pretty simple change that we need to pull into main.",
    });
}

export interface ApiReview {
  readonly login: string;
  readonly state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED";
  readonly at: number;
  readonly bot?: boolean;
}

/** GET /pulls/2/reviews: every review on the head SHA (after a merge GitHub still reports the merged head). */
export function mockReviews(reviews: readonly ApiReview[]): void {
  nock(API)
    .get(`${R}/pulls/${PR}/reviews`)
    .query({ per_page: "100" })
    .reply(
      200,
      reviews.map((r, i) => ({
        id: 700 + i,
        user: { login: r.login, type: r.bot ? "Bot" : "User" },
        state: r.state,
        commit_id: HEAD,
        submitted_at: iso(r.at),
      })),
    );
}

export function mockPermission(login: string, role: "admin" | "write" | "read"): void {
  nock(API)
    .get(`${R}/collaborators/${login}/permission`)
    .reply(200, { permission: role, role_name: role, user: { login } });
}

export function mockMembership(login: string): void {
  nock(API)
    .get(`/orgs/acme/teams/release/memberships/${login}`)
    .reply(200, { state: "active", role: "member" });
}

export function mockReaction(commentId: number): void {
  nock(API)
    .post(`${R}/issues/comments/${commentId}/reactions`, { content: "eyes" })
    .reply(201, { id: 1, content: "eyes" });
}

/** The reply comment, with its exact body. */
export function mockReply(text: string): void {
  nock(API)
    .post(`${R}/issues/${PR}/comments`, body({ body: text }))
    .reply(201, { id: 990 });
}

/** The run's deploy step creating its deployment of the merge commit. */
export function mockDeployment(f: Flow, id: number, environment: string, step: string): void {
  const payload = { phasegate_run: f.runId, phasegate_step: step };
  nock(API)
    .post(
      `${R}/deployments`,
      body({
        ref: MERGE_SHA,
        environment,
        auto_merge: false,
        required_contexts: [],
        payload,
        description: `phasegate run ${f.runId}, step ${step}`,
      }),
    )
    .reply(201, { id, sha: MERGE_SHA, environment, payload });
}

/** The rollback after production deployment #PRODUCTION failed: to OLD_OK, the last success. */
export function mockRollback(f: Flow): void {
  nock(API)
    .get(`${R}/deployments`)
    .query({ environment: "production", per_page: "30" })
    .reply(200, [
      { id: PRODUCTION, sha: MERGE_SHA, environment: "production", payload: {} },
      { id: 8998, sha: OLD_OK, environment: "production", payload: {} },
    ])
    .get(`${R}/deployments/8998/statuses`)
    .query({ per_page: "100" })
    .reply(200, [{ state: "inactive" }, { state: "success" }]);
  const payload = { phasegate_run: f.runId, phasegate_rollback_of: PRODUCTION };
  nock(API)
    .post(
      `${R}/deployments`,
      body({
        ref: OLD_OK,
        environment: "production",
        auto_merge: false,
        required_contexts: [],
        payload,
        description: `phasegate: roll back production to ${OLD_OK.slice(0, 7)} after deployment #${PRODUCTION} failed`,
      }),
    )
    .reply(201, { id: ROLLBACK, sha: OLD_OK, environment: "production", payload });
}

// --- Webhooks (GitHub's examples, adapted) ---------------------------------------------------------------------

export function pullRequestEvent(action: "opened" | "closed", merged = false): Record<string, unknown> {
  return example("pull_request", action, {
    number: PR,
    pull_request: {
      number: PR,
      state: action === "opened" ? "open" : "closed",
      merged,
      head: { sha: HEAD },
      user: { login: AUTHOR },
    },
    sender: { login: AUTHOR, type: "User" },
  });
}

let comments = 3000;

/** `issue_comment.created` on the PR by `login`, made now; returns its id for the 👀. */
export function commentEvent(
  f: Flow,
  login: string,
  text: string,
): { payload: Record<string, unknown>; id: number } {
  const id = ++comments;
  const payload = example("issue_comment", "created", {
    issue: { number: PR, pull_request: { url: `${API}${R}/pulls/${PR}` } },
    comment: { id, body: text, created_at: iso(f.clock.t), user: { login, type: "User" } },
    sender: { login, type: "User" },
  });
  return { payload, id };
}

/** `pull_request_review.submitted` by `login`, approving the head. */
export function reviewEvent(login: string): Record<string, unknown> {
  return example("pull_request_review", "submitted", {
    review: { state: "approved", commit_id: HEAD, user: { login, type: "User" } },
    pull_request: { number: PR, head: { sha: HEAD }, user: { login: AUTHOR } },
    sender: { login, type: "User" },
  });
}

/** The Approve button of a gate on its phase's check run (`agents / <phase>`). */
export function clickEvent(
  f: Flow,
  login: string,
  phase: string,
  identifier: string,
): Record<string, unknown> {
  return example("check_run", "requested_action", {
    check_run: {
      app: { id: APP_ID },
      external_id: `${f.runId}/${phase}`,
      head_sha: HEAD,
      name: `agents / ${phase}`,
    },
    requested_action: { identifier },
    sender: { login, type: "User" },
  });
}

export function deploymentStatusEvent(
  f: Flow,
  id: number,
  environment: string,
  state: string,
  description: string | null = null,
): Record<string, unknown> {
  return example("deployment_status", "created", {
    deployment: { id, sha: MERGE_SHA, environment, payload: { phasegate_run: f.runId } },
    deployment_status: { state, description },
  });
}

/**
 * A `deployment_protection_rule.requested` for the merge commit. @octokit/webhooks-examples has none: built from
 * GitHub's documented shape, with the repository, installation and sender of another example (as in
 * deploy-protection.test.ts).
 */
export function protectionRuleEvent(callbackPath: string): Record<string, unknown> {
  const base = example("merge_group", "checks_requested");
  return {
    action: "requested",
    environment: "production",
    event: "deployment",
    deployment_callback_url: `${API}${callbackPath}`,
    deployment: { id: 5150, sha: MERGE_SHA, ref: "main", environment: "production", payload: {} },
    pull_requests: [],
    repository: base.repository,
    installation: base.installation,
    sender: base.sender,
  };
}

// --- The flow up to the post-merge gate --------------------------------------------------------------------------

/** When the maintainer approved: before the merge, so never an approval of what follows it. */
export const PRE_MERGE_REVIEW: ApiReview = { login: "carol", state: "APPROVED", at: T0 + 55_000 };

/** `pull_request.opened` at T0: the run starts and its first gate, `maintainer-approval`, waits. */
export async function opened(f: Flow): Promise<void> {
  mockWorkflow(RELEASE_YAML);
  mockPull("open");
  mockFiles();
  mockReviews([]); // the gate reuses the PR read that started the run
  await deliver(f, "pull_request", pullRequestEvent("opened"));
  expect(nock.pendingMocks()).toEqual([]);
  const [id] = await f.h.services.github.runIdsFor("acme/widgets", PR);
  f.runId = id ?? "";
  expect(await stepOf(f, "maintainer-approval")).toEqual({
    status: "waiting",
    summary: `needs 1 more approval on ${H7}`,
  });
  expect(since(f)).toEqual([
    `GET ${CONTENTS}?ref=main`,
    `GET ${R}/pulls/${PR}`,
    `GET ${R}/pulls/${PR}/files?per_page=100&page=1`,
    `GET ${R}/pulls/${PR}/reviews?per_page=100`,
  ]);
}

/**
 * `opened` → the first gate waits; carol's review opens it → squash merge → staging deployment; `closed`
 * (merged) changes nothing; staging succeeds → `prod-approval` waits on the merged SHA, carol's pre-merge approval
 * not counting. Asserts every request on the way.
 */
export async function toProdApproval(f: Flow): Promise<RunState> {
  await opened(f);

  mockPull("open");
  mockReviews([PRE_MERGE_REVIEW]);
  mockPermission("carol", "write");
  nock(API)
    .put(`${R}/pulls/${PR}/merge`, body({ sha: HEAD, merge_method: "squash" }))
    .reply(200, { sha: MERGE_SHA, merged: true, message: "Pull Request successfully merged" });
  mockDeployment(f, STAGING, "staging", "staging");
  tick(f);
  await deliver(f, "pull_request_review", reviewEvent("carol"));
  expect(nock.pendingMocks()).toEqual([]);
  expect(since(f)).toEqual([
    `GET ${R}/collaborators/carol/permission`,
    `GET ${R}/pulls/${PR}`,
    `GET ${R}/pulls/${PR}/reviews?per_page=100`,
    `POST ${R}/deployments`,
    `PUT ${R}/pulls/${PR}/merge`,
  ]);

  mockPull("merged");
  tick(f);
  await deliver(f, "pull_request", pullRequestEvent("closed", true));
  expect(since(f)).toEqual([`GET ${R}/pulls/${PR}`]);

  mockPull("merged");
  mockReviews([PRE_MERGE_REVIEW]);
  tick(f);
  await deliver(f, "deployment_status", deploymentStatusEvent(f, STAGING, "staging", "success"));
  expect(nock.pendingMocks()).toEqual([]);
  expect(since(f)).toEqual([`GET ${R}/pulls/${PR}`, `GET ${R}/pulls/${PR}/reviews?per_page=100`]);
  expect(await stepOf(f, "prod-approval")).toEqual({
    status: "waiting",
    summary: `needs 1 more approval from @acme/release on ${H7} (reviews from before the merge do not count)`,
  });
  return load(f);
}

export async function load(f: Flow): Promise<RunState> {
  const run = await f.h.services.store.loadRun(f.runId);
  if (!run) throw new Error(`no run ${f.runId}`);
  return run;
}

export async function stepOf(f: Flow, stepId: string): Promise<{ status?: string; summary?: string }> {
  const s = (await load(f)).steps.get(stepId);
  return { status: s?.status, summary: s?.output?.summary };
}

/** Audit rows without run id and time, in time order (rows of one moment by action, step and actor). */
export async function auditOf(f: Flow) {
  const rows = await f.h.services.store.listAudit(f.runId);
  const key = (r: (typeof rows)[number]) => `${r.action}\0${r.stepId}\0${r.actor}\0${r.reason}`;
  return [...rows]
    .sort((a, b) => a.at - b.at || key(a).localeCompare(key(b)))
    .map(({ actor, action, stepId, sha, reason }) => ({ actor, action, stepId, sha, reason }));
}

/** Warnings and errors the app logged (an unexpected request shows up here). */
export function problems(h: AppHarness): unknown[] {
  return h.logs
    .filter((l) => Number(l.level) >= 40)
    .map((l) => ({ msg: l.msg, err: (l.err as { message?: string })?.message }));
}
