import nock from "nock";
import { expect } from "vitest";
import type { RunState } from "../../src/core/run/run-state.js";
import type { DatabaseKind, TestDatabase } from "../db/databases.js";
import { cachedRead } from "./gates-fixture.js";
import { API, type AppHarness, example, R, REPLICAS, startApp } from "./harness.js";
import { CONTENTS, requestsMade } from "./runs-fixtures.js";

/**
 * End-to-end fixtures: the app as production runs it (reporting on, check-run updates coalesced to one per second
 * per check run, the heuristic provider) driven only by webhooks, against a GitHub mocked request by request.
 * The coalescing interval makes the request list deterministic: a phase finishing within a second is created
 * completed in one POST, and the changes of one webhook's cascade reach GitHub as one PATCH per check run.
 */

/** GitHub's example PR (acme/widgets#2) and its head. */
export const PR = 2;
export const HEAD = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
export const HEAD7 = HEAD.slice(0, 7);
/** The head after a new push. */
export const NEW_HEAD = "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0";
export const NEW7 = NEW_HEAD.slice(0, 7);
export const MERGE_SHA = "5e1ec7ed5e1ec7ed5e1ec7ed5e1ec7ed5e1ec7ed";
/** The PR author and pusher of the example payloads. */
export const AUTHOR = "Codertocat";
/** A maintainer with write access: neither author nor pusher. */
export const APPROVER = "carol";
/** The issue of GitHub's example `issues` payloads. */
export const ISSUE = 1;
export const T0 = Date.parse("2026-11-22T06:00:00Z");
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** review + security + tests in one phase → one approval → squash merge. */
export const STANDARD_YAML = `version: 1
workflows:
  ship:
    name: Ship
    on:
      pull_request:
    phases:
      review:
        name: Review
        steps:
          - id: code-review
            uses: review
            fail_on: high
          - id: security
            uses: security
          - id: tests
            uses: tests
      approve:
        name: Approval
        depends_on: [review]
        steps:
          - id: approval
            uses: approval
            with: { count: 1 }
      merge:
        name: Merge
        depends_on: [approve]
        steps:
          - { id: merge, uses: merge, with: { method: squash } }
`;

/** A patch adding a debug leftover (medium) and a TODO (low): the heuristic review finds both. */
export const PATCH_V1 =
  '@@ -1,2 +1,4 @@\n export const a = 1;\n+console.log("debug", a);\n+// TODO: remove this hack\n export const b = 2;';
/** The next push: the same lines plus a `debugger;` (one new finding). */
export const PATCH_V2 =
  '@@ -1,2 +1,5 @@\n export const a = 1;\n+console.log("debug", a);\n+// TODO: remove this hack\n+debugger;\n export const b = 2;';

export interface Clock {
  t: number;
}

export interface E2E {
  readonly h: AppHarness;
  readonly clock: Clock;
}

/** Requests nock had no interceptor for (each answered 501): what the app sent that no test expected. */
export interface Unexpected {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
}

const unexpected: Unexpected[] = [];
let listening = false;

/** Starts collecting unmatched requests (with their bodies, so a wrong body shows up as a readable diff). */
export function watchUnexpected(): Unexpected[] {
  unexpected.length = 0;
  if (!listening) {
    listening = true;
    nock.emitter.on("no match", (req: Request) => {
      const url = new URL(req.url);
      if (url.hostname !== "api.github.com") return;
      const entry = { method: req.method, path: `${url.pathname}${url.search}`, body: null as unknown };
      unexpected.push(entry);
      void req
        .clone()
        .text()
        .then((t) => {
          entry.body = t ? (JSON.parse(t) as unknown) : null;
        })
        .catch(() => undefined);
    });
  }
  return unexpected;
}

/**
 * The app on a fresh database of `database` (or `db` again, a restart), reporting on, with a clock the test moves:
 * durations in the check runs' tables are then exact.
 */
export async function bootE2E(
  database: DatabaseKind,
  opts: { db?: TestDatabase; clock?: Clock } = {},
): Promise<E2E> {
  const clock = opts.clock ?? { t: T0 };
  const h = await startApp({
    database,
    ...(opts.db ? { db: opts.db } : {}),
    reporting: true,
    now: () => clock.t,
    tuning: { checkRunIntervalMs: 1000 },
    // A request nobody expected fails at once instead of being retried with back-off.
    backoff: { serverErrorBaseMs: 1, serverErrorRetries: 0, secondaryBaseMs: 1 },
  });
  return { h, clock };
}

