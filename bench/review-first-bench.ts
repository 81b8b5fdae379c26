import { Worker } from "node:worker_threads";
import { type FakeOpenAI, startFakeOpenAI } from "./fake-openai-server.js";
import type { FakeFile, ServedRequest } from "./github-app-fake-github.js";
import type { RunRequests } from "./github-app-requests.js";
import type { ReviewFirstSettings } from "./review-first-worker.js";
import { buildFixturePr } from "./review-fixture.js";
import { fmt, quantile } from "./stats.js";

/** Issue 11's target: the PR review is on GitHub at most 1.5 s after the `pull_request.opened` webhook. */
export const TARGET_REVIEW_MS = 1500;
const RUNS = 5;
const MODEL = "gpt-4o-mini";
const MODEL_LATENCY_MS = 500;
const GITHUB_LATENCY_MS = 50;
/** The app has been up this long when the webhook comes (as a server has, between deployments). */
const UP_MS = 1000;
const REVIEW_ROUTE = "POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews";
const FILES_ROUTE = "GET /repos/{owner}/{repo}/pulls/{pull_number}/files";
const TOKEN_ROUTE = "POST /app/installations/{installation_id}/access_tokens";

/** One run's timeline, in ms after the webhook. */
export interface ReviewFirstRun {
  readonly outcome: string;
  readonly complete: boolean;
  readonly filesRead: number | null;
  readonly firstModelCall: number | null;
  readonly lastModelAnswer: number | null;
  readonly reviewPosted: number | null;
  /** The writes GitHub got before the review, e.g. `POST check-runs name=agents`. */
  readonly writesBefore: readonly string[];
  readonly requests: number;
  readonly writes: number;
  readonly problems: readonly string[];
}

export interface ReviewFirstFigures {
  readonly files: number;
  readonly changedLines: number;
  readonly runs: readonly ReviewFirstRun[];
}

/** The fixture PR (~30 files, ~1,900 changed lines) as GET /pulls/{n}/files lists it. */
export function fixtureFiles(): FakeFile[] {
  const { diff } = buildFixturePr();
  const out: FakeFile[] = [];
  for (const part of diff.split(/^diff --git /m).slice(1)) {
    const path = /^\+\+\+ b\/(.+)$/m.exec(part)?.[1] ?? /^--- a\/(.+)$/m.exec(part)?.[1];
    const hunks = part.indexOf("\n@@");
    if (!path || hunks < 0) continue;
    const status = /^new file mode/m.test(part)
      ? "added"
      : /^deleted file mode/m.test(part)
        ? "removed"
        : "modified";
    out.push({ filename: path, status, patch: part.slice(hunks + 1).replace(/\n$/, "") });
  }
  return out;
}

const isWrite = (r: ServedRequest) => r.method !== "GET" && r.method !== "HEAD";

function runOnce(settings: ReviewFirstSettings): Promise<RunRequests> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./review-first-worker.js", import.meta.url), { workerData: settings });
    worker.once("message", (m: RunRequests) => resolve(m));
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`the bench worker exited (${code}) without a result`)));
  });
}

function timeline(r: RunRequests, model: FakeOpenAI, callsBefore: number): ReviewFirstRun {
  const after = (at: number | null | undefined) => (at == null ? null : at - r.openedAt);
  const review = r.served.find((x) => x.route === REVIEW_ROUTE);
  const calls = model.calls.slice(callsBefore);
  const api = r.served.filter((x) => x.route !== TOKEN_ROUTE);
  return {
    outcome: r.outcome,
    complete: r.complete,
    filesRead: after(r.served.find((x) => x.route === FILES_ROUTE)?.at),
    firstModelCall: after(calls.length > 0 ? Math.min(...calls.map((c) => c.receivedAt)) : null),
    lastModelAnswer: after(
      calls.length > 0 ? Math.max(...calls.map((c) => c.answeredAt ?? Number.NaN)) : null,
    ),
    reviewPosted: after(review?.at),
    writesBefore: api
      .filter((x) => isWrite(x) && (!review || x.at < review.at))
      .map((x) => `${x.method} ${x.detail.replace(/^\/repos\/[^/]+\/[^/]+\//, "").split(" title=")[0]}`),
    requests: api.length,
    writes: api.filter(isWrite).length,
    problems: r.problems,
  };
}

