import nock from "nock";
import { afterEach, expect, test } from "vitest";
import type { RunState } from "../../src/core/run/run-state.js";
import { scrapeMetrics } from "../helpers/serve-handler.js";
import {
  type Answer,
  APPROVE_ACTION,
  apiPr,
  CONTENTS,
  FakeGitHub,
  FILES,
  HEAD,
  normalise,
  overallSummary,
  PR,
  patchCheck,
  postCheck,
  prRoutes,
  RETRY_ACTION,
  type Route,
  route,
  type Sent,
  SHORT,
  stepsSummary,
  virtualClock,
} from "./faults-fixtures.js";
import { type AppHarness, example, type HarnessOptions, R, startApp } from "./harness.js";

// Issue 3: every fault path end to end, through webhooks, with reporting on. Each row delivers GitHub's example
// payloads to the real app and asserts every request to GitHub (the fake GitHub records them all and answers
// 404 to anything unexpected), what the user sees (check runs, review), the run in the database, the logs, and
// that no nock interceptor is left pending.

let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
  nock.cleanAll();
});

const LLM = "https://llm.test";
const API_KEY = "sk-test-0123456789abcdef";
const MODEL_ENV = { OPENAI_API_KEY: API_KEY, OPENAI_BASE_URL: `${LLM}/v1` };
const SECONDARY_LIMIT =
  "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.";
const MERGE_REFUSED = "Head branch was modified. Review and try the merge again.";
const OLD_OK = "2222222aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const MERGE_SHA = "d".repeat(40);

const REVIEW_YAML = `version: 1
workflows:
  review:
    on:
      pull_request:
    phases:
      check:
        name: Review
        steps:
          - id: code-review
            uses: review
            retries: 0
`;

const GATED_YAML = `version: 1
workflows:
  ship:
    on:
      pull_request:
    phases:
      approve:
        name: Approve
        steps:
          - id: approval
            uses: approval
      merge:
        name: Merge
        depends_on: [approve]
        steps:
          - { id: merge, uses: merge }
`;

const DEPLOY_YAML = `version: 1
workflows:
  ship:
    on:
      pull_request:
    phases:
      deploy:
        name: Deploy
        steps:
          - { id: production, uses: deploy, with: { environment: production, rollback: true } }
`;

/** The head commit's file with a debug leftover: the heuristic provider finds one medium finding. */
const DEBUG_FILES = [{ ...FILES[0], filename: "src/a.ts", patch: "@@ -1 +1,2 @@\n a\n+console.log('x');" }];

/** What one row runs against and what it sees. */
interface Ctx {
  readonly h: AppHarness;
  readonly gh: FakeGitHub;
  /** Bodies of the requests to the model endpoint. */
  readonly llm: unknown[];
  /** Waits the GitHub layer took (virtual clock). */
  readonly slept: number[];
  /** Mutable state a row's routes read (e.g. the PR's reviews). */
  readonly state: Record<string, unknown>;
}

/** The run as compared: its status and each step's status, error and one-line summary. */
interface RunView {
  readonly status: string;
  readonly steps: Record<string, readonly [string, string | null, string | null]>;
}

interface Row {
  readonly name: string;
  /** Marked `test.fails`: the row shows a bug described in the report. */
  readonly bug?: boolean;
  readonly app?: HarnessOptions;
  /** `.agents/workflow.yaml` on main; with it, the PR start and reporter routes are answered. */
  readonly yaml?: string;
  /** Routes tried before the PR's own. */
  readonly routes?: (c: Ctx) => Route[];
  /** The model endpoint's answer to its `call`-th request (none: no model is reachable). */
  readonly model?: (call: number) => Answer;
  /** The webhooks delivered (and anything between them). */
  readonly act: (c: Ctx) => Promise<void>;
  /** Every request to GitHub, `RUN` for the run id (compared per resource in order, see `normalise`). */
  readonly requests: Sent[];
  /** The run in the database; null when no run may exist. */
  readonly run: RunView | null;
  /** Further assertions: logs, deliveries, the model's requests, secrets. */
  readonly also?: (c: Ctx, run: RunState | null) => Promise<void> | void;
}

const opened = () => example("pull_request", "opened");
const prStart: Sent[] = [
  { method: "GET", path: CONTENTS },
  { method: "GET", path: `${R}/pulls/${PR}` },
  { method: "GET", path: `${R}/pulls/${PR}/files?per_page=100&page=1` },
];

// --- the check runs of the review workflow ---------------------------------------------------------------
const reviewStarted = [
  postCheck("agents", "RUN", {
    status: "in_progress",
    title: "Running",
    summary: overallSummary("review", [["Review", "in progress"]]),
  }),
  postCheck("agents / Review", "RUN/check", {
    status: "in_progress",
    title: "0 of 1 steps finished",
    summary: stepsSummary([["`code-review`", "running", "—", "0", "—"]]),
  }),
];
const reviewOverall = (id: number, ok: boolean) =>
  patchCheck(id, {
    status: "completed",
    conclusion: ok ? "success" : "failure",
    title: ok ? "Every gate before merge passed" : "Failed: Review",
    summary: overallSummary("review", [["Review", ok ? "success" : "failure"]]),
  });
const HEURISTIC_TEXT =
  "### `code-review`\n\nheuristic (no model configured): no model reviewed this change. Deterministic checks " +
  "(secret scan, debug leftovers, TODO/FIXME markers, very large files) on 1 file: ";
const reviewPassed = (id: number) =>
  patchCheck(id, {
    status: "completed",
    conclusion: "success",
    title: "Passed",
    summary: stepsSummary(
      [["`code-review`", "succeeded", "⏱", "0", "no findings"]],
      "\n\nProvider: heuristic (no model configured)",
    ),
    text: `${HEURISTIC_TEXT}no findings.`,
  });