/** Every request made so far (token requests aside) as `METHOD path?query`, in order. */
export function requests(h: AppHarness): string[] {
  return requestsMade(h);
}

/**
 * Asserts `actual` is exactly the concatenation of `segments`, each segment's requests in any order (several
 * things happen at once there) and the segments in the order given. With replicas (`REPLICAS` > 1) each
 * instance coalesces check-run updates and caches permissions on its own, so the writes must match exactly (each
 * made exactly once, in any order: the exactly-once guarantee) and the reads as a set.
 */
export function expectSegments(actual: readonly string[], segments: readonly (readonly string[])[]): void {
  const sorted = (xs: readonly string[]) => [...xs].sort();
  if (REPLICAS > 1) {
    const writes = (xs: readonly string[]) => sorted(xs.filter((r) => !r.startsWith("GET ")));
    const reads = (xs: readonly string[]) => [...new Set(xs.filter((r) => r.startsWith("GET ")))].sort();
    expect(writes(actual)).toEqual(writes(segments.flat()));
    expect(reads(actual)).toEqual(reads(segments.flat()));
    return;
  }
  const got: string[][] = [];
  let at = 0;
  for (const s of segments) {
    got.push(sorted(actual.slice(at, at + s.length)));
    at += s.length;
  }
  if (at < actual.length) got.push(sorted(actual.slice(at)));
  expect(got).toEqual(segments.map(sorted));
}

/**
 * A nock body matcher: the body equals `expected` (asymmetric matchers allowed). Nock may try it on requests
 * for other interceptors of the path, so it answers false rather than throwing.
 */
export function body(expected: unknown): (actual: Record<string, unknown>) => boolean {
  return (actual) => {
    try {
      expect(actual).toEqual(expected);
      return true;
    } catch {
      return false;
    }
  };
}

/** The run's id as a check run's `external_id` (`<run>` or `<run>/<phase>`), for a run not yet started. */
export function externalId(phase?: string): unknown {
  return expect.stringMatching(phase ? new RegExp(`^${UUID.source.slice(1, -1)}/${phase}$`) : UUID);
}

// --- GitHub's answers ------------------------------------------------------------------------------------------

/** GET the default branch's workflow file (raw). */
export function mockWorkflow(text: string | null): void {
  const scope = nock(API)
    .get(CONTENTS)
    .query({ ref: "main" })
    .matchHeader("accept", "application/vnd.github.v3.raw");
  if (text === null) scope.reply(404, { message: "Not Found" });
  else scope.reply(200, text, { "content-type": "application/vnd.github.raw" });
}

/** GET /pulls/2 as GitHub answers it: every field the app reads (handlers, gates and the merge step). */
export function mockPull(opts: { head?: string; merged?: boolean; state?: string } = {}): void {
  nock(API)
    .get(`${R}/pulls/${PR}`)
    .reply(200, {
      number: PR,
      state: opts.state ?? (opts.merged ? "closed" : "open"),
      merged: opts.merged ?? false,
      merge_commit_sha: opts.merged ? MERGE_SHA : null,
      draft: false,
      head: { sha: opts.head ?? HEAD, ref: "feature" },
      base: { ref: "main" },
      user: { login: AUTHOR, type: "User" },
      labels: [],
      title: "Update the README with new information",
      body: "This is a pretty simple change that we need to pull into main.",
    });
}

/** GET /pulls/2/files: one modified source file with `patch`. */
export function mockFiles(patch = PATCH_V1, blob = "blob-v1"): void {
  const added = patch.split("\n").filter((l) => l.startsWith("+")).length;
  nock(API)
    .get(`${R}/pulls/${PR}/files`)
    .query({ per_page: "100", page: "1" })
    .reply(200, [
      {
        filename: "src/app.ts",
        status: "modified",
        additions: added,
        deletions: 0,
        changes: added,
        sha: blob,
        patch,
      },
    ]);
}

export interface Review {
  readonly login: string;
  readonly state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED";
  readonly sha: string;
}