/**
 * Webhook → PR review on GitHub, issue 11: a 30-file PR reviewed by review, security and tests steps of a model
 * answering in 500 ms (fake OpenAI-compatible server), against a fake GitHub answering in 50 ms, with production
 * pacing (1 write/s per installation, check-run updates coalesced at 1 s). Each run is a whole standard run
 * (through approval and merge) in a fresh worker thread: its app starts as a fresh process would.
 */
export async function benchReviewFirst(): Promise<ReviewFirstFigures> {
  const files = fixtureFiles();
  const changedLines = files.reduce(
    (n, f) => n + f.patch.split("\n").filter((l) => /^[+-]/.test(l)).length,
    0,
  );
  const model = await startFakeOpenAI(MODEL, { delayMs: MODEL_LATENCY_MS });
  try {
    const runs: ReviewFirstRun[] = [];
    for (let i = 0; i < RUNS; i++) {
      const before = model.calls.length;
      const result = await runOnce({
        files,
        options: {
          writeIntervalMs: 1000,
          latencyMs: GITHUB_LATENCY_MS,
          upMs: UP_MS,
          env: { OPENAI_API_KEY: "bench-no-key", OPENAI_BASE_URL: model.baseURL },
        },
      });
      runs.push(timeline(result, model, before));
    }
    return { files: files.length, changedLines, runs };
  } finally {
    await model.close();
  }
}

const ms = (v: number | null) => (v === null ? "—" : `${fmt(v)} ms`);

/** The figures as lines for `npm run bench`. */
export function reviewFirstLines({ files, changedLines, runs }: ReviewFirstFigures): string[] {
  const posted = runs.map((r) => r.reviewPosted ?? Number.POSITIVE_INFINITY);
  const sorted = [...posted].sort((a, b) => a - b);
  const p50 = quantile(sorted, 0.5);
  const worst = sorted[sorted.length - 1] ?? Number.POSITIVE_INFINITY;
  const lines = [
    `real createApp in a worker thread per run (fresh modules, as a new process), up ${UP_MS} ms before the webhook;`,
    `  OpenAIProvider (${MODEL}) against a fake OpenAI-compatible server answering in ${MODEL_LATENCY_MS} ms;`,
    `  fake GitHub answering in ${GITHUB_LATENCY_MS} ms; production pacing (1 write/s per installation, check-run`,
    `  updates coalesced at 1 s); the fixture PR (${files} files, ${changedLines} changed lines); standard workflow`,
    "  (review + security + tests → approval → merge), each run through the merge",
    `webhook → PR review posted over ${runs.length} runs: p50 ${ms(p50)}, worst ${ms(worst)} · ` +
      `target ≤ ${TARGET_REVIEW_MS} ms: ${worst <= TARGET_REVIEW_MS ? "met" : "NOT met"}`,
    `requests per standard run (installation token not counted): ${runs
      .map((r) => `${r.requests} (${r.writes} writes)${r.complete ? "" : ` [${r.outcome}]`}`)
      .join(", ")} · target ≤ 15: ${runs.every((r) => r.complete && r.requests <= 15) ? "met" : "NOT met"}`,
  ];
  for (const [i, r] of runs.entries()) {
    lines.push(
      `run ${i + 1}: files read ${ms(r.filesRead)} · first model call ${ms(r.firstModelCall)} · last model answer ` +
        `${ms(r.lastModelAnswer)} · review posted ${ms(r.reviewPosted)} · writes before it: ${r.writesBefore.length === 0 ? "none" : r.writesBefore.join("; ")}`,
    );
  }
  for (const p of [...new Set(runs.flatMap((r) => r.problems))].slice(0, 8)) lines.push(p);
  return lines;
}