/** The review workflow's check runs created complete (after earlier creations failed). */
const reviewDoneAgents = postCheck("agents", "RUN", {
  status: "completed",
  conclusion: "success",
  title: "Every gate before merge passed",
  summary: overallSummary("review", [["Review", "success"]]),
});
const reviewDonePhase = postCheck("agents / Review", "RUN/check", {
  status: "completed",
  conclusion: "success",
  title: "Passed",
  summary: stepsSummary(
    [["`code-review`", "succeeded", "⏱", "0", "no findings"]],
    "\n\nProvider: heuristic (no model configured)",
  ),
  text: `${HEURISTIC_TEXT}no findings.`,
});
/** The lookup of our check run `name` on the head (find-or-create). */
const lookupCheck = (name: string): Sent => ({
  method: "GET",
  path: `${R}/commits/${HEAD}/check-runs?check_name=${encodeURIComponent(name)}&filter=all&per_page=100`,
});
const DEBUG_MESSAGE =
  "This added line looks like debugging left in (`console.log('x');`). Remove it, or use the project's " +
  "logger if the output is meant to stay.";
/** The review workflow on DEBUG_FILES up to its PR review's POST: one medium finding, annotated and posted. */
const debugReviewed: Sent[] = [
  ...prStart,
  ...reviewStarted,
  reviewOverall(100, true),
  patchCheck(101, {
    status: "completed",
    conclusion: "success",
    title: "Passed with 1 finding (1 medium)",
    summary: stepsSummary(
      [["`code-review`", "succeeded", "⏱", "0", "1 finding (1 medium)"]],
      "\n\nProvider: heuristic (no model configured)",
    ),
    text: `${HEURISTIC_TEXT}1 finding (1 medium).`,
    annotations: [
      {
        path: "src/a.ts",
        start_line: 2,
        end_line: 2,
        annotation_level: "warning",
        title: "medium: Debug leftover: console.log",
        message: DEBUG_MESSAGE,
      },
    ],
  }),
  {
    method: "POST",
    path: `${R}/pulls/${PR}/reviews`,
    body: {
      commit_id: HEAD,
      event: "COMMENT",
      body:
        `**agents / Review** on \`${SHORT}\`: 1 new finding (1 medium), 1 inline, 0 below.\n\n` +
        "Provider: heuristic (no model configured)\n\n<!-- phasegate:review RUN/check/1 -->",
      comments: [
        {
          path: "src/a.ts",
          line: 2,
          side: "RIGHT",
          body: `**[medium] Debug leftover: console.log** · \`code-review\`\n\n${DEBUG_MESSAGE}\n\n<!-- phasegate:finding 3fc5efdf7a080acf -->`,
        },
      ],
    },
  },
];

/** The phase check run after the model call failed with `error`: failure, never success. */
const reviewFailed = (id: number, result: string, shortError: string, tokens: string) =>
  patchCheck(id, {
    status: "completed",
    conclusion: "failure",
    title: `code-review failed: ${shortError}`,
    summary: stepsSummary(
      [["`code-review`", "failed", "⏱", tokens, result]],
      "\n\n**Not reviewed** (1 file):\n- `README.md`: not reviewed: its model call failed\n\n" +
        "Provider: openai-compatible (llm.test) gpt-4o-mini",
    ),
    text: "### `code-review`\n\nReviewed 0 of 1 files.",
    actions: [RETRY_ACTION],
  });
const reviewRun = (status: string, step: string, error: string | null, summary: string): RunView => ({
  status,
  steps: { "code-review": [step, error, summary] },
});

// --- the check runs of the gated merge workflow -----------------------------------------------------------
const gateWaiting = (overallId: number, phaseId: number, what: string, first = false): Sent[] => [
  patchCheck(overallId, {
    status: "in_progress",
    title: `Waiting for approval: ${what}`,
    summary: overallSummary(
      "ship",
      [["Approve", "waiting"]],
      `\n\n**Waiting gates**\n- \`approval\`: ${what}. Can approve: anyone with write access, with an approving review or \`/agents approve approval\`.`,
    ),
  }),
  patchCheck(phaseId, {
    status: "in_progress",
    title: `Waiting for approval: ${what}`,
    summary: stepsSummary(
      [["`approval`", "waiting for approval", "—", "—", first ? "—" : what]],
      `\n\n**Waiting:** \`approval\`: ${what}. Can approve: anyone with write access.`,
    ),
    actions: [APPROVE_ACTION],
  }),
];
const gatePassed = (overallId: number, phaseId: number): Sent[] => [
  patchCheck(overallId, {
    status: "completed",
    conclusion: "success",
    title: "Every gate before merge passed",
    summary: overallSummary("ship", [["Approve", "success"]]),
  }),
  patchCheck(phaseId, {
    status: "completed",
    conclusion: "success",
    title: "Passed",
    summary: stepsSummary([["`approval`", "succeeded", "⏱", "—", `approved by @\u200bbob on ${SHORT}`]]),
  }),
];
const approvedReview = (id: number, at: number) => ({
  id,
  user: { login: "bob", type: "User" },
  state: "APPROVED",
  commit_id: HEAD,
  submitted_at: new Date(at).toISOString(),
});
const reviewWebhook = (id: number) =>
  example("pull_request_review", "submitted", {
    review: { id, user: { login: "bob", type: "User" }, state: "approved", commit_id: HEAD },
  });
const APPROVE_AGAIN = `approve again: the merge was refused (${MERGE_REFUSED})`;