/** GET /pulls/2/reviews (one page). */
export function mockReviews(reviews: readonly Review[] = []): void {
  nock(API)
    .get(`${R}/pulls/${PR}/reviews`)
    .query({ per_page: "100" })
    .reply(
      200,
      reviews.map((r, i) => ({
        id: 500 + i,
        user: { login: r.login, type: "User" },
        state: r.state,
        commit_id: r.sha,
        submitted_at: "2026-11-22T06:01:00Z",
      })),
    );
}

/** The two reads of a PR gate evaluation. */
export function mockGateReads(reviews: readonly Review[] = [], head = HEAD): void {
  mockPull({ head });
  mockReviews(reviews);
}

export function mockPermission(login: string, role: "write" | "admin" | "read"): void {
  for (const scope of cachedRead(`${R}/collaborators/${login}/permission`))
    scope.reply(200, { permission: role, role_name: role, user: { login } });
}

export function mockCreateCheckRun(id: number, expected: Record<string, unknown>): void {
  nock(API).post(`${R}/check-runs`, body(expected)).reply(201, { id });
}

export function mockUpdateCheckRun(id: number, expected: Record<string, unknown>): void {
  nock(API).patch(`${R}/check-runs/${id}`, body(expected)).reply(200, { id });
}

export function mockMerge(method: string, sha = HEAD): void {
  nock(API)
    .put(`${R}/pulls/${PR}/merge`, body({ sha, merge_method: method }))
    .reply(200, { sha: MERGE_SHA, merged: true, message: "Pull Request successfully merged" });
}

// --- What the app shows ----------------------------------------------------------------------------------------

/** A check run's steps table; each row `[step, state, duration, tokens, result]`. */
export function stepsTable(rows: readonly (readonly string[])[]): string {
  return [
    "| step | state | duration | tokens | result |",
    "| --- | --- | --- | --- | --- |",
    ...rows.map(([id, ...cells]) => `| \`${id}\` | ${cells.join(" | ")} |`),
  ].join("\n");
}

/** The `agents` summary: the workflow on the SHA, the phases before merge, and the waiting gates. */
export function overallSummary(
  sha: string,
  phases: readonly (readonly [string, string])[],
  waiting: readonly string[] = [],
): string {
  return [
    `**Ship** on \`${sha.slice(0, 7)}\``,
    ["| before merge | status |", "| --- | --- |", ...phases.map(([p, s]) => `| ${p} | ${s} |`)].join("\n"),
    ...(waiting.length > 0 ? [["**Waiting gates**", ...waiting].join("\n")] : []),
  ].join("\n\n");
}

export const HEURISTIC = "heuristic (no model configured)";

/** The prose of the three review steps of `STANDARD_YAML` on one file. */
export function reviewText(review: string, tests: string): string {
  return [
    "### `code-review`",
    `${HEURISTIC}: no model reviewed this change. Deterministic checks (secret scan, debug leftovers, TODO/FIXME markers, very large files) on 1 file: ${review}.`,
    "### `security`",
    `${HEURISTIC}: no model reviewed this change. Deterministic checks (secret scan) on 1 file: no findings.`,
    "### `tests`",
    `${HEURISTIC}: no model reviewed this change. Deterministic checks (changed source files without a changed test) on 1 file: ${tests}.`,
  ].join("\n\n");
}

export const CONSOLE_LOG = {
  path: "src/app.ts",
  start_line: 2,
  end_line: 2,
  annotation_level: "warning",
  title: "medium: Debug leftover: console.log",
  message:
    'This added line looks like debugging left in (`console.log("debug", a);`). Remove it, or use the project\'s logger if the output is meant to stay.',
};
export const TODO = {
  path: "src/app.ts",
  start_line: 3,
  end_line: 3,
  annotation_level: "notice",
  title: "low: TODO added",
  message:
    "This change adds a TODO comment (`// TODO: remove this hack`). Resolve it before merging, or track it in an issue and link it here.",
};
export function missingTest(added: number) {
  return {
    path: "src/app.ts",
    start_line: 1,
    end_line: 1,
    annotation_level: "warning",
    title: "medium: Changed without a test change",
    message: `Whole file. src/app.ts changed (+${added} −0) but no matching test file (such as app.test.ts) changed in this pull request. Add or update a test that covers the change.`,
  };
}

