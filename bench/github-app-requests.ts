import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import type { Probot } from "probot";
import type { RunState } from "../src/core/run/run-state.js";
import { APP_ID, type BenchApp, problemLines, startBenchApp } from "./github-app-boot.js";
import { CLEAN_DIFF, FINDINGS_DIFF, STANDARD_WORKFLOW } from "./github-app-diffs.js";
import { type FakeFile, type ServedRequest, startFakeGitHub, TOKEN_ROUTE } from "./github-app-fake-github.js";
import { approvalEvent, OWNER, pullRequestEvent, REPO } from "./github-app-payloads.js";
import { fmt } from "./stats.js";

/** Issue 3's targets for one standard run, the installation token not counted. */
export const TARGET_TOTAL = 15;
export const TARGET_WRITES = 8;
/** Production coalescing of check-run PATCHes; writes are not spaced (it changes timing, not counts). */
const TUNING = { checkRunIntervalMs: 1000 };
const PACE = { writeIntervalMs: 0 };
const WAIT_MS = 60_000;

const AUTHOR = "octo-author";
const REVIEWER = "octo-reviewer";

export interface RouteCount {
  readonly route: string;
  readonly untilGate: number;
  readonly afterApproval: number;
}

export interface RunRequests {
  readonly label: string;
  readonly files: number;
  readonly findings: number;
  /** Final run status, or what went wrong ("did not reach the gate: …"). */
  readonly outcome: string;
  readonly reachedGate: boolean;
  /** Reached the gate, then finished `succeeded` (merged): only then are the counts a standard run's. */
  readonly complete: boolean;
  readonly wallMs: number;
  readonly tokenRequests: number;
  readonly reads: number;
  readonly writes: number;
  readonly routes: readonly RouteCount[];
  readonly unknown: readonly string[];
  readonly reviews: number;
  readonly problems: readonly string[];
  /** When the `pull_request.opened` webhook was delivered, in ms since the epoch (`performance.timeOrigin` based). */
  readonly openedAt: number;
  /** Every request with when the fake GitHub handled it (same clock as `openedAt`), the token requests too. */
  readonly served: readonly ServedRequest[];
}

/** How `benchStandardRun` sets up the app and the fake GitHub beyond the defaults. */
export interface StandardRunOptions {
  /** Spacing of writes per installation; default 0 (not spaced): counts only. */
  readonly writeIntervalMs?: number;
  /** The fake GitHub's latency per request; default 0. */
  readonly latencyMs?: number;
  /** More environment for the app, e.g. a model provider (default: the heuristic provider). */
  readonly env?: Readonly<Record<string, string>>;
  /** How long the app has been up when the webhook comes; default 0 (at once). */
  readonly upMs?: number;
}

const isWrite = (r: ServedRequest) => r.method !== "GET" && r.method !== "HEAD";

async function deliver(probot: Probot, name: string, payload: Record<string, unknown>): Promise<void> {
  await probot.receive({ id: randomUUID(), name, payload } as Parameters<Probot["receive"]>[0]);
}

/** Polls the PR's newest run until `done(run)` or `WAIT_MS`; returns the last state seen. */
async function waitForRun(app: BenchApp, number: number, done: (run: RunState) => boolean) {
  const until = performance.now() + WAIT_MS;
  let run: RunState | null = null;
  while (performance.now() < until) {
    const [id] = await app.services.github.runIdsFor(`${OWNER}/${REPO}`, number);
    run = id ? await app.services.store.loadRun(id) : null;
    if (run && done(run)) return { run, ok: true };
    await sleep(20);
  }
  return { run, ok: false };
}

const approvalWaiting = (run: RunState) =>
  run.plan.steps.some((p) => p.kind === "approval" && run.steps.get(p.id)?.status === "waiting");
const finished = (run: RunState) => ["succeeded", "failed", "cancelled"].includes(run.status);
const describeRun = (run: RunState | null) =>
  run
    ? `run ${run.status}; ${run.plan.steps.map((p) => `${p.id} ${run.steps.get(p.id)?.status}`).join(", ")}`
    : "no run was created";