/** The gated workflow from `opened` until its gate waits (no approval yet). */
const gatedStart: Sent[] = [
  ...prStart,
  postCheck("agents", "RUN", {
    status: "in_progress",
    title: "Running",
    summary: overallSummary("ship", [["Approve", "in progress"]]),
  }),
  postCheck("agents / Approve", "RUN/approve", {
    status: "in_progress",
    title: "0 of 1 steps finished",
    summary: stepsSummary([["`approval`", "running", "—", "—", "—"]]),
  }),
  // The PR was read a moment ago (run creation): the gate reuses it and reads only the reviews.
  { method: "GET", path: `${R}/pulls/${PR}/reviews?per_page=100` },
  ...gateWaiting(100, 101, `needs 1 more approval on ${SHORT}`),
];
/** bob's approving review: the gate re-reads the PR and its reviews, checks bob's permission and passes. */
const bobApproves: Sent[] = [
  { method: "GET", path: `${R}/pulls/${PR}` },
  { method: "GET", path: `${R}/pulls/${PR}/reviews?per_page=100` },
  { method: "GET", path: `${R}/collaborators/bob/permission` },
  ...gatePassed(100, 101),
  postCheck("agents / Merge", "RUN/merge", {
    status: "in_progress",
    title: "0 of 1 steps finished",
    summary: stepsSummary([["`merge`", "running", "—", "—", "—"]]),
  }),
];
/** The merge with the approved head SHA. */
const MERGE_PUT: Sent = {
  method: "PUT",
  path: `${R}/pulls/${PR}/merge`,
  body: { sha: HEAD, merge_method: "merge" },
};

/** A chat completion whose content is `content`. */
function completion(content: string): Answer {
  return [
    200,
    {
      id: "chatcmpl-1",
      object: "chat.completion",
      created: 1,
      model: "gpt-4o-mini",
      choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content, refusal: null } }],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    },
  ];
}

function logsWith(c: Ctx, msg: string): Record<string, unknown>[] {
  return c.h.logs
    .filter((l) => l.msg === msg)
    .map(({ time: _t, pid: _p, hostname: _h, name: _n, ...rest }) => rest);
}

const VALIDATION_ERROR =
  "openai-compatible (llm.test): the model's reply failed validation twice: ✖ Invalid input: expected string, " +
  "received undefined\n  → at summary\n✖ Invalid input: expected array, received string\n  → at findings";