// --- Webhooks --------------------------------------------------------------------------------------------------

/** `pull_request.<action>` of PR #2 on `head`, sent by `sender` (on opened/synchronize: the pusher). */
export function prEvent(action: string, head = HEAD, sender = AUTHOR): Record<string, unknown> {
  return example("pull_request", action, {
    number: PR,
    pull_request: { number: PR, head: { sha: head }, user: { login: AUTHOR } },
    sender: { login: sender, type: "User" },
  });
}

/** `pull_request_review.submitted`: `reviewer` approved `sha`. */
export function approvedReview(reviewer: string, sha: string): Record<string, unknown> {
  return example("pull_request_review", "submitted", {
    review: { state: "approved", commit_id: sha, user: { login: reviewer, type: "User" } },
    pull_request: { number: PR, head: { sha }, user: { login: AUTHOR } },
    sender: { login: reviewer, type: "User" },
  });
}

// --- State -----------------------------------------------------------------------------------------------------

export async function runsOfPr(h: AppHarness, number = PR): Promise<RunState[]> {
  const ids = await h.services.github.runIdsFor("acme/widgets", number);
  const runs = await Promise.all(ids.map((id) => h.services.store.loadRun(id)));
  // Oldest first.
  return runs.filter((r): r is RunState => r !== null).sort((a, b) => a.createdAt - b.createdAt);
}

/** Audit rows without run ids and times. */
export async function auditRows(h: AppHarness, runId: string) {
  return (await h.services.store.listAudit(runId)).map(({ actor, action, stepId, sha, reason }) => ({
    actor,
    action,
    stepId,
    sha,
    reason,
  }));
}

// --- The check runs and review of STANDARD_YAML, as the app sends them -------------------------------------------

const RUN_ID = UUID.source.slice(1, -1);
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** `text` ending in the hidden marker of the run's `kind` (review, status, comment) for `what`. */
export function withMarker(text: string, kind: string, what = ""): unknown {
  return expect.stringMatching(
    new RegExp(`^${escapeRe(text)}<!-- phasegate:${kind} ${RUN_ID}${escapeRe(what)} -->$`),
  );
}

/** The gate's own account of what it misses, once evaluated. */
export const needsOneMore = (head: string) => `needs 1 more approval on ${head.slice(0, 7)}`;

/** PATCH `agents` while the approval gate waits. */
export function agentsWaiting(head: string) {
  return {
    status: "in_progress",
    output: {
      title: `Waiting for approval: ${needsOneMore(head)}`,
      summary: overallSummary(
        head,
        [
          ["Review", "success"],
          ["Approval", "waiting"],
        ],
        [
          `- \`approval\`: ${needsOneMore(head)}. Can approve: anyone with write access, with an approving review or \`/agents approve approval\`.`,
        ],
      ),
    },
    actions: [],
  };
}

/** PATCH `agents` once every phase before merge passed. */
export function agentsPassed(head: string) {
  return {
    status: "completed",
    conclusion: "success",
    output: {
      title: "Every gate before merge passed",
      summary: overallSummary(head, [
        ["Review", "success"],
        ["Approval", "success"],
      ]),
    },
    actions: [],
  };
}

/** PATCH `agents` of a run superseded while its gate waited. */
export function agentsSuperseded(head: string, by: string) {
  return {
    status: "completed",
    conclusion: "cancelled",
    output: {
      title: `Cancelled: Approval (superseded by ${by.slice(0, 7)})`,
      summary: overallSummary(head, [
        ["Review", "success"],
        ["Approval", "cancelled"],
      ]),
    },
    actions: [],
  };
}

