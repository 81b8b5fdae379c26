import { randomBytes } from "node:crypto";
import pLimit from "p-limit";
import type { FileDiff } from "../core/diff/diff.js";
import { parseUnifiedDiff } from "../core/diff/parse-unified-diff.js";
import { type EvalCase, type EvalSummary, type EvalTrial, summarizeEval } from "../core/eval/eval-summary.js";
import { parseExpected } from "../core/eval/parse-expected.js";
import type { RunPlan, StepPlan } from "../core/run/plan.js";
import { newRunState, type RunFacts, type RunState } from "../core/run/run-state.js";
import { formatWorkflowError } from "../core/workflow/workflow-error.js";
import { errorMessage } from "./error-message.js";
import { agentExecutor } from "./executors/agent-executor.js";
import type { AgentProvider, StepExecutor, StepResult } from "./ports.js";
import { RunResources } from "./run-resources.js";

/**
 * Running a workflow's agent steps over labelled cases (`phasegate eval`, the `eval` step kind): no file I/O here,
 * the caller reads the cases (from a folder, from GitHub) and shows the result.
 */

/** A case ready to run: its name, its parsed diff and the expected findings. */
export interface LoadedCase extends EvalCase {
  readonly files: readonly FileDiff[];
}

/** A case, or every problem found in its two files, each with its place (`expected.yaml` with line:col). */
export type ParsedCase = { ok: true; case: LoadedCase } | { ok: false; errors: string[] };

/**
 * Checks one case's texts: `change.diff` must be a unified diff of at least one file, `expected.yaml` a list of
 * expected findings about files of that diff. A null text is a missing file. `place(file)` names a file of the
 * case in messages (`.agents/evals/sql-injection/expected.yaml`).
 */
export function parseCase(
  name: string,
  texts: { readonly diff: string | null; readonly expected: string | null },
  place: (file: "change.diff" | "expected.yaml") => string,
): ParsedCase {
  const { diff, expected } = texts;
  const errors: string[] = [];
  if (diff == null) errors.push(`${place("change.diff")}: missing (the case's unified diff)`);
  if (expected == null)
    errors.push(`${place("expected.yaml")}: missing (a list of expected findings, or [])`);
  if (diff == null || expected == null) return { ok: false, errors };
  const files = parseUnifiedDiff(diff);
  if (files.length === 0) {
    return {
      ok: false,
      errors: [`${place("change.diff")}: no file changes in this diff (expected the output of git diff)`],
    };
  }
  const parsed = parseExpected(
    expected,
    place("expected.yaml"),
    files.map((f) => f.path),
  );
  if (!parsed.ok) return { ok: false, errors: parsed.errors.map(formatWorkflowError) };
  return { ok: true, case: { name, expected: parsed.expected, files } };
}

/**
 * One token budget and one `max_parallel` for every trial run with it, across calls of `runEval` (the eval gate's
 * two sides): trials reserve and settle their calls against it as a run's steps do against the run's budget.
 */
export class EvalBudget {
  readonly tokens: number;
  readonly maxParallel: number;
  /** Trials given this budget share one run id, so `RunResources` gives them one share. */
  readonly runId = `eval-${randomBytes(6).toString("hex")}`;
  readonly resources = new RunResources();
  #spent = 0;

  constructor(tokens: number, maxParallel: number) {
    this.tokens = tokens;
    this.maxParallel = Math.max(1, maxParallel);
  }

  /** Tokens the trials spent so far. */
  get spent(): number {
    return this.#spent;
  }

  get exhausted(): boolean {
    return this.#spent >= this.tokens;
  }

  charge(tokens: number): void {
    this.#spent += tokens;
  }
}

export interface RunEvalOptions {
  readonly plan: RunPlan;
  readonly cases: readonly LoadedCase[];
  readonly provider: AgentProvider;
  readonly allowedModels: readonly string[];
  /** Called as each case finishes, with its trials, its wall time and its 1-based position. */
  readonly onCase?: (c: LoadedCase, trials: readonly EvalTrial[], ms: number, index: number) => void;
  /** Aborts the trials under way; no case starts once it is aborted. */
  readonly signal?: AbortSignal;
  /**
   * One budget for every trial: no case starts once it is spent. Without it every trial is a fresh run with the
   * plan's own budget.
   */
  readonly budget?: EvalBudget;
}

/**
 * Runs every case through every agent step of the plan, each step on each of its persona's `models` (or its one
 * model). Cases run one after another; a case's steps and models run together, at most `max_parallel` at once.
 * Every trial is a fresh run of its own (own token budget unless `budget` is given, no cache, no learning), with
 * `fail_on` off, so a failed trial always means the step could not finish.
 */
