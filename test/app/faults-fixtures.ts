import nock from "nock";
import { API, R } from "./harness.js";

/** One request the app made to GitHub (token requests aside): method, path with query, parsed JSON body. */
export interface Sent {
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
}

/** GitHub's answer to one request: status, JSON body, headers. */
export type Answer = readonly [number, unknown?, Record<string, string>?];

/** A route of the fake GitHub: `METHOD path` (path exact, or a RegExp on path+query), answered by `reply`. */
export interface Route {
  readonly method: string;
  readonly path: string | RegExp;
  /** `call` counts this route's requests from 1. */
  readonly reply: (body: unknown, call: number, path: string) => Answer;
}

/**
 * GitHub as these tests need it: every request (token requests aside) is recorded in order and answered by the
 * first matching route, or 404 when none matches (so an unexpected request shows in `sent` and fails the
 * test's exact comparison). Persistent and optional: `nock.pendingMocks()` stays about the test's own mocks.
 */
export class FakeGitHub {
  readonly sent: Sent[] = [];
  private readonly routes: Route[] = [];
  private readonly calls = new Map<Route, number>();

  constructor() {
    for (const method of ["GET", "POST", "PATCH", "PUT", "DELETE"]) {
      nock(API)
        .persist()
        .intercept((uri: string) => !uri.includes("/access_tokens"), method)
        .optionally()
        .reply(async (req: Request) => {
          const url = new URL(req.url);
          const path = decodeURIComponent(url.pathname) + url.search;
          const text = method === "GET" ? "" : await req.text();
          const body = text ? (JSON.parse(text) as unknown) : undefined;
          this.sent.push(body === undefined ? { method, path } : { method, path, body });
          const route = this.routes.find(
            (r) => r.method === method && (typeof r.path === "string" ? r.path === path : r.path.test(path)),
          );
          if (!route) return [404, { message: "Not Found (fake GitHub: no route)" }];
          const call = (this.calls.get(route) ?? 0) + 1;
          this.calls.set(route, call);
          const [status, answer, headers] = route.reply(body, call, path);
          return [status, answer ?? "", headers ?? {}];
        });
    }
  }

  /** Adds routes; later routes are tried after earlier ones. */
  on(...routes: Route[]): this {
    this.routes.push(...routes);
    return this;
  }

  /** Requests from index `from` on, e.g. those after a setup phase. */
  since(from: number): Sent[] {
    return this.sent.slice(from);
  }
}

/** A route answering `status` with `body` every time. */
export function route(method: string, path: string | RegExp, status: number, body?: unknown): Route {
  return { method, path, reply: () => [status, body] };
}

/** PR #2 of GitHub's example payloads and its head SHA. */
export const PR = 2;
export const HEAD = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
export const SHORT = HEAD.slice(0, 7);
export const CONTENTS = `${R}/contents/.agents/workflow.yaml?ref=main`;

/** GitHub's answer to GET /pulls/2, trimmed to what the app reads. */
export function apiPr(patch: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    number: PR,
    state: "open",
    merged: false,
    merge_commit_sha: null,
    draft: false,
    head: { sha: HEAD, ref: "feature" },
    base: { ref: "main" },
    user: { login: "Codertocat", type: "User" },
    labels: [],
    title: "Update the README with new information",
    body: "This is a pretty simple change that we need to pull into main.",
    ...patch,
  };
}

/** One changed file with a one-line patch that the heuristics find nothing in. */
export const FILES = [
  {
    sha: "blob0",
    filename: "README.md",
    status: "modified",
    additions: 1,
    deletions: 0,
    changes: 1,
    patch: "@@ -1 +1,2 @@\n # widgets\n+More words.",
  },
];

/**
 * The routes of a PR run's start (workflow file, PR, files) and of the reporter (check runs created with ids
 * 100, 101, … in order, PATCHes answered, no existing check runs or reviews).
 */
export function prRoutes(yaml: string, pr: Record<string, unknown> = apiPr()): Route[] {
  let nextId = 100;
  return [
    {
      method: "GET",
      path: CONTENTS,
      reply: () => [200, yaml, { "content-type": "application/vnd.github.raw" }],
    },
    route("GET", `${R}/pulls/${PR}`, 200, pr),
    route("GET", `${R}/pulls/${PR}/files?per_page=100&page=1`, 200, FILES),
    { method: "POST", path: `${R}/check-runs`, reply: () => [201, { id: nextId++ }] },
    { method: "PATCH", path: /^\/repos\/acme\/widgets\/check-runs\/\d+$/, reply: () => [200, {}] },
    route("GET", /^\/repos\/acme\/widgets\/commits\/[0-9a-f]+\/check-runs\?/, 200, {
      total_count: 0,
      check_runs: [],
    }),
  ];
}

