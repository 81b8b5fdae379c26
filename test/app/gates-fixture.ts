import nock from "nock";
import type { RunPlan } from "../../src/core/run/plan.js";
import { newRunState, type RunFacts, type RunState } from "../../src/core/run/run-state.js";
import type { AuditEntry } from "../../src/engine/ports.js";
import { type PhasesSpec, planOf, step } from "../core/helpers.js";
import { API, type AppHarness, example, INSTALLATION, R, REPLICAS, startApp } from "./harness.js";

/** Shared by the commands-* and gates-* tests: a run parked at an approval gate on PR #7 of acme/widgets. */
export const HEAD = "c0ffee1234567890c0ffee1234567890c0ffee12";
export const OLD_SHA = "01d01d1234567890c0ffee1234567890c0ffee12";
export const PR = 7;
export const AUTHOR = "alice";
export const PUSHER = "pat";

/** The app's clock: tests move it to expire the permission cache. */
export interface Clock {
  t: number;
}

export async function boot(): Promise<{ h: AppHarness; clock: Clock }> {
  const clock: Clock = { t: Date.parse("2026-11-22T06:00:00Z") };
  const h = await startApp({ now: () => clock.t });
  return { h, clock };
}

/** One phase `release` holding approval steps (each `id` with its `with`), then optionally more phases. */
export function gatePlan(gates: Record<string, Record<string, unknown>>, more: PhasesSpec = {}): RunPlan {
  return planOf({
    release: Object.entries(gates).map(([id, w]) => step(`${id}:approval`, { with: w })),
    ...more,
  });
}

export function prFacts(overrides: Partial<RunFacts> = {}): RunFacts {
  return {
    source: "pull_request",
    repo: "acme/widgets",
    number: PR,
    headSha: HEAD,
    baseRef: "main",
    author: AUTHOR,
    labels: [],
    changedFiles: ["src/app.ts", "docs/guide.md"],
    title: "Add a thing",
    github: {
      installationId: INSTALLATION,
      owner: "acme",
      name: "widgets",
      defaultBranch: "main",
      lastPusher: PUSHER,
      body: null,
      headRef: "feature",
      draft: false,
    },
    ...overrides,
  };
}

export interface ApiReview {
  readonly login: string;
  readonly state: string;
  readonly sha?: string;
  readonly bot?: boolean;
  readonly at?: string;
}

/** GET /pulls/7 as GitHub answers it now. */
export function nockPull(opts: { head?: string; state?: string; author?: string } = {}): void {
  nock(API)
    .get(`${R}/pulls/${PR}`)
    .reply(200, {
      number: PR,
      state: opts.state ?? "open",
      head: { sha: opts.head ?? HEAD, ref: "feature" },
      user: { login: opts.author ?? AUTHOR, type: "User" },
    });
}

export function nockReviews(reviews: readonly ApiReview[] = []): void {
  nock(API)
    .get(`${R}/pulls/${PR}/reviews`)
    .query({ per_page: "100" })
    .reply(
      200,
      reviews.map((r, i) => ({
        id: i + 1,
        user: { login: r.login, type: r.bot ? "Bot" : "User" },
        state: r.state,
        commit_id: r.sha ?? HEAD,
        submitted_at: r.at ?? "2026-11-22T06:00:30Z",
      })),
    );
}

/** The two reads of every PR gate evaluation. */
export function nockGateReads(
  reviews: readonly ApiReview[] = [],
  pull: Parameters<typeof nockPull>[0] = {},
): void {
  nockPull(pull);
  nockReviews(reviews);
}

/** GET collaborators/{login}/permission: a role, or 404 (not a collaborator). */
export function nockPermission(login: string, role: string | 404): void {
  for (const scope of cachedRead(`${R}/collaborators/${login}/permission`)) {
    if (role === 404) scope.reply(404, { message: "Not Found" });
    else
      scope.reply(200, {
        permission: role === "maintain" ? "write" : role === "triage" ? "read" : role,
        role_name: role,
        user: { login },
      });
  }
}