/** POST `agents / Review`, created completed (the heuristic steps finish within the coalescing interval). */
export function reviewPhase(head: string, v: 1 | 2) {
  const added = v === 1 ? 2 : 3;
  const reviewFound = v === 1 ? "2 findings (1 medium, 1 low)" : "3 findings (2 medium, 1 low)";
  const debuggerLine = {
    path: "src/app.ts",
    start_line: 4,
    end_line: 4,
    annotation_level: "warning",
    title: "medium: Debug leftover: debugger statement",
    message:
      "This added line looks like debugging left in (`debugger;`). Remove it, or use the project's logger if the output is meant to stay.",
  };
  return {
    name: "agents / Review",
    head_sha: head,
    external_id: externalId("review"),
    status: "completed",
    conclusion: "success",
    output: {
      title:
        v === 1 ? "Passed with 3 findings (2 medium, 1 low)" : "Passed with 4 findings (3 medium, 1 low)",
      summary: `${stepsTable([
        ["code-review", "succeeded", "0ms", "0", reviewFound],
        ["security", "succeeded", "0ms", "0", "no findings"],
        ["tests", "succeeded", "0ms", "0", "1 finding (1 medium)"],
      ])}\n\nProvider: ${HEURISTIC}`,
      text: reviewText(reviewFound, "1 finding (1 medium)"),
      annotations:
        v === 1
          ? [CONSOLE_LOG, TODO, missingTest(added)]
          : [CONSOLE_LOG, debuggerLine, TODO, missingTest(added)],
    },
    actions: [],
  };
}

/** POST `agents / Approval`, created waiting (after the gate's first evaluation) with its Approve button. */
export function approvalWaiting(head: string) {
  const h7 = head.slice(0, 7);
  return {
    name: "agents / Approval",
    head_sha: head,
    external_id: externalId("approve"),
    status: "in_progress",
    output: {
      title: `Waiting for approval: ${needsOneMore(head)}`,
      summary: `${stepsTable([["approval", "waiting for approval", "—", "—", needsOneMore(head)]])}\n\n**Waiting:** \`approval\`: ${needsOneMore(head)}. Can approve: anyone with write access.`,
    },
    actions: [{ label: "Approve", description: `Approve approval on ${h7}`, identifier: "approve:approval" }],
  };
}

/** PATCH `agents / Approval` once `approver` approved (a minute after it started waiting). */
export function approvalPassed(head: string, approver: string) {
  return {
    status: "completed",
    conclusion: "success",
    output: {
      title: "Passed",
      // The mention is broken with a zero-width space: the table never notifies anyone.
      summary: stepsTable([
        ["approval", "succeeded", "1m", "—", `approved by @\u200b${approver} on ${head.slice(0, 7)}`],
      ]),
    },
    actions: [],
  };
}

export function approvalSuperseded(by: string) {
  return {
    status: "completed",
    conclusion: "cancelled",
    output: {
      title: `Cancelled: superseded by ${by.slice(0, 7)}`,
      summary: stepsTable([["approval", "cancelled", "1m", "—", `superseded by ${by.slice(0, 7)}`]]),
    },
    actions: [],
  };
}

/** `agents / Merge` completed: POSTed so when it finished within the interval, else the PATCH's fields. */
export function mergePassed(head: string, created: boolean) {
  const view = {
    status: "completed",
    conclusion: "success",
    output: {
      title: "Passed",
      summary: stepsTable([
        [
          "merge",
          "succeeded",
          "0ms",
          "—",
          `merged ${head.slice(0, 7)} with squash as ${MERGE_SHA.slice(0, 7)}`,
        ],
      ]),
    },
    actions: [],
  };
  return created
    ? { name: "agents / Merge", head_sha: head, external_id: externalId("merge"), ...view }
    : view;
}

const FINDING_MARKERS = {
  missingTest: "<!-- phasegate:finding 0965e7303690f060 -->",
  consoleLog: "<!-- phasegate:finding 6d85cea99828e559 -->",
  todo: "<!-- phasegate:finding 39553ad449894aa4 -->",
  debugger: "<!-- phasegate:finding c2c7e58a88faadba -->",
};

/**
 * The PR review of the Review phase on the first head: COMMENT (nothing at or above `fail_on: high`), two inline
 * comments on diff lines, the whole-file finding in the body.
 */