/**
 * One standard run through the real app against a fake GitHub: `pull_request.opened`, wait until the approval
 * gate waits, a human's APPROVED review on the head SHA (`pull_request_review.submitted`), wait until the run
 * finished and every coalesced check-run update went out. Counts every request the app made.
 */
export async function benchStandardRun(
  label: string,
  diff: readonly FakeFile[],
  options: StandardRunOptions = {},
): Promise<RunRequests> {
  const { writeIntervalMs = PACE.writeIntervalMs, latencyMs = 0, env = {}, upMs = 0 } = options;
  const fake = await startFakeGitHub({
    appId: APP_ID,
    owner: OWNER,
    repo: REPO,
    workflowYaml: STANDARD_WORKFLOW,
    latencyMs,
  });
  const app = await startBenchApp(fake.url, { tuning: TUNING, paceLimits: { writeIntervalMs }, env });
  const number = 7;
  const pr = fake.pull(number);
  pr.author = AUTHOR;
  pr.files = diff;
  if (upMs > 0) await sleep(upMs);
  const t0 = performance.now();
  const openedAt = performance.timeOrigin + t0;
  let outcome: string;
  let gateMark = -1;
  let reachedGate = false;
  let run: RunState | null = null;
  try {
    await deliver(app.probot, "pull_request", pullRequestEvent("opened", number, pr.headSha, AUTHOR));
    const gate = await waitForRun(app, number, (r) => approvalWaiting(r) || finished(r));
    run = gate.run;
    reachedGate = gate.ok && !!run && approvalWaiting(run);
    if (!reachedGate) {
      await app.idle(10_000);
      outcome = `did not reach the gate: ${describeRun(run)}`;
    } else {
      await app.idle(WAIT_MS);
      gateMark = fake.served.length;
      fake.addReview(number, { user: REVIEWER, state: "APPROVED", commitId: pr.headSha });
      await deliver(app.probot, "pull_request_review", approvalEvent(number, pr.headSha, AUTHOR, REVIEWER));
      const end = await waitForRun(app, number, finished);
      run = end.run;
      await app.idle(WAIT_MS);
      outcome = end.ok ? `run ${run?.status}` : `did not finish: ${describeRun(run)}`;
      if (end.ok && run?.status !== "succeeded") outcome = describeRun(run);
    }
  } catch (err) {
    outcome = `bench error: ${err instanceof Error ? err.message : String(err)}`;
  }
  const wallMs = performance.now() - t0;
  await app.stop();
  await fake.close();

  const served = fake.served;
  if (process.env.PHASEGATE_BENCH_TRACE) {
    for (const [i, r] of served.entries()) {
      const mark = i === gateMark ? "── approval ──\n  " : "  ";
      const at = `+${Math.round(r.at - openedAt)} ms`;
      process.stderr.write(`[${label}] ${mark}${at} ${r.method} ${r.detail} → ${r.status}\n`);
    }
  }
  const counts = new Map<string, { untilGate: number; afterApproval: number }>();
  served.forEach((r, i) => {
    if (r.route === TOKEN_ROUTE) return;
    const c = counts.get(r.route) ?? { untilGate: 0, afterApproval: 0 };
    if (gateMark >= 0 && i >= gateMark) c.afterApproval += 1;
    else c.untilGate += 1;
    counts.set(r.route, c);
  });
  const api = served.filter((r) => r.route !== TOKEN_ROUTE);
  const findings = run
    ? run.plan.steps.reduce((n, p) => n + (run?.steps.get(p.id)?.output?.findings?.length ?? 0), 0)
    : 0;
  return {
    label,
    files: diff.length,
    findings,
    outcome,
    reachedGate,
    complete: reachedGate && run?.status === "succeeded",
    wallMs,
    tokenRequests: served.length - api.length,
    reads: api.filter((r) => !isWrite(r)).length,
    writes: api.filter(isWrite).length,
    routes: [...counts].map(([route, c]) => ({ route, ...c })).sort((a, b) => a.route.localeCompare(b.route)),
    unknown: [...new Set(api.filter((r) => !r.known).map((r) => r.route))],
    reviews: api.filter((r) => r.route === "POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews").length,
    problems: problemLines(app.problems),
    openedAt,
    served,
  };
}

