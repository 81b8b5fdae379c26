import { performance } from "node:perf_hooks";
import type { FileDiff } from "../src/core/diff/diff.js";
import { parseUnifiedDiff } from "../src/core/diff/parse-unified-diff.js";
import { planWorkflow } from "../src/core/run/plan.js";
import { newRunState } from "../src/core/run/run-state.js";
import type { WorkflowFile } from "../src/core/workflow/workflow.schema.js";
import { agentExecutor } from "../src/engine/executors/agent-executor.js";
import type { ShadowResult, StepResult } from "../src/engine/ports.js";
import { OpenAIProvider } from "../src/llm/openai-provider.js";
import { startFakeOpenAI } from "./fake-openai-server.js";
import { buildFixturePr } from "./review-fixture.js";

const MODEL = "gpt-4o-mini";
const SHADOW = "gpt-4.1-mini";
/**
 * Simulated model latencies (none: the cost of the work itself; 500 ms: a fast real model's), with the default
 * budgets (200,000 tokens a run, so 50,000 for shadows), and once with a shadow budget too small for the PR.
 */
const SCENARIOS = [
  { latencyMs: 0, shadowBudget: null },
  { latencyMs: 500, shadowBudget: null },
  { latencyMs: 500, shadowBudget: 20_000 },
] as const;
const REPEATS = 3;

export interface ShadowFigures {
  readonly files: number;
  readonly rows: readonly {
    readonly latencyMs: number;
    readonly shadowBudget: number;
    readonly plain: { tokens: number; calls: number; wallMs: number };
    readonly shadowed: {
      tokens: number;
      shadowTokens: number;
      calls: number;
      wallMs: number;
      error: string | null;
    };
  }[];
}

let runs = 0;

/** One `review` step of the fixture PR as the engine runs it, with or without a shadow model. */
async function review(
  files: readonly FileDiff[],
  baseURL: string,
  shadow: boolean,
  shadowBudget: number | null,
): Promise<{ result: StepResult; stored: ShadowResult | null; wallMs: number; shadowBudget: number }> {
  const file = {
    version: 1,
    settings: {
      model: MODEL,
      max_parallel: 4,
      ...(shadowBudget !== null && { shadow_budget_tokens: shadowBudget }),
    },
    agents: { reviewer: shadow ? { shadow: SHADOW } : {} },
    workflows: {
      w: { phases: { p: { steps: [{ id: "r", uses: "review", agent: "reviewer", fail_on: "never" }] } } },
    },
  } as unknown as WorkflowFile;
  const plan = planWorkflow(file, "w");
  runs += 1;
  const run = newRunState({
    id: `shadow-bench-${runs}`,
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
  let stored: ShadowResult | null = null;
  const execute = agentExecutor({
    provider: new OpenAIProvider({ apiKey: "bench-no-key", baseURL, maxRetries: 0 }),
    cache: null,
    inputs: async () => ({
      files,
      pr: {
        title: "Billing: configurable limits",
        body: "Adds limit checks to orders, invoices and refunds.",
      },
      issue: null,
    }),
    shadows: {
      store: async (r) => {
        stored = r;
      },
    },
  });
  const started = performance.now();
  const result = await execute({
    run,
    step: plan.steps[0]!,
    attempt: 1,
    signal: new AbortController().signal,
  });
  const wallMs = performance.now() - started;
  if (result.outcome !== "succeeded") throw new Error(`shadow bench step failed: ${JSON.stringify(result)}`);
  return { result, stored, wallMs, shadowBudget: plan.shadowBudgetTokens ?? 0 };
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const tokensOf = (r: StepResult) => (r.outcome === "succeeded" ? (r.tokens ?? 0) : 0);

/**
 * What a shadow model costs on the bench's ~30-file PR: the `review` step with and without `shadow:`, against the
 * local fake OpenAI-compatible server (real tokenizer), no cache, `max_parallel: 4`; median wall time of 3 runs.
 */
export async function benchShadow(): Promise<ShadowFigures> {
  const files = parseUnifiedDiff(buildFixturePr().diff);
  const rows: ShadowFigures["rows"][number][] = [];
  for (const { latencyMs, shadowBudget } of SCENARIOS) {
    const server = await startFakeOpenAI(MODEL, { delayMs: latencyMs });
    try {
      const plain: { tokens: number; calls: number; wallMs: number }[] = [];
      const shadowed: {
        tokens: number;
        shadowTokens: number;
        calls: number;
        wallMs: number;
        error: string | null;
      }[] = [];
      let budget = 0;
      for (let i = 0; i < REPEATS; i++) {
        let before = server.calls.length;
        const a = await review(files, server.baseURL, false, shadowBudget);
        plain.push({ tokens: tokensOf(a.result), calls: server.calls.length - before, wallMs: a.wallMs });
        before = server.calls.length;
        const b = await review(files, server.baseURL, true, shadowBudget);
        budget = b.shadowBudget;
        shadowed.push({
          tokens: tokensOf(b.result),
          shadowTokens: b.stored?.tokens ?? 0,
          calls: server.calls.length - before,
          wallMs: b.wallMs,
          error: b.stored ? b.stored.error : "not stored",
        });
      }
      rows.push({
        latencyMs,
        shadowBudget: budget,
        plain: { ...(plain[0] as (typeof plain)[number]), wallMs: median(plain.map((p) => p.wallMs)) },
        shadowed: {
          ...(shadowed[0] as (typeof shadowed)[number]),
          wallMs: median(shadowed.map((s) => s.wallMs)),
        },
      });
    } finally {
      await server.close();
    }
  }
  return { files: files.length, rows };
}

/** The figures as lines for `npm run bench`. */
export function shadowLines(f: ShadowFigures): string[] {
  return f.rows.map((r) => {
    const added = r.shadowed.wallMs - r.plain.wallMs;
    return (
      `shadow (${f.files}-file PR, review, ${r.latencyMs} ms model calls, shadow budget ${r.shadowBudget}): ` +
      `without ${r.plain.tokens} tokens, ${r.plain.calls} calls, ${Math.round(r.plain.wallMs)} ms · ` +
      `with shadow: ${r.shadowed.tokens} + ${r.shadowed.shadowTokens} shadow tokens ` +
      `(+${((100 * r.shadowed.shadowTokens) / Math.max(1, r.plain.tokens)).toFixed(0)}%), ${r.shadowed.calls} calls, ` +
      `${Math.round(r.shadowed.wallMs)} ms (${added >= 0 ? "+" : ""}${Math.round(added)} ms)` +
      (r.shadowed.error ? ` · shadow error: ${r.shadowed.error}` : "")
    );
  });
}

/** `npm run bench -- review` prints these after the review figures. */
export async function printShadowBench(): Promise<void> {
  console.log("phasegate bench — shadow model (tokens and wall time a shadow adds)");
  for (const line of shadowLines(await benchShadow())) console.log(`  ${line}`);
}