export function firstReview(head: string) {
  return {
    commit_id: head,
    event: "COMMENT",
    body: withMarker(
      [
        `**agents / Review** on \`${head.slice(0, 7)}\`: 3 new findings (2 medium, 1 low), 2 inline, 1 below.`,
        `Provider: ${HEURISTIC}`,
        "**[medium] Changed without a test change** · `src/app.ts` · `tests`",
        "src/app.ts changed (+2 −0) but no matching test file (such as app.test.ts) changed in this pull request. Add or update a test that covers the change.",
        FINDING_MARKERS.missingTest,
        "",
      ].join("\n\n"),
      "review",
      "/review/1.1.1",
    ),
    comments: [
      {
        path: "src/app.ts",
        line: 2,
        side: "RIGHT",
        body: `**[medium] Debug leftover: console.log** · \`code-review\`\n\n${CONSOLE_LOG.message}\n\n${FINDING_MARKERS.consoleLog}`,
      },
      {
        path: "src/app.ts",
        line: 3,
        side: "RIGHT",
        body: `**[low] TODO added** · \`code-review\`\n\n${TODO.message}\n\n${FINDING_MARKERS.todo}`,
      },
    ],
  };
}

/** The review after the second push: only the new finding (the others were posted on this PR already). */
export function secondReview(head: string) {
  return {
    commit_id: head,
    event: "COMMENT",
    body: withMarker(
      `**agents / Review** on \`${head.slice(0, 7)}\`: 1 new finding (1 medium), 1 inline, 0 below.\n\nProvider: ${HEURISTIC}\n\n`,
      "review",
      "/review/1.1.1",
    ),
    comments: [
      {
        path: "src/app.ts",
        line: 4,
        side: "RIGHT",
        body: `**[medium] Debug leftover: debugger statement** · \`code-review\`\n\nThis added line looks like debugging left in (\`debugger;\`). Remove it, or use the project's logger if the output is meant to stay.\n\n${FINDING_MARKERS.debugger}`,
      },
    ],
  };
}

export interface CheckIds {
  readonly agents: number;
  readonly review: number;
  readonly approval: number;
}

/**
 * `pull_request.opened` (or `synchronize`) of STANDARD_YAML up to the waiting gate: what GitHub answers and
 * exactly what the app must send. The requests, in order:
 * 1. the handler: GET the workflow file (default branch), GET the PR, GET its files;
 * 2. at the same time (in an order that depends on the database's speed): the PR review, then `agents / Review`
 *    POSTed completed with its annotations (the heuristic steps finish within the interval); and the gate's
 *    read (GET its reviews: none);
 * 3. two intervals after they were first wanted: POST `agents` and `agents / Approval`, both waiting (the phase
 *    with the Approve button).
 */
export function mockToGate(head: string, patch: string, ids: CheckIds, review: unknown): string[][] {
  mockWorkflow(STANDARD_YAML);
  mockPull({ head });
  mockFiles(patch, patch === PATCH_V1 ? "blob-v1" : "blob-v2");
  mockCreateCheckRun(ids.review, reviewPhase(head, patch === PATCH_V1 ? 1 : 2));
  nock(API)
    .post(`${R}/pulls/${PR}/reviews`, body(review))
    .reply(200, { id: 900 + ids.agents });
  // The gate starts waiting milliseconds after the PR was read: that read is reused, only reviews are fetched.
  mockReviews([]);
  // `agents` and the approval phase wait two intervals before they are created: by then the gate waits.
  mockCreateCheckRun(ids.agents, agentsCreatedWaiting(head));
  mockCreateCheckRun(ids.approval, approvalWaiting(head));
  return [
    [`GET ${CONTENTS}?ref=main`],
    [`GET ${R}/pulls/${PR}`],
    [`GET ${R}/pulls/${PR}/files?per_page=100&page=1`],
    [`POST ${R}/check-runs`, `POST ${R}/pulls/${PR}/reviews`, `GET ${R}/pulls/${PR}/reviews?per_page=100`],
    [`POST ${R}/check-runs`, `POST ${R}/check-runs`],
  ];
}

/** `agents` created once its run waits at the gate (it waits two intervals before it is first created). */
export function agentsCreatedWaiting(head: string) {
  return { name: "agents", head_sha: head, external_id: externalId(), ...agentsWaiting(head) };
}

/**
 * The run's audit rows after `run`, in any order: the test clock stands still, so the gate's `approve` and the
 * merge it lets through share a time, and which of them is written first is a race (see the report).
 */
export async function auditAfterStart(h: AppHarness, runId: string) {
  const [first, ...rest] = await auditRows(h, runId);
  const key = (r: { action: string; actor: string }) => `${r.action}\0${r.actor}`;
  return { first, rest: [...rest].sort((a, b) => key(a).localeCompare(key(b))) };
}
