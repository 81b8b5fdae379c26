import nock from "nock";
import type { FindingState } from "../../../src/core/learning/profiles.js";
import type { DatabaseKind } from "../../db/databases.js";
import { AUTHOR, HEAD, mockFiles, mockPull, mockWorkflow, PR, prEvent, T0 } from "../e2e-fixtures.js";
import { API, type AppHarness, example, R, startApp } from "../harness.js";
import { requestsMade } from "../runs-fixtures.js";

export { AUTHOR, HEAD, PR };
export const REPO_NAME = "acme/widgets";
/** The app's bot user, as GitHub shows it on the app's comments. */
export const BOT = { login: "phasegate[bot]", type: "Bot" };
/** Where the app's two inline comments land (console.log on line 2, the TODO on line 3). */
export const LOG_COMMENT = 5001;
export const TODO_COMMENT = 5002;

/** One `review` step of persona `reviewer`: the heuristic provider flags console.log (medium) and the TODO (low). */
export function reviewYaml(opts: { persona?: string; settings?: string; failOn?: string } = {}): string {
  return `version: 1
${opts.settings ? `settings:\n${opts.settings}\n` : ""}agents:
  reviewer:
${opts.persona ?? "    model: gpt-4o-mini"}
workflows:
  ship:
    name: Ship
    on:
      pull_request:
    phases:
      review:
        name: Review
        steps:
          - { id: code-review, uses: review, agent: reviewer${opts.failOn ? `, fail_on: ${opts.failOn}` : ""} }
`;
}

/** A push that removes the TODO (fixes it) and keeps console.log, one line lower. */
export const PATCH_TODO_FIXED =
  '@@ -1,2 +1,4 @@\n export const a = 1;\n+export const z = 0;\n+console.log("debug", a);\n export const b = 2;';
/** A push that moves both flagged lines down and adds a `debugger;` (one new finding). */
export const PATCH_MOVED =
  '@@ -1,2 +1,6 @@\n export const a = 1;\n+export const z = 0;\n+console.log("debug", a);\n+// TODO: remove this hack\n+debugger;\n export const b = 2;';

export interface LearningFlow {
  readonly h: AppHarness;
  readonly clock: { t: number };
  /** Bodies of the PR reviews posted, in order. */
  readonly reviews: Record<string, unknown>[];
  /** Bodies of every check-run write, in order. */
  readonly checkRuns: Record<string, unknown>[];
  /** Requests made so far, for `since`. */
  seen: number;
}

export async function bootLearning(database: DatabaseKind): Promise<LearningFlow> {
  const clock = { t: T0 };
  const h = await startApp({
    database,
    reporting: true,
    now: () => clock.t,
    backoff: { serverErrorBaseMs: 1, serverErrorRetries: 0, secondaryBaseMs: 1 },
  });
  const f: LearningFlow = { h, clock, reviews: [], checkRuns: [], seen: 0 };
  // Check runs are not what these tests are about: answered loosely, their bodies kept.
  nock(API)
    .persist()
    .post(`${R}/check-runs`)
    .optionally()
    .reply(async (req: Request) => {
      const b = (await req.json()) as unknown;
      f.checkRuns.push(b as Record<string, unknown>);
      return [201, { id: 1 }];
    })
    .patch(/\/repos\/acme\/widgets\/check-runs\/\d+$/)
    .optionally()
    .reply(async (req: Request) => {
      const b = (await req.json()) as unknown;
      f.checkRuns.push(b as Record<string, unknown>);
      return [200, {}];
    })
    .get(/\/repos\/acme\/widgets\/commits\/[0-9a-f]+\/check-runs/)
    .optionally()
    .reply(200, { total_count: 0, check_runs: [] });
  return f;
}

/** A minute later. */
export function tick(f: LearningFlow): void {
  f.clock.t += 60_000;
}

/** The requests made since the last call (check runs aside), sorted. */
export function since(f: LearningFlow): string[] {
  const all = requestsMade(f.h);
  const fresh = all.slice(f.seen);
  f.seen = all.length;
  return fresh.filter((r) => !r.includes("/check-runs")).sort();
}

/** The next PR review POST is answered with `id`, its body kept. */
function expectReview(f: LearningFlow, id: number): void {
  nock(API)
    .post(`${R}/pulls/${PR}/reviews`)
    .reply(async (req: Request) => {
      const b = (await req.json()) as unknown;
      f.reviews.push(b as Record<string, unknown>);
      return [200, { id }];
    });
}