/** GET /orgs/{org}/teams/{slug}/memberships/{login}: active, or 404 (not a member). */
export function nockMembership(team: string, login: string, active: boolean): void {
  const [org, slug] = team.split("/");
  for (const scope of cachedRead(`/orgs/${org}/teams/${slug}/memberships/${login}`)) {
    if (active) scope.reply(200, { state: "active", role: "member" });
    else scope.reply(404, { message: "Not Found" });
  }
}

/**
 * The interceptors of a read the app caches per process (permissions, team memberships): one, which must be
 * made, and with replicas one more for each other instance, which may be (its cache is its own).
 */
export function cachedRead(path: string): nock.Interceptor[] {
  const required = nock(API).get(path);
  const extra = Array.from({ length: REPLICAS - 1 }, () => nock(API).get(path).optionally());
  return [required, ...extra];
}

/** The reply comment, with its exact body. */
export function nockReply(body: string, number = PR): void {
  nock(API)
    .post(`${R}/issues/${number}/comments`, (b) => JSON.stringify(b) === JSON.stringify({ body }))
    .reply(201, { id: 900 });
}

export function nockReaction(commentId: number): void {
  nock(API)
    .post(`${R}/issues/comments/${commentId}/reactions`, { content: "eyes" })
    .reply(201, { id: 1, content: "eyes" });
}

let comments = 1000;

/** An `issue_comment.created` payload on PR #7 (or an issue), made now after moving the clock by `afterMs`. */
export function commentPayload(
  clock: Clock,
  author: string,
  body: string,
  opts: { id?: number; number?: number; issue?: boolean; afterMs?: number; bot?: boolean } = {},
): { payload: Record<string, unknown>; id: number } {
  const id = opts.id ?? ++comments;
  clock.t += opts.afterMs ?? 1000; // the comment is made now, a moment after what came before
  const payload = example("issue_comment", "created", {
    issue: {
      number: opts.number ?? PR,
      ...(opts.issue ? {} : { pull_request: { url: `${API}${R}/pulls/${opts.number ?? PR}` } }),
    },
    comment: {
      id,
      body,
      created_at: new Date(clock.t).toISOString(),
      user: { login: author, type: opts.bot ? "Bot" : "User" },
    },
    sender: { login: author, type: opts.bot ? "Bot" : "User" },
  });
  return { payload, id };
}

export function reviewPayload(action: "submitted" | "dismissed", reviewer: string): Record<string, unknown> {
  return example("pull_request_review", action, {
    pull_request: { number: PR },
    sender: { login: reviewer, type: "User" },
  });
}

/**
 * Stores and starts a run whose first phase is its gates; the gates' first evaluation (on `await`) reads the PR
 * and its reviews, answered here with no reviews unless `reviews` says otherwise.
 */
export async function waitingRun(
  h: AppHarness,
  plan: RunPlan,
  opts: { id?: string; facts?: Partial<RunFacts>; reviews?: readonly ApiReview[]; initial?: () => void } = {},
): Promise<RunState> {
  const f = prFacts(opts.facts);
  if (opts.initial) opts.initial();
  else if (f.source === "pull_request") nockGateReads(opts.reviews ?? []);
  const run = newRunState({ id: opts.id ?? "run-1", plan, facts: f, createdAt: h.services.now() });
  await h.services.engine.createRun(run);
  await h.idle();
  const stored = await h.services.store.loadRun(run.id);
  if (!stored) throw new Error("run not stored");
  return stored;
}

export async function stepOf(h: AppHarness, runId: string, stepId: string) {
  const run = await h.services.store.loadRun(runId);
  const s = run?.steps.get(stepId);
  return { status: s?.status, summary: s?.output?.summary, error: s?.error, reason: s?.reason };
}

/** Audit rows without the clock, for exact comparison. */
export async function auditOf(h: AppHarness, runId: string): Promise<Omit<AuditEntry, "at" | "runId">[]> {
  return (await h.services.store.listAudit(runId)).map(({ at: _at, runId: _r, ...rest }) => rest);
}

/** Error and warning log lines (an unexpected request nock did not answer shows up here). */
export function problems(h: AppHarness): unknown[] {
  return h.logs
    .filter((l) => Number(l.level) >= 40)
    .map((l) => ({ msg: l.msg, err: (l.err as { message?: string })?.message }));
}