const rows: Row[] = [
  {
    name: "1. duplicate delivery: the same X-GitHub-Delivery id twice, the second is a no-op without a request",
    yaml: REVIEW_YAML,
    act: async ({ h, gh, state }) => {
      await h.receive("pull_request", opened(), "delivery-1");
      state.first = gh.sent.length;
      await h.receive("pull_request", opened(), "delivery-1");
    },
    requests: [...prStart, ...reviewStarted, reviewOverall(100, true), reviewPassed(101)],
    run: reviewRun("succeeded", "succeeded", null, "no findings"),
    also: async (c) => {
      // The second delivery made no request at all.
      expect(c.gh.sent).toHaveLength(c.state.first as number);
      expect(logsWith(c, "repeated delivery ignored")).toEqual([
        { level: 30, deliveryId: "delivery-1", event: "pull_request", msg: "repeated delivery ignored" },
      ]);
      expect(await c.h.db.db.kysely.selectFrom("deliveries").select(["id", "event"]).execute()).toEqual([
        { id: "delivery-1", event: "pull_request" },
      ]);
    },
  },
  {
    name: "2. invalid config: a failing `agents` check with one annotation per error, nothing runs",
    yaml: REVIEW_YAML.replace("uses: review", "uses: reveiw"),
    act: async ({ h }) => {
      await h.receive("pull_request", opened());
    },
    requests: [
      ...prStart,
      {
        method: "POST",
        path: `${R}/check-runs`,
        body: {
          name: "agents",
          head_sha: HEAD,
          status: "completed",
          conclusion: "failure",
          output: {
            title: ".agents/workflow.yaml is invalid: 1 error",
            summary:
              "Nothing ran: phasegate reads `.agents/workflow.yaml` from the default branch (`main`), and it has 1 error:\n\n" +
              '- .agents/workflow.yaml:11:19 step "code-review": unknown kind "reveiw" (expected one of review, security, tests, agent, approval, checks, merge, deploy, eval)\n\n' +
              "Fix the file on `main`; `phasegate validate` checks it locally.",
            annotations: [
              {
                path: ".agents/workflow.yaml",
                start_line: 11,
                end_line: 11,
                start_column: 19,
                end_column: 19,
                annotation_level: "failure",
                title: "Invalid workflow file",
                message:
                  'step "code-review": unknown kind "reveiw" (expected one of review, security, tests, agent, approval, checks, merge, deploy, eval)',
              },
            ],
          },
        },
      },
    ],
    run: null,
  },
  {
    name: "3. model outage: 503 on every try, the step fails closed with the provider's error, no review, no key leaked",
    app: { env: MODEL_ENV },
    yaml: REVIEW_YAML,
    // `retry-after-ms: 0`: the provider honours the server's wait, so its 3 default retries take no time.
    model: () => [503, { error: { message: "overloaded", type: "server_error" } }, { "retry-after-ms": "0" }],
    act: async ({ h }) => {
      await h.receive("pull_request", opened());
    },
    requests: [
      ...prStart,
      ...reviewStarted,
      reviewOverall(100, false),
      reviewFailed(
        101,
        "openai-compatible (llm.test): 503 overloaded (gave up after 4 tries) · no findings",
        "openai-compatible (llm.test): 503 overloaded (gave up after 4 tries)",
        "0",
      ),
    ],
    run: reviewRun(
      "failed",
      "failed",
      "openai-compatible (llm.test): 503 overloaded (gave up after 4 tries)",
      "no findings",
    ),
    also: async ({ h, gh, llm }, run) => {
      // One try and the provider's 3 retries (DEFAULT_RETRY_POLICY); the step itself is not retried (retries: 0).
      expect(llm).toHaveLength(4);
      expect(JSON.stringify(gh.sent)).not.toContain(API_KEY);
      expect(JSON.stringify(h.logs)).not.toContain(API_KEY);
      expect(JSON.stringify(h.logs)).not.toContain("sk-test");
      // Nor in what the database keeps of the run (step errors and outputs) or its audit trail.
      expect(JSON.stringify(run)).not.toContain(API_KEY);
      expect(JSON.stringify(await h.services.store.listAudit(run?.id as string))).not.toContain(API_KEY);
    },
  },
  {
    name: "4a. secondary rate limit on POST check-runs: waits retry-after, then exactly one check run is created",
    app: {},
    yaml: REVIEW_YAML,
    routes: () => [
      {
        method: "POST",
        path: `${R}/check-runs`,
        reply: (_b, call) =>
          call === 1
            ? [403, { message: SECONDARY_LIMIT }, { "retry-after": "1" }]
            : [201, { id: 200 + call }],
      },
    ],
    act: async ({ h }) => {
      await h.receive("pull_request", opened());
    },
    requests: [
      ...prStart,
      // The rate-limited request, then the same request after the wait: one `agents` check run on GitHub.
      reviewStarted[0]!,
      ...reviewStarted,
      reviewOverall(202, true),
      reviewPassed(203),
    ],
    run: reviewRun("succeeded", "succeeded", null, "no findings"),
    also: async (c, run) => {
      expect(c.slept.filter((ms) => ms > 0)).toEqual([1000]);
      // /metrics counts the 403 and the one wait, for the installation.
      const metrics = await scrapeMetrics(c.h.http);
      expect(metrics).toContain('phasegate_github_requests_total{status="403",installation="42"} 1\n');
      expect(metrics).toContain('phasegate_github_rate_limit_waits_total{installation="42"} 1\n');
      expect(metrics).toContain("phasegate_github_rate_limit_wait_seconds_total 1\n");
      expect(logsWith(c, "GitHub rate limit: waiting")).toEqual([
        {
          level: 40,
          // The log context: the webhook job and the run whose check run it was (src/ops/log-context.ts).
          deliveryId: expect.any(String),
          runId: run?.id,
          installationId: 42,
          route: "POST /repos/{owner}/{repo}/check-runs",
          reason: "secondary-rate-limit",
          waitMs: 1000,
          attempt: 1,
          msg: "GitHub rate limit: waiting",
        },
      ]);
      expect(c.h.logs.filter((l) => (l.level as number) >= 50)).toEqual([]);
    },
  },
  {
    name: "4b. a secondary rate limit that never clears: bounded waits, then a clear failure logged; the run stays consistent",
    app: { maxRateLimitWaitMs: 2500 },
    yaml: REVIEW_YAML,
    routes: ({ state }) => [
      {
        method: "POST",
        path: `${R}/check-runs`,
        // Until the test says the limit cleared (before a restart).
        reply: (_b, call) =>
          state.cleared
            ? [201, { id: 300 + call }]
            : [403, { message: SECONDARY_LIMIT }, { "retry-after": "1" }],
      },
    ],
    act: async ({ h }) => {
      await h.receive("pull_request", opened());
    },
    requests: (() => {
      const [agents, phase] = reviewStarted as [Sent, Sent];
      // Each check run: the POST and its 2 retries after 1 s each (the third wait would pass 2.5 s); on the
      // run's next change the pending ledger entries are looked up first (nothing there), then tried again.
      return [
        ...prStart,
        agents,
        agents,
        agents,
        phase,
        phase,
        phase,
        lookupCheck("agents"),
        reviewDoneAgents,
        reviewDoneAgents,
        reviewDoneAgents,
        lookupCheck("agents / Review"),
        reviewDonePhase,
        reviewDonePhase,
        reviewDonePhase,
      ];
    })(),
    run: reviewRun("succeeded", "succeeded", null, "no findings"),
    also: async (c, run) => {
      expect(c.slept.filter((ms) => ms > 0)).toEqual([1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000]);
      const failures = logsWith(c, "reporting the run on GitHub failed (check runs); trying again later");
      expect(failures).toHaveLength(2);
      for (const f of failures) {
        expect(f).toMatchObject({
          level: 50,
          runId: run?.id,
          err: {
            type: "GitHubRateLimitError",
            message:
              "GitHub rate limit on POST /repos/{owner}/{repo}/check-runs for installation 42: gave up after " +
              `waiting 2 s (the next wait, 1 s, would pass the bound): ${SECONDARY_LIMIT}`,
          },
        });
      }
      // Nothing is believed posted: both check runs stay pending in the effects ledger, to be looked up first.
      const effects = await c.h.services.github.effects(run?.id as string, "check:");
      expect([...effects.entries()].map(([k, e]) => [k, e.state, e.githubId])).toEqual([
        ["check:agents", "pending", null],
        ["check:agents / Review", "pending", null],
      ]);
      // Nothing retries a finished run's reports in this process (see the report); a restart does: the pending
      // entries are looked up, then the final views created once.
      c.state.cleared = true;
      const from = c.gh.sent.length;
      await c.h.kill();
      const again = await startApp({
        reporting: true,
        db: c.h.db,
        clock: virtualClock(),
        backoff: { serverErrorBaseMs: 1, serverErrorRetries: 0, secondaryBaseMs: 1 },
      });
      try {
        await again.idle();
        expect(normalise(c.gh.since(from), run?.id ?? null)).toEqual(
          normalise(
            [lookupCheck("agents"), reviewDoneAgents, lookupCheck("agents / Review"), reviewDonePhase],
            null,
          ),
        );
        const after = await again.services.github.effects(run?.id as string, "check:");
        expect([...after.entries()].map(([k, e]) => [k, e.state, e.githubId])).toEqual([
          ["check:agents", "done", "313"],
          ["check:agents / Review", "done", "314"],
        ]);
      } finally {
        await again.stop();
      }
    },
  },
  {
    name: "4c. a rate limit that never clears on the merge PUT: the merge step fails closed with the rate-limit error in the Merge check run",
    app: { maxRateLimitWaitMs: 1500 },
    yaml: GATED_YAML,
    routes: ({ state }) => [
      {
        method: "GET",
        path: `${R}/pulls/${PR}/reviews?per_page=100`,
        reply: () => [200, state.reviews ?? []],
      },
      route("GET", `${R}/collaborators/bob/permission`, 200, { permission: "write", user: { login: "bob" } }),
      {
        method: "PUT",
        path: `${R}/pulls/${PR}/merge`,
        reply: () => [403, { message: SECONDARY_LIMIT }, { "retry-after": "1" }],
      },
    ],
    act: async ({ h, state }) => {
      await h.receive("pull_request", opened());
      state.reviews = [approvedReview(5, Date.now())];
      await h.receive("pull_request_review", reviewWebhook(5));
    },
    requests: (() => {
      const error =
        "GitHub rate limit on PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge for installation 42: gave up " +
        "after waiting 1 s (the next wait, 1 s, would pass the bound)";
      return [
        ...gatedStart,
        ...bobApproves,
        // Sent, rate-limited, sent again after retry-after, rate-limited again: the next wait would pass 1.5 s.
        MERGE_PUT,
        MERGE_PUT,
        patchCheck(102, {
          status: "completed",
          conclusion: "failure",
          title: `merge failed: ${error.slice(0, 105)}…`,
          summary: stepsSummary([["`merge`", "failed", "⏱", "—", error]]),
          actions: [RETRY_ACTION],
        }),
      ];
    })(),
    run: {
      status: "failed",
      steps: {
        approval: ["succeeded", null, `approved by @bob on ${SHORT}`],
        merge: [
          "failed",
          "GitHub rate limit on PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge for installation 42: gave up " +
            "after waiting 1 s (the next wait, 1 s, would pass the bound)",
          null,
        ],
      },
    },
    also: async (c, run) => {
      expect(c.slept.filter((ms) => ms > 0)).toEqual([1000]);
      expect(logsWith(c, "GitHub rate limit: waiting")).toEqual([
        {
          level: 40,
          // The log context: the webhook job, and the run and step being executed.
          deliveryId: expect.any(String),
          runId: run?.id,
          stepId: "merge",
          installationId: 42,
          route: "PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge",
          reason: "secondary-rate-limit",
          waitMs: 1000,
          attempt: 1,
          msg: "GitHub rate limit: waiting",
        },
      ]);
      // Nothing was merged: no merge effect done, no merge in the audit trail.
      expect((await c.h.services.store.listAudit(run?.id as string)).map((a) => a.action)).not.toContain(
        "merge",
      );
    },
  },
  {
    name: "5. 409 on merge: the step fails with GitHub's message, the gate waits again (approve again), a fresh approval merges",
    yaml: GATED_YAML,
    routes: ({ state }) => [
      {
        method: "GET",
        path: `${R}/pulls/${PR}/reviews?per_page=100`,
        reply: () => [200, state.reviews ?? []],
      },
      route("GET", `${R}/collaborators/bob/permission`, 200, { permission: "write", user: { login: "bob" } }),
      {
        method: "PUT",
        path: `${R}/pulls/${PR}/merge`,
        reply: (_b, call) =>
          call === 1
            ? [409, { message: MERGE_REFUSED, documentation_url: "https://docs.github.com/rest" }]
            : [200, { sha: MERGE_SHA, merged: true, message: "Pull Request successfully merged" }],
      },
    ],
    act: async (c) => {
      const { h, state } = c;
      await h.receive("pull_request", opened());
      state.reviews = [approvedReview(5, Date.now())];
      await h.receive("pull_request_review", reviewWebhook(5));
      // After the refusal the old approval no longer counts: the run waits for a fresh one.
      const afterRefusal = await h.services.store.loadRun((await runIds(h))[0]!);
      state.afterRefusal = view(afterRefusal);
      state.reviews = [approvedReview(5, Date.now() - 1000), approvedReview(6, Date.now() + 2000)];
      await h.receive("pull_request_review", reviewWebhook(6));
    },
    requests: [
      ...gatedStart,
      // bob's approval: the gate passes, the merge is refused with 409.
      ...bobApproves,
      MERGE_PUT,
      { method: "GET", path: `${R}/pulls/${PR}` },
      { method: "GET", path: `${R}/pulls/${PR}/reviews?per_page=100` },
      ...gateWaiting(100, 101, APPROVE_AGAIN),
      patchCheck(102, {
        status: "completed",
        conclusion: "failure",
        title: `merge failed: ${MERGE_REFUSED}`,
        summary: stepsSummary([
          ["`merge`", "failed", "⏱", "—", `${MERGE_REFUSED} · merge refused: ${MERGE_REFUSED}`],
        ]),
        actions: [RETRY_ACTION],
      }),
      ...gateWaiting(100, 101, `needs 1 more approval on ${SHORT} (the merge was refused: approve again)`),
      // bob approves again: the PR is re-read (not merged meanwhile) and merged with the approved head.
      { method: "GET", path: `${R}/pulls/${PR}` },
      { method: "GET", path: `${R}/pulls/${PR}/reviews?per_page=100` },
      { method: "GET", path: `${R}/pulls/${PR}` },
      ...gatePassed(100, 101),
      { method: "PUT", path: `${R}/pulls/${PR}/merge`, body: { sha: HEAD, merge_method: "merge" } },
      patchCheck(102, {
        status: "in_progress",
        title: "0 of 1 steps finished",
        summary: stepsSummary([["`merge`", "running", "—", "—", "—"]]),
      }),
      patchCheck(102, {
        status: "completed",
        conclusion: "success",
        title: "Passed",
        summary: stepsSummary([["`merge`", "succeeded", "⏱", "—", `merged ${SHORT} with merge as ddddddd`]]),
      }),
    ],
    run: {
      status: "succeeded",
      steps: {
        approval: ["succeeded", null, `approved by @bob on ${SHORT}`],
        merge: ["succeeded", null, `merged ${SHORT} with merge as ddddddd`],
      },
    },
    also: async ({ h, state }, run) => {
      expect(state.afterRefusal).toEqual({
        status: "waiting",
        steps: {
          approval: [
            "waiting",
            null,
            `needs 1 more approval on ${SHORT} (the merge was refused: approve again)`,
          ],
          merge: ["failed", MERGE_REFUSED, `merge refused: ${MERGE_REFUSED}`],
        },
      });
      expect(run?.steps.get("merge")?.attempts).toBe(2);
      const audit = await h.services.store.listAudit(run?.id as string);
      expect(
        audit.filter((a) => a.action.startsWith("merge")).map((a) => [a.action, a.sha, a.reason]),
      ).toEqual([
        ["merge-refused", HEAD, MERGE_REFUSED],
        ["merge", HEAD, `merged with merge as ${MERGE_SHA}`],
      ]);
    },
  },
  {
    name: "6. deploy failure with rollback: the previous successful SHA is deployed again and the check run says so",
    yaml: DEPLOY_YAML,
    routes: ({ state }) => [
      {
        method: "POST",
        path: `${R}/deployments`,
        reply: (b) => {
          const body = b as { ref: string; environment: string; payload: unknown };
          const id = ((state.nextDeployment as number | undefined) ?? 9001) + 1;
          state.nextDeployment = id;
          return [201, { id, sha: body.ref, environment: body.environment, payload: body.payload }];
        },
      },
      route("GET", `${R}/deployments?environment=production&per_page=30`, 200, [
        { id: 9002, sha: HEAD, environment: "production", payload: {} },
        { id: 8998, sha: OLD_OK, environment: "production", payload: {} },
      ]),
      route("GET", `${R}/deployments/8998/statuses?per_page=100`, 200, [
        { state: "inactive" },
        { state: "success" },
      ]),
    ],
    act: async ({ h }) => {
      await h.receive("pull_request", opened());
      const runId = (await runIds(h))[0]!;
      await h.receive(
        "deployment_status",
        example("deployment_status", "created", {
          deployment: { id: 9002, sha: HEAD, environment: "production", payload: { phasegate_run: runId } },
          deployment_status: { state: "failure", description: "smoke tests failed" },
        }),
      );
    },
    requests: (() => {
      const failed = "deployment #9002 to production: failure: smoke tests failed";
      const phaseFailed = (result: string) =>
        patchCheck(101, {
          status: "completed",
          conclusion: "failure",
          title: `production failed: ${failed}`,
          summary: stepsSummary([["`production`", "failed", "⏱", "—", `${failed} · ${result}`]]),
          actions: [RETRY_ACTION],
        });
      return [
        ...prStart,
        postCheck("agents", "RUN", {
          status: "in_progress",
          title: "Running",
          summary: overallSummary("ship", [["Deploy", "in progress"]]),
        }),
        {
          method: "POST",
          path: `${R}/deployments`,
          body: {
            ref: HEAD,
            environment: "production",
            auto_merge: false,
            required_contexts: [],
            payload: { phasegate_run: "RUN", phasegate_step: "production" },
            description: "phasegate run RUN, step production",
          },
        },
        postCheck("agents / Deploy", "RUN/deploy", {
          status: "in_progress",
          title: "0 of 1 steps finished",
          summary: stepsSummary([["`production`", "running", "—", "—", "—"]]),
        }),
        patchCheck(100, {
          status: "in_progress",
          title: "Running",
          summary: overallSummary("ship", [["Deploy", "waiting"]]),
        }),
        patchCheck(101, {
          status: "in_progress",
          title: "Waiting for a deployment",
          summary: stepsSummary([
            [
              "`production`",
              "waiting for deployment",
              "—",
              "—",
              `deploying ${SHORT} to production (deployment #9002)`,
            ],
          ]),
        }),
        patchCheck(100, {
          status: "completed",
          conclusion: "failure",
          title: "Failed: Deploy",
          summary: overallSummary("ship", [["Deploy", "failure"]]),
        }),
        { method: "GET", path: `${R}/deployments?environment=production&per_page=30` },
        { method: "GET", path: `${R}/deployments/8998/statuses?per_page=100` },
        phaseFailed(`deploy of ${SHORT} to production failed`),
        {
          method: "POST",
          path: `${R}/deployments`,
          body: {
            ref: OLD_OK,
            environment: "production",
            auto_merge: false,
            required_contexts: [],
            payload: { phasegate_run: "RUN", phasegate_rollback_of: 9002 },
            description: "phasegate: roll back production to 2222222 after deployment #9002 failed",
          },
        },
        phaseFailed(`failed (${failed}); rolled back to 2222222 (deployment #9003)`),
      ];
    })(),
    run: {
      status: "failed",
      steps: {
        production: [
          "failed",
          "deployment #9002 to production: failure: smoke tests failed",
          "failed (deployment #9002 to production: failure: smoke tests failed); rolled back to 2222222 (deployment #9003)",
        ],
      },
    },
    also: async ({ h }, run) => {
      expect(run?.steps.get("production")?.output?.data).toMatchObject({
        deploymentId: 9002,
        rollbackSha: OLD_OK,
        rollbackDeploymentId: 9003,
      });
      expect(await h.services.github.effect(run?.id as string, "rollback:production")).toMatchObject({
        state: "done",
        githubId: "9003",
      });
    },
  },
  {
    name: "7a. 502 on POST reviews: the app lists the PR's reviews, finds its own by marker, posts nothing more",
    yaml: REVIEW_YAML,
    routes: ({ gh }) => [
      route("GET", `${R}/pulls/${PR}/files?per_page=100&page=1`, 200, DEBUG_FILES),
      route("POST", `${R}/pulls/${PR}/reviews`, 502, { message: "Bad Gateway" }),
      {
        method: "GET",
        path: `${R}/pulls/${PR}/reviews?per_page=100`,
        // GitHub did store the review before answering 502.
        reply: () => {
          const posted = gh.sent.find((r) => r.method === "POST" && r.path.endsWith("/reviews"));
          const body = (posted?.body as { body?: string } | undefined)?.body;
          return [200, body ? [{ id: 77, user: { login: "phasegate[bot]", type: "Bot" }, body }] : []];
        },
      },
    ],
    act: async ({ h }) => {
      await h.receive("pull_request", opened());
    },
    requests: [...debugReviewed, { method: "GET", path: `${R}/pulls/${PR}/reviews?per_page=100` }],
    run: reviewRun("succeeded", "succeeded", null, "1 finding (1 medium)"),
    also: async (c, run) => {
      expect(logsWith(c, "uncertain write to GitHub: looking it up")).toEqual([
        {
          level: 40,
          deliveryId: expect.any(String),
          runId: run?.id,
          key: "review:check",
          err:
            "GitHub 502 on POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews for installation 42: the write " +
            "may have succeeded; re-read before writing again",
          msg: "uncertain write to GitHub: looking it up",
        },
      ]);
      expect(await c.h.services.github.effect(run?.id as string, "review:check")).toMatchObject({
        state: "done",
        githubId: "77",
      });
      expect((await c.h.services.github.postedFingerprints("acme/widgets", PR)).size).toBe(1);
    },
  },
  {
    name: "7b. 502 on POST check-runs: the lookup by name and external_id adopts the check run GitHub made",
    yaml: REVIEW_YAML,
    routes: ({ gh }) => [
      {
        method: "POST",
        path: `${R}/check-runs`,
        reply: (_b, call) => (call === 1 ? [502, { message: "Bad Gateway" }] : [201, { id: 100 + call }]),
      },
      {
        method: "GET",
        path: `${R}/commits/${HEAD}/check-runs?check_name=agents&filter=all&per_page=100`,
        reply: () => {
          const posted = gh.sent[3]?.body as Record<string, unknown> & { output: Record<string, unknown> };
          return [
            200,
            {
              total_count: 1,
              check_runs: [
                {
                  id: 555,
                  external_id: posted.external_id,
                  status: posted.status,
                  conclusion: null,
                  app: { id: 1 },
                  output: { ...posted.output, annotations_count: 0 },
                },
              ],
            },
          ];
        },
      },
    ],
    act: async ({ h }) => {
      await h.receive("pull_request", opened());
    },
    requests: [
      ...prStart,
      reviewStarted[0]!,
      {
        method: "GET",
        path: `${R}/commits/${HEAD}/check-runs?check_name=agents&filter=all&per_page=100`,
      },
      reviewStarted[1]!,
      reviewOverall(555, true),
      reviewPassed(102),
    ],
    run: reviewRun("succeeded", "succeeded", null, "no findings"),
    also: async (c, run) => {
      expect(await c.h.services.github.effect(run?.id as string, "check:agents")).toMatchObject({
        state: "done",
        githubId: "555",
      });
      expect(logsWith(c, "uncertain write to GitHub: looking it up")).toHaveLength(1);
    },
  },
  {
    name: "7c. 502 on POST reviews that GitHub did not store: the lookup finds nothing, the review is posted once more",
    yaml: REVIEW_YAML,
    routes: () => [
      route("GET", `${R}/pulls/${PR}/files?per_page=100&page=1`, 200, DEBUG_FILES),
      {
        method: "POST",
        path: `${R}/pulls/${PR}/reviews`,
        reply: (_b, call) => (call === 1 ? [502, { message: "Bad Gateway" }] : [200, { id: 78 }]),
      },
      route("GET", `${R}/pulls/${PR}/reviews?per_page=100`, 200, []),
    ],
    act: async ({ h }) => {
      await h.receive("pull_request", opened());
    },
    requests: [
      ...debugReviewed,
      { method: "GET", path: `${R}/pulls/${PR}/reviews?per_page=100` },
      debugReviewed[debugReviewed.length - 1]!,
    ],
    run: reviewRun("succeeded", "succeeded", null, "1 finding (1 medium)"),
    also: async (c, run) => {
      expect(logsWith(c, "uncertain write to GitHub: looking it up")).toHaveLength(1);
      expect(await c.h.services.github.effect(run?.id as string, "review:check")).toMatchObject({
        state: "done",
        githubId: "78",
      });
    },
  },
  {
    name: "7d. 502 on POST check-runs that GitHub did not store: the lookup finds nothing, one check run is created",
    yaml: REVIEW_YAML,
    routes: () => [
      {
        method: "POST",
        path: `${R}/check-runs`,
        reply: (_b, call) => (call === 1 ? [502, { message: "Bad Gateway" }] : [201, { id: 100 + call }]),
      },
    ],
    act: async ({ h }) => {
      await h.receive("pull_request", opened());
    },
    requests: [
      ...prStart,
      reviewStarted[0]!,
      lookupCheck("agents"),
      ...reviewStarted,
      reviewOverall(102, true),
      reviewPassed(103),
    ],
    run: reviewRun("succeeded", "succeeded", null, "no findings"),
    also: async (c, run) => {
      expect(await c.h.services.github.effect(run?.id as string, "check:agents")).toMatchObject({
        state: "done",
        githubId: "102",
      });
    },
  },
  {
    name: "8a. malformed webhook payloads (no installation, wrong types, no repository): logged, no request, no crash",
    act: async ({ h }) => {
      const noInstallation = opened();
      delete noInstallation.installation;
      await h.receive("pull_request", noInstallation, "bad-1");
      await h.receive(
        "pull_request",
        example("pull_request", "opened", { pull_request: { number: "2" } }),
        "bad-2",
      );
      await h.receive("pull_request", example("pull_request", "opened", { repository: null }), "bad-3");
      await h.receive(
        "issue_comment",
        example("issue_comment", "created", { comment: { body: 42 } }),
        "bad-4",
      );
      await h.receive(
        "pull_request_review",
        example("pull_request_review", "submitted", { pull_request: 7 }),
        "bad-5",
      );
      await h.receive(
        "pull_request",
        example("pull_request", "opened", { installation: { id: "42" } }),
        "bad-6",
      );
      await h.receive("pull_request", example("pull_request", "opened", { pull_request: null }), "bad-7");
    },
    requests: [],
    run: null,
    also: async (c) => {
      expect(logsWith(c, "webhook needs nothing").map((l) => [l.deliveryId, l.why])).toEqual([
        ["bad-1", "no repository or installation in the payload"],
        ["bad-2", "pull_request without number or head"],
        ["bad-3", "no repository or installation in the payload"],
        ["bad-5", "review without a PR number"],
        ["bad-6", "no repository or installation in the payload"],
        ["bad-7", "pull_request without number or head"],
      ]);
      const deliveries = await c.h.db.db.kysely
        .selectFrom("deliveries")
        .select(["id", "job", "done_at"])
        .orderBy("id")
        .execute();
      // Every delivery is recorded and done; only the comment became a job (a non-string body reads as empty,
      // which is no command: nothing to do).
      expect(
        deliveries.map((d) => [d.id, d.job === null ? null : JSON.parse(d.job).body, d.done_at !== null]),
      ).toEqual([
        ["bad-1", null, true],
        ["bad-2", null, true],
        ["bad-3", null, true],
        ["bad-4", "", true],
        ["bad-5", null, true],
        ["bad-6", null, true],
        ["bad-7", null, true],
      ]);
      expect(c.h.logs.filter((l) => (l.level as number) >= 50)).toEqual([]);
    },
  },
  {
    name: "8b. malformed model reply: JSON that fails the schema twice fails the step with the validation error",
    app: { env: MODEL_ENV },
    yaml: REVIEW_YAML,
    model: () => completion('{"findings": "none"}'),
    act: async ({ h }) => {
      await h.receive("pull_request", opened());
    },
    requests: [
      ...prStart,
      ...reviewStarted,
      reviewOverall(100, false),
      reviewFailed(
        101,
        "openai-compatible (llm.test): the model's reply failed validation twice: ✖ Invalid input: expected string, received undefined → at summary ✖ Invalid input: expected array, received string → at findin…",
        "openai-compatible (llm.test): the model's reply failed validation twice: ✖ Invalid input: expected …",
        "30",
      ),
    ],
    run: reviewRun("failed", "failed", VALIDATION_ERROR, "no findings"),
    also: ({ llm }) => {
      // The second call carries the first reply and the validation error back to the model.
      expect(llm).toHaveLength(2);
      const second = llm[1] as { messages: { role: string; content: string }[] };
      expect(second.messages.slice(-2)).toEqual([
        { role: "assistant", content: '{"findings": "none"}' },
        {
          role: "user",
          content: expect.stringContaining(
            "Your reply did not match the required JSON schema:\n✖ Invalid input",
          ),
        },
      ]);
    },
  },
];

