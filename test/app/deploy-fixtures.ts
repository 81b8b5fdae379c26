import nock from "nock";
import type { RunPlan } from "../../src/core/run/plan.js";
import { newRunState, type RunFacts, type RunState } from "../../src/core/run/run-state.js";
import type { AuditEntry } from "../../src/engine/ports.js";
import { API, type AppHarness, INSTALLATION, OWNER, R, REPO } from "./harness.js";

/** The approved head SHA of PR #7 in the merge and deploy tests. */
export const HEAD = "abc1234def5678abc1234def5678abc1234def56";
export const MERGE_SHA = "def5678abc1234def5678abc1234def5678abc12";

/** Facts of a run on acme/widgets PR #7, as the pull_request handler records them. */
export function prFacts(overrides: Partial<RunFacts> = {}): RunFacts {
  return {
    source: "pull_request",
    repo: `${OWNER}/${REPO}`,
    number: 7,
    headSha: HEAD,
    baseRef: "main",
    author: "alice",
    labels: [],
    changedFiles: ["src/app.ts"],
    title: "Add a thing",
    github: {
      installationId: INSTALLATION,
      owner: OWNER,
      name: REPO,
      defaultBranch: "main",
      lastPusher: "alice",
      body: "",
      headRef: "feature",
      draft: false,
    },
    ...overrides,
  };
}

/** Creates and starts a run straight from a plan (no workflow file to read), then waits until idle. */
export async function createRun(
  h: AppHarness,
  plan: RunPlan,
  id = "run-1",
  facts: Partial<RunFacts> = {},
): Promise<RunState> {
  await h.services.engine.createRun(
    newRunState({ id, plan, facts: prFacts(facts), createdAt: h.services.now() }),
  );
  await h.idle();
  return (await h.services.store.loadRun(id)) as RunState;
}

/** Submits an event and waits until every consequence (executors, background work) finished. */
export async function approve(h: AppHarness, runId: string, stepId: string, by = "bob"): Promise<RunState> {
  await h.services.engine.submit(runId, {
    type: "gate-approved",
    at: h.services.now(),
    stepId,
    by: [by],
    sha: HEAD,
  });
  await h.idle();
  return (await h.services.store.loadRun(runId)) as RunState;
}

export async function load(h: AppHarness, runId = "run-1"): Promise<RunState> {
  const run = await h.services.store.loadRun(runId);
  if (!run) throw new Error(`no run ${runId}`);
  return run;
}

/** The audit entries of a run without their timestamps. */
export async function audit(h: AppHarness, runId = "run-1"): Promise<Omit<AuditEntry, "at">[]> {
  return (await h.services.store.listAudit(runId)).map(({ at: _at, ...rest }) => rest);
}

/** A request another part of the app made while a test ran (check runs, gate reads): answered, not asserted. */
export interface BackgroundRequest {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
}

const HOST = `${API}:443`;

/** Whether the test itself expects a request to this method and path (its own mock is still pending). */
function expected(method: string, uri: string): boolean {
  const path = uri.split("?")[0];
  return nock.pendingMocks().some((m) => m.split("?")[0] === `${method} ${HOST}${path}`);
}

/**
 * Answers what other parts of the app ask GitHub while a merge/deploy test runs, so each test's own mocks can
 * be exact: the check-run reporter (POST/PATCH check runs, GET check runs by name) and gate evaluation (GET the
 * PR, its reviews). A request the test itself expects (its mock is pending) is left to that mock. Returns the
 * list of requests answered here, for the lead to reconcile with the reporter's own tests.
 */
export function answerOtherParts(): BackgroundRequest[] {
  const seen: BackgroundRequest[] = [];
  let nextId = 5000;
  // nock 15 hands reply functions the fetch Request.
  const record = async (req: Request): Promise<Record<string, unknown>> => {
    const text = req.method === "GET" ? "" : await req.text();
    const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    const url = new URL(req.url);
    seen.push({ method: req.method, path: url.pathname + url.search, body });
    return body;
  };
  nock(API)
    .persist()
    .post((uri) => uri === `${R}/check-runs` && !expected("POST", uri))
    .optionally()
    .reply(201, async (req: Request) => {
      const b = await record(req);
      return {
        id: nextId++,
        name: b.name,
        head_sha: b.head_sha,
        external_id: b.external_id,
        status: b.status,
      };
    });
  nock(API)
    .persist()
    .patch((uri) => uri.startsWith(`${R}/check-runs/`))
    .optionally()
    .reply(200, async (req: Request) => {
      await record(req);
      return {};
    });
  nock(API)
    .persist()
    .get((uri) => /\/commits\/[^/]+\/check-runs\?/.test(uri) && uri.includes("check_name="))
    .optionally()
    .reply(200, async (req: Request) => {
      await record(req);
      return { total_count: 0, check_runs: [] };
    });
  nock(API)
    .persist()
    .get((uri) => /\/pulls\/\d+$/.test(uri) && uri.startsWith(`${R}/`) && !expected("GET", uri))
    .optionally()
    .reply(200, async (req: Request) => {
      await record(req);
      const number = Number(new URL(req.url).pathname.split("/").pop());
      return {
        number,
        state: "open",
        merged: false,
        head: { sha: HEAD },
        user: { login: "alice", type: "User" },
      };
    });
  nock(API)
    .persist()
    .get((uri) => /^\/repos\/acme\/widgets\/pulls\/\d+\/reviews/.test(uri))
    .optionally()
    .reply(200, async (req: Request) => {
      await record(req);
      return [];
    });
  return seen;
}