export async function runEval(opts: RunEvalOptions): Promise<EvalTrial[]> {
  const budget = opts.budget;
  const resources = budget?.resources ?? new RunResources();
  const plan = budget
    ? { ...opts.plan, budgetTokens: budget.tokens, maxParallel: budget.maxParallel }
    : opts.plan;
  const limit = pLimit(Math.max(1, plan.maxParallel));
  const trials: EvalTrial[] = [];
  for (const [i, c] of opts.cases.entries()) {
    if (opts.signal?.aborted || budget?.exhausted) break;
    const started = performance.now();
    const jobs = plan.steps
      .filter((s) => s.isAgent)
      .flatMap((step) =>
        (step.models ?? [step.model]).map((model) =>
          limit(() => trial({ ...opts, plan }, resources, c, step, model, model === step.model)),
        ),
      );
    const done = await Promise.all(jobs);
    for (const t of done) budget?.charge(t.promptTokens + t.completionTokens);
    trials.push(...done);
    opts.onCase?.(c, done, performance.now() - started, i + 1);
  }
  return trials;
}

/** What evaluating a plan came to: the trials, the rows and the workflow row, and how many cases ran. */
export interface EvalOutcome {
  readonly trials: readonly EvalTrial[];
  readonly summary: EvalSummary;
  /** Fewer than the cases given when the budget ran out or the signal aborted. */
  readonly casesRun: number;
}

/** `runEval`, then the rows (`summarizeEval`) over the cases that ran. */
export async function evaluatePlan(opts: RunEvalOptions): Promise<EvalOutcome> {
  const trials = await runEval(opts);
  const ran = new Set(trials.map((t) => t.caseName));
  // A plan without agent steps makes no trials: every case "ran" and found nothing.
  const cases = opts.plan.steps.some((s) => s.isAgent)
    ? opts.cases.filter((c) => ran.has(c.name))
    : opts.cases;
  return { trials, summary: summarizeEval(cases, trials), casesRun: cases.length };
}

async function trial(
  opts: RunEvalOptions,
  resources: RunResources,
  c: LoadedCase,
  step: StepPlan,
  model: string,
  isDefault: boolean,
): Promise<EvalTrial> {
  const planned = onModel(step, model);
  const facts: RunFacts = {
    source: "local",
    repo: "phasegate-eval",
    number: null,
    headSha: "eval",
    baseRef: null,
    author: null,
    labels: [],
    changedFiles: c.files.map((f) => f.path),
    title: null,
  };
  const run = newRunState({
    id: opts.budget?.runId ?? `eval-${randomBytes(6).toString("hex")}`,
    plan: { ...opts.plan, steps: opts.plan.steps.map((s) => (s.id === step.id ? planned : s)) },
    facts,
    createdAt: Date.now(),
  });
  // The model sees the diff only: a PR title naming the case would give the answer away.
  const inputs = { files: c.files, pr: { title: "", body: "" }, issue: null };
  const execute = agentExecutor({
    provider: opts.provider,
    inputs: async () => inputs,
    cache: null,
    allowedModels: opts.allowedModels,
    resources,
  });
  let promptTokens = 0;
  let completionTokens = 0;
  let latencyMs = 0;
  let result: StepResult | null = null;
  for (let attempt = 1; attempt <= planned.retries + 1; attempt++) {
    result = await attemptStep(execute, run, planned, attempt, opts.signal);
    const data = "output" in result ? result.output?.data : undefined;
    promptTokens += Number(data?.promptTokens ?? 0);
    completionTokens += Number(data?.completionTokens ?? 0);
    latencyMs += Number(data?.latencyMs ?? 0);
    if (result.outcome !== "failed" || !result.retryable || opts.signal?.aborted) break;
  }
  const output = result && "output" in result ? result.output : undefined;
  return {
    caseName: c.name,
    step: step.id,
    kind: step.kind,
    model,
    isDefault,
    findings: output?.findings ?? [],
    promptTokens,
    completionTokens,
    latencyMs,
    error: result?.outcome === "failed" || result?.outcome === "refused" ? result.error : null,
  };
}

/**
 * One attempt within the step's timeout (and `outer`, the caller's signal); a throw (a timeout, a bug) is a
 * retryable failure like in the engine.
 */
async function attemptStep(
  execute: StepExecutor,
  run: RunState,
  step: StepPlan,
  attempt: number,
  outer: AbortSignal | undefined,
): Promise<StepResult> {
  const controller = new AbortController();
  const timer =
    step.timeoutMs === null
      ? null
      : setTimeout(() => controller.abort(new Error("timed out")), step.timeoutMs);
  const stop = () => controller.abort(outer?.reason);
  if (outer?.aborted) stop();
  else outer?.addEventListener("abort", stop, { once: true });
  try {
    return await execute({ run, step, attempt, signal: controller.signal });
  } catch (err) {
    const reason = controller.signal.reason as Error | undefined;
    return {
      outcome: "failed",
      retryable: true,
      error: controller.signal.aborted
        ? reason?.message === "timed out"
          ? "timed out"
          : `stopped: ${errorMessage(reason ?? err)}`
        : errorMessage(err),
    };
  } finally {
    if (timer) clearTimeout(timer);
    outer?.removeEventListener("abort", stop);
  }
}

/**
 * The step as it runs on `model`: no routing among `models`, `fail_on` off (findings are scored, not gated), and
 * `verify: true` (verification by the step's own model) verifying on `model` too.
 */
export function onModel(step: StepPlan, model: string): StepPlan {
  const { models: _routing, ...rest } = step;
  return {
    ...rest,
    model,
    failOn: "never",
    ...(step.verify !== undefined && step.verify === step.model && { verify: model }),
  };
}