/** Runs per scenario: how many requests a run makes depends a little on timing (what a coalesced PATCH catches). */
const REPEATS = 3;

/** One scenario, `REPEATS` times (fresh app, database and fake GitHub each time). */
export interface ScenarioRequests {
  /** The run with the most requests: its table is printed and judged. */
  readonly worst: RunRequests;
  readonly totals: readonly string[];
}

async function scenario(label: string, diff: readonly FakeFile[], writeIntervalMs?: number) {
  const runs: RunRequests[] = [];
  for (let i = 0; i < REPEATS; i++)
    runs.push(await benchStandardRun(label, diff, writeIntervalMs === undefined ? {} : { writeIntervalMs }));
  const size = (r: RunRequests) => (r.complete ? 0 : 1000) + r.reads + r.writes;
  const worst = runs.reduce((a, b) => (size(b) > size(a) ? b : a));
  return { worst, totals: runs.map((r) => `${r.reads + r.writes} (${r.writes} writes)`) };
}

/** Both scenarios of issue 3 (a diff with findings: one PR review; a clean diff: none), then production spacing. */
export async function benchRequests(): Promise<ScenarioRequests[]> {
  return [
    await scenario("diff with findings", FINDINGS_DIFF),
    await scenario("clean diff", CLEAN_DIFF),
    await scenario("diff with findings, production write spacing (1000 ms)", FINDINGS_DIFF, 1000),
  ];
}

const verdict = (ok: boolean) => (ok ? "met" : "NOT met");

/** The figures as lines for `npm run bench`. */
export function requestLines(results: readonly ScenarioRequests[]): string[] {
  const lines = [
    "real createApp in a real Probot (baseUrl = a fake GitHub API on 127.0.0.1), temp SQLite, heuristic provider",
    `workflow: review (review + security + tests) → approve (approval, count 1) → merge (squash); events:`,
    "  pull_request.opened, then (run waiting at the gate) pull_request_review.submitted APPROVED on the head SHA",
    `pacing: check-run PATCHes coalesced at ${TUNING.checkRunIntervalMs} ms (production); writes spaced ${PACE.writeIntervalMs} ms`,
    "  (production: 1000 ms, used by the last scenario: the spacing changes what a coalesced PATCH catches)",
    `targets per run (installation token not counted): ≤ ${TARGET_TOTAL} requests in all, ≤ ${TARGET_WRITES} writes; ` +
      `each scenario runs ${REPEATS} times, the run with the most requests is shown and judged`,
  ];
  for (const { worst: r, totals } of results) {
    const total = r.reads + r.writes;
    lines.push(
      `${r.label} (${r.files} files, ${r.findings} findings; ${r.outcome}; ${fmt(r.wallMs)} ms): ` +
        `${total} requests = ${r.reads} reads + ${r.writes} writes, +${r.tokenRequests} installation token · ` +
        `≤ ${TARGET_TOTAL} in all: ${verdict(total <= TARGET_TOTAL && r.complete)} · ` +
        `≤ ${TARGET_WRITES} writes: ${verdict(r.writes <= TARGET_WRITES && r.complete)} · PR reviews posted: ${r.reviews}`,
      `  requests per run over the ${REPEATS} runs: ${totals.join(", ")}`,
    );
    const width = Math.max(40, ...r.routes.map((x) => x.route.length));
    lines.push(`  ${"route".padEnd(width)}  until gate  after approval  total`);
    for (const x of r.routes) {
      lines.push(
        `  ${x.route.padEnd(width)}  ${String(x.untilGate).padStart(10)}  ${String(x.afterApproval).padStart(14)}  ${String(x.untilGate + x.afterApproval).padStart(5)}`,
      );
    }
    if (r.routes.length === 0) lines.push("  (no requests)");
    for (const p of r.problems.slice(0, 8)) lines.push(`  ${p}`);
  }
  return lines;
}