/** `pull_request.opened` (or `synchronize` to `head`) with the workflow and the PR's files answered. */
export async function push(
  f: LearningFlow,
  yaml: string,
  patch: string,
  opts: { action?: "opened" | "synchronize"; head?: string; review?: boolean } = {},
): Promise<void> {
  const head = opts.head ?? HEAD;
  mockWorkflow(yaml);
  mockPull({ head });
  mockFiles(patch, `blob-${head.slice(0, 4)}`);
  if (opts.review !== false) expectReview(f, 900 + f.reviews.length);
  await f.h.receiveSigned("pull_request", prEvent(opts.action ?? "opened", head));
}

/** The app's inline comment `id` as GitHub returns it: by the app's bot, with the posted body. */
export function appComment(id: number, bodyText: string, reactions: { up?: number; down?: number } = {}) {
  return {
    id,
    body: bodyText,
    user: BOT,
    reactions: {
      total_count: (reactions.up ?? 0) + (reactions.down ?? 0),
      "+1": reactions.up ?? 0,
      "-1": reactions.down ?? 0,
    },
  };
}

/** `pull_request_review_comment.created`: `login` replies `text` to the comment `inReplyTo`. */
export function replyEvent(f: LearningFlow, login: string, inReplyTo: number, text: string, id = 6000) {
  return example("pull_request_review_comment", "created", {
    pull_request: { number: PR, user: { login: AUTHOR } },
    comment: {
      id,
      in_reply_to_id: inReplyTo,
      body: text,
      created_at: new Date(f.clock.t).toISOString(),
      user: { login, type: "User" },
    },
    sender: { login, type: "User" },
  });
}

/** `pull_request_review_thread.resolved` by `sender` of the thread the app's comment opened. */
export function threadResolvedEvent(
  sender: { login: string; type: string },
  threadId: string,
  first: { id: number; body: string },
) {
  return example("pull_request_review_thread", "resolved", {
    pull_request: { number: PR, user: { login: AUTHOR } },
    thread: { node_id: threadId, comments: [{ id: first.id, body: first.body, user: BOT }] },
    sender,
  });
}

export function mockPermission(login: string, role: "admin" | "write" | "read"): void {
  nock(API)
    .get(`${R}/collaborators/${login}/permission`)
    .reply(200, { permission: role, role_name: role, user: { login } });
}

/** The findings of the PR in the ledger: fingerprint → state (and who judged). */
export async function ledger(
  f: LearningFlow,
): Promise<{ title: string; state: FindingState; by: string | null; postedIn: string; clears: boolean }[]> {
  const rows = await f.h.services.findings.forPr(REPO_NAME, PR);
  return rows
    .map((r) => ({ title: r.title, state: r.state, by: r.judgedBy, postedIn: r.postedIn, clears: r.clears }))
    .sort((a, b) => a.title.localeCompare(b.title));
}

/**
 * Judged findings of `persona`/`model` on `ts` in another PR of the repository (#99), all `state`, judged a day
 * before T0: what routing and noise control learn from.
 */
export async function seedJudged(
  f: LearningFlow,
  model: string,
  state: "useful" | "wrong",
  n: number,
  persona = "reviewer",
): Promise<void> {
  const findings = f.h.services.findings;
  for (let i = 0; i < n; i++) {
    const fingerprint = `${model.replace(/[^a-z0-9]/g, "").slice(0, 8)}${state[0]}${String(i).padStart(7, "0")}`;
    await findings.recordPosted([
      {
        repo: REPO_NAME,
        number: 99,
        fingerprint,
        runId: "seed",
        stepId: "code-review",
        persona,
        model,
        stepKind: "review",
        taskType: "ts",
        file: `src/f${i}.ts`,
        line: 1,
        severity: "medium",
        title: "seeded",
        source: "model",
        codeHash: null,
        postedIn: "inline",
        reviewId: null,
        headSha: HEAD,
        postedAt: T0 - 2 * 86_400_000,
      },
    ]);
    await findings.judge(REPO_NAME, 99, fingerprint, {
      judgement: state,
      source: "reply",
      actor: "carol",
      reason: null,
      at: T0 - 86_400_000,
      clears: false,
    });
  }
}

/** Log lines at warn or worse. */
export function problems(h: AppHarness): unknown[] {
  return h.logs
    .filter((l) => Number(l.level) >= 40)
    .map((l) => ({ msg: l.msg, err: (l.err as { message?: string })?.message }));
}