/** The check-run buttons the rows see. */
export const RETRY_ACTION = {
  label: "Retry failed",
  description: "Run this phase's failed steps again",
  identifier: "retry-failed",
};
export const APPROVE_ACTION = {
  label: "Approve",
  description: `Approve approval on ${SHORT}`,
  identifier: "approve:approval",
};

/** What a check-run POST or PATCH sends besides name, head SHA and external id. */
export interface CheckView {
  readonly status: "in_progress" | "completed";
  readonly conclusion?: string;
  readonly title: string;
  readonly summary: string;
  readonly text?: string;
  readonly annotations?: readonly unknown[];
  readonly actions?: readonly unknown[];
}

function viewBody(v: CheckView): Record<string, unknown> {
  return {
    status: v.status,
    ...(v.conclusion ? { conclusion: v.conclusion } : {}),
    output: {
      title: v.title,
      summary: v.summary,
      ...(v.text ? { text: v.text } : {}),
      ...(v.annotations ? { annotations: v.annotations } : {}),
    },
    actions: v.actions ?? [],
  };
}

/** POST …/check-runs of `name` for the run (`RUN` stands for its id), on the PR's head. */
export function postCheck(name: string, externalId: string, v: CheckView): Sent {
  return {
    method: "POST",
    path: `${R}/check-runs`,
    body: { name, head_sha: HEAD, external_id: externalId, ...viewBody(v) },
  };
}

export function patchCheck(id: number, v: CheckView): Sent {
  return { method: "PATCH", path: `${R}/check-runs/${id}`, body: viewBody(v) };
}

/** The `agents` check run's summary: workflow, head, and each phase before merge. */
export function overallSummary(workflow: string, phases: readonly [string, string][], extra = ""): string {
  const rows = phases.map(([p, s]) => `| ${p} | ${s} |`).join("\n");
  return `**${workflow}** on \`${SHORT}\`\n\n| before merge | status |\n| --- | --- |\n${rows}${extra}`;
}

/** A phase check run's steps table (durations normalised to ⏱ by `normalise`). */
export function stepsSummary(rows: readonly (readonly string[])[], extra = ""): string {
  const body = rows.map((r) => `| ${r.join(" | ")} |`).join("\n");
  return `| step | state | duration | tokens | result |\n| --- | --- | --- | --- | --- |\n${body}${extra}`;
}

/**
 * Requests as tests compare them: the run's id replaced by `RUN`, measured durations in step tables by `⏱`,
 * and stably sorted by path so the order per resource is kept while requests of parallel background work
 * (reporter, gate evaluation) may interleave.
 */
export function normalise(sent: readonly Sent[], runId: string | null): Sent[] {
  let text = JSON.stringify(sent);
  if (runId) text = text.split(runId).join("RUN");
  text = text.replace(/\| \d+(?:\.\d+)?(?:ms|s|m)(?: \d+s)? \|/g, "| ⏱ |");
  // A gate's placeholder ("needs 1 approval on …", before its first evaluation) is shown or not depending on
  // whether the reporter's pass beats the evaluation: timing, not behaviour. Left out on both sides.
  const out = (JSON.parse(text) as Sent[]).filter(
    (r) =>
      !(
        r.method === "PATCH" &&
        /"title":"Waiting for approval: needs \d+ approvals? on /.test(JSON.stringify(r.body))
      ),
  );
  return out
    .map((r, i) => ({ r, i }))
    .sort((a, b) => (a.r.path < b.r.path ? -1 : a.r.path > b.r.path ? 1 : a.i - b.i))
    .map(({ r }) => r);
}

/**
 * A clock for the GitHub layer that never really sleeps: each `sleep` moves its time forward, so back-offs
 * of seconds take no time and the pacer's pauses stay consistent. `slept` lists every wait.
 */
export function virtualClock(): { now(): number; sleep(ms: number): Promise<void>; slept: number[] } {
  let offset = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => Date.now() + offset,
    sleep: async (ms) => {
      slept.push(ms);
      offset += Math.max(0, ms);
    },
  };
}