async function runIds(app: AppHarness): Promise<string[]> {
  const rows = await app.db.db.kysely.selectFrom("runs").select("id").orderBy("created_at").execute();
  return rows.map((r) => r.id);
}

function view(run: RunState | null): RunView | null {
  if (!run) return null;
  const steps: Record<string, readonly [string, string | null, string | null]> = {};
  for (const s of run.steps) steps[s.id] = [s.status, s.error, s.output?.summary ?? null];
  return { status: run.status, steps };
}

for (const row of rows) {
  (row.bug ? test.fails : test)(row.name, async () => {
    const clock = virtualClock();
    h = await startApp({
      reporting: true,
      clock,
      backoff: { serverErrorBaseMs: 1, serverErrorRetries: 0, secondaryBaseMs: 1 },
      ...row.app,
    });
    const gh = new FakeGitHub();
    const ctx: Ctx = { h, gh, llm: [], slept: clock.slept, state: {} };
    gh.on(...(row.routes?.(ctx) ?? []), ...(row.yaml ? prRoutes(row.yaml, apiPr()) : []));
    if (row.model) {
      const model = row.model;
      nock(LLM)
        .persist()
        .post("/v1/chat/completions")
        .reply(async (req: Request) => {
          ctx.llm.push(await req.json());
          const [status, body, headers] = model(ctx.llm.length);
          return [status, body ?? "", headers ?? {}];
        });
    }

    await row.act(ctx);
    await h.idle();

    const ids = await runIds(h);
    expect(ids.length).toBeLessThanOrEqual(1);
    const run = ids[0] ? await h.services.store.loadRun(ids[0]) : null;
    expect(normalise(gh.sent, run?.id ?? null)).toEqual(normalise(row.requests, null));
    expect(view(run)).toEqual(row.run);
    await row.also?.(ctx, run);
    // No request went to GitHub unanswered by a route, and no log line holds the installation token.
    expect(JSON.stringify(h.logs)).not.toContain("ghs_installation_token");
    expect(nock.pendingMocks()).toEqual([]);
  });
}
