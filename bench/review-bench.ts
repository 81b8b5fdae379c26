import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FileDiff } from "../src/core/diff/diff.js";
import { parseUnifiedDiff } from "../src/core/diff/parse-unified-diff.js";
import { skipReason } from "../src/core/diff/skip-files.js";
import { planWorkflow } from "../src/core/run/plan.js";
import { newRunState } from "../src/core/run/run-state.js";
import { openAgentCache } from "../src/db/open-agent-cache.js";
import { agentExecutor } from "../src/engine/executors/agent-executor.js";
import type { AgentCache, StepResult } from "../src/engine/ports.js";
import { OpenAIProvider } from "../src/llm/openai-provider.js";
import { type FakeOpenAI, startFakeOpenAI } from "./fake-openai-server.js";
import { buildFixturePr } from "./review-fixture.js";

const MODEL = "gpt-4o-mini";
const KINDS = ["review", "security", "tests"] as const;
type Kind = (typeof KINDS)[number];

export interface ReviewFigures {
  readonly files: number;
  readonly reviewable: number;
  readonly changedLines: number;
  readonly full: Record<Kind, { prompt: number; total: number; calls: number }>;
  readonly rereview: Record<Kind, { total: number; calls: number }>;
  readonly unchanged: Record<Kind, { total: number; calls: number }>;
  readonly budget32k: { reviewed: number; reviewable: number; tokens: number };
  readonly serverURL: string;
}

let runs = 0;

/** Runs one agent step of `kind` over `files` the way the engine would, returning its result. */
async function step(
  kind: Kind,
  files: readonly FileDiff[],
  server: FakeOpenAI,
  cache: AgentCache | null,
  settings: { budget_tokens?: number; max_parallel?: number } = {},
): Promise<StepResult> {
  const plan = planWorkflow(
    {
      version: 1,
      settings: { model: MODEL, max_parallel: 4, budget_tokens: 1_000_000, ...settings },
      workflows: { w: { phases: { p: { steps: [{ id: kind, uses: kind, fail_on: "never" }] } } } },
    },
    "w",
  );
  runs += 1;
  const run = newRunState({
    id: `bench-${runs}`,
    plan,
    facts: {
      source: "local",
      repo: "bench",
      number: 1,
      headSha: "0".repeat(40),
      baseRef: "main",
      author: "bench",
      labels: [],
      changedFiles: files.map((f) => f.path),
      title: "Billing limits",
    },
    createdAt: 0,
  });
  const provider = new OpenAIProvider({ apiKey: "bench-no-key", baseURL: server.baseURL, maxRetries: 0 });
  const execute = agentExecutor({
    provider,
    cache,
    inputs: async () => ({
      files,
      pr: {
        title: "Billing: configurable limits",
        body: "Adds limit checks to orders, invoices and refunds.",
      },
      issue: null,
    }),
  });
  const result = await execute({
    run,
    step: plan.steps[0]!,
    attempt: 1,
    signal: new AbortController().signal,
  });
  if (result.outcome !== "succeeded") throw new Error(`bench step ${kind} failed: ${JSON.stringify(result)}`);
  return result;
}

const callsOf = (r: StepResult) =>
  ((r.outcome === "succeeded" && (r.output.data?.calls as unknown[])) || []).length;
const promptOf = (r: StepResult) => Number((r.outcome === "succeeded" && r.output.data?.promptTokens) || 0);
const tokensOf = (r: StepResult) => (r.outcome === "succeeded" ? (r.tokens ?? 0) : 0);

/**
 * The token cost of model review on a realistic ~30-file, ~2,000-line pull request, against a local fake
 * OpenAI-compatible server that counts tokens with the real tokenizer: full review per kind, a re-review after a
 * push touching one file, an unchanged re-run, and how much of the PR a 32k-token run budget covers.
 */
export async function benchReview(): Promise<ReviewFigures> {
  const pr = buildFixturePr();
  const files = parseUnifiedDiff(pr.diff);
  const pushed = parseUnifiedDiff(pr.diffAfterPush);
  const dir = mkdtempSync(join(tmpdir(), "phasegate-review-bench-db-"));
  const server = await startFakeOpenAI(MODEL);
  const { cache, close } = await openAgentCache(`sqlite:${join(dir, "cache.db")}`);
  try {
    const full = {} as ReviewFigures["full"];
    const rereview = {} as ReviewFigures["rereview"];
    const unchanged = {} as ReviewFigures["unchanged"];
    for (const kind of KINDS) {
      const first = await step(kind, files, server, cache);
      full[kind] = { prompt: promptOf(first), total: tokensOf(first), calls: callsOf(first) };
      const again = await step(kind, pushed, server, cache);
      rereview[kind] = { total: tokensOf(again), calls: callsOf(again) };
      const same = await step(kind, pushed, server, cache);
      unchanged[kind] = { total: tokensOf(same), calls: callsOf(same) };
    }
    const limited = await step("review", files, server, null, { budget_tokens: 32_000 });
    const reviewable = files.filter((f) => !skipReason(f));
    const missed = new Set(
      (limited.outcome === "succeeded" ? (limited.output.notReviewed ?? []) : []).map((n) => n.path),
    );
    return {
      files: files.length,
      reviewable: reviewable.length,
      changedLines: files.reduce((n, f) => n + f.additions + f.deletions, 0),
      full,
      rereview,
      unchanged,
      budget32k: {
        reviewed: reviewable.filter((f) => !missed.has(f.path)).length,
        reviewable: reviewable.length,
        tokens: tokensOf(limited),
      },
      serverURL: server.baseURL,
    };
  } finally {
    await close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const pct = (part: number, whole: number) => `${whole === 0 ? 0 : ((100 * part) / whole).toFixed(1)}%`;

/** The figures as lines for `npm run bench`. */
export function reviewLines(f: ReviewFigures): string[] {
  const lines = [
    `fixture PR: ${f.files} files (${f.reviewable} reviewable), ${f.changedLines} changed lines; model ${MODEL}`,
    `provider: OpenAIProvider against a fake OpenAI-compatible HTTP server on ${f.serverURL} (no network),`,
    "  counting tokens with gpt-tokenizer (o200k_base) as OpenAI bills them; cache in a temp SQLite file",
  ];
  for (const kind of KINDS) {
    const full = f.full[kind];
    const re = f.rereview[kind];
    const same = f.unchanged[kind];
    lines.push(
      `${kind.padEnd(8)} full review: ${full.prompt} prompt tokens (${full.total} total, ${full.calls} calls) · ` +
        `re-review after a 1-file push: ${re.total} tokens, ${re.calls} call${re.calls === 1 ? "" : "s"} (${pct(re.total, full.total)} of full; target ≤ 15%) · ` +
        `unchanged re-run: ${same.total} tokens, ${same.calls} calls (target 0)`,
    );
  }
  lines.push(
    `32k-token run budget (review): ${f.budget32k.reviewed} of ${f.budget32k.reviewable} reviewable files reviewed ` +
      `(${pct(f.budget32k.reviewed, f.budget32k.reviewable)}), ${f.budget32k.tokens} tokens spent; the rest listed as not reviewed`,
  );
  return lines;
}
