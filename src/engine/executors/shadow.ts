import type { Finding } from "../../core/findings/finding.js";
import { errorMessage } from "../error-message.js";
import type { ShadowResult, StepResult } from "../ports.js";
import { RunResources } from "../run-resources.js";
import type { AgentExecutorOptions } from "./agent-options.js";
import { type ReviewContext, review } from "./review.js";
import { annotateFindings, type StepLearning } from "./step-learning.js";
import type { Outcome } from "./step-outcome.js";

/** A shadow run under way: `settle` stores what it found once the primary's result is known. */
export interface ShadowRun {
  /** Waits for the shadow, then stores it beside the primary's result. Never throws. */
  settle(primary: StepResult): Promise<void>;
}

type ShadowOptions = Pick<
  AgentExecutorOptions,
  "provider" | "cache" | "shadows" | "resources" | "allowedModels"
>;

/** What the shadow came to, before it is set beside the primary. */
interface ShadowOutcome {
  readonly findings: readonly Finding[];
  readonly tokens: number;
  readonly latencyMs: number;
  readonly error: string | null;
}

/**
 * Findings every provider gets from the same input (the secret scan, hidden text): they are not the model's, so
 * the comparison leaves them out on both sides.
 */
const DETERMINISTIC = new Set(["secret-scan", "hidden-text"]);

/** Executors built without `resources` still give each run one shadow budget across its steps. */
const fallbackResources = new WeakMap<object, RunResources>();

/**
 * Shadow models (spec "Shadow models"): with `step.shadow` set, the step's inputs are reviewed a second time on
 * the shadow model, started now so it runs alongside the primary, within the run's shadow budget
 * (`settings.shadow_budget_tokens`, its own limiter). Its findings get fingerprints like the primary's, so a
 * judgement of a posted finding applies to the shadow's finding with the same fingerprint. It never changes the
 * primary's result: `settle` waits for it and stores both through `opts.shadows`, and nothing it does throws.
 *
 * No shadow (null) without `step.shadow`, without a `ShadowPort`, or on a provider without a model (the heuristic
 * one): its findings do not depend on a model, so a shadow would only repeat the primary's.
 */
export function startShadow(
  opts: ShadowOptions,
  ctx: Omit<ReviewContext, "share"> & { readonly learning: StepLearning; readonly now: number },
): ShadowRun | null {
  const model = ctx.step.shadow;
  const port = opts.shadows;
  if (!model || !port || !opts.provider.meter) return null;
  const started = performance.now();
  const shadow = runShadow(opts, ctx, model);
  return {
    async settle(primary) {
      const primaryLatencyMs = Math.round(performance.now() - started);
      const s = await shadow;
      const { run, step, learning } = ctx;
      const output = "output" in primary ? primary.output : undefined;
      const result: ShadowResult = {
        runId: run.id,
        stepId: step.id,
        repo: run.facts.repo,
        number: run.facts.number,
        persona: learning.persona,
        primaryModel: step.model,
        model,
        stepKind: step.kind,
        findings: s.findings,
        primaryFindings: modelFindings(output?.findings ?? []),
        tokens: s.tokens,
        primaryTokens: ("tokens" in primary ? primary.tokens : undefined) ?? 0,
        latencyMs: s.latencyMs,
        primaryLatencyMs,
        error: s.error,
        at: ctx.now,
      };
      await port.store(result).catch(() => {}); // the port reports its own failures; the verdict stands
    },
  };
}

/** The shadow's review on its own share; resolves (never rejects) with its findings, cost and error. */
async function runShadow(
  opts: ShadowOptions,
  ctx: Omit<ReviewContext, "share"> & { readonly learning: StepLearning },
  model: string,
): Promise<ShadowOutcome> {
  const started = performance.now();
  const done = (error: string | null, findings: readonly Finding[] = [], tokens = 0): ShadowOutcome => ({
    findings,
    tokens,
    latencyMs: Math.round(performance.now() - started),
    error,
  });
  const allowed = opts.allowedModels ?? [];
  if (allowed.length > 0 && !allowed.includes(model)) {
    return done(`model "${model}" is not allowed on this server (allowed: ${allowed.join(", ")})`);
  }
  const share = resourcesOf(opts).shadowFor(ctx.run);
  if (share.budget.remaining <= 0) {
    return done(
      `shadow token budget exhausted: the run's shadows used ${share.budget.spent} of ${share.budget.limit} tokens`,
    );
  }
  const step = { ...ctx.step, model };
  try {
    const reviewed = await review(opts, { run: ctx.run, step, raw: ctx.raw, share, signal: ctx.signal });
    if ("refused" in reviewed) return done(reviewed.refused);
    const { outcome } = reviewed;
    const learning: StepLearning = {
      persona: ctx.learning.persona,
      model,
      routing: null,
      held: new Set(),
      cleared: new Map(),
    };
    const findings = unique(
      modelFindings(annotateFindings(outcome.reply.findings, ctx.raw.files, step.kind, learning)),
    );
    return done(shortOf(outcome, share.budget), findings, tokensOf(outcome));
  } catch (err) {
    return done(errorMessage(err));
  }
}

/** The outcome's error, or why it reviewed less than every file (the shadow budget ran out). */
function shortOf(outcome: Outcome, budget: { spent: number; limit: number }): string | null {
  if (outcome.error) return outcome.error.message;
  const short = new Set(
    outcome.reply.notReviewed.filter((n) => n.reason.includes("token budget")).map((n) => n.path),
  );
  if (short.size === 0) return null;
  return `shadow token budget: ${short.size} file${short.size === 1 ? "" : "s"} not reviewed (${budget.spent} of ${budget.limit} tokens used)`;
}

function tokensOf(outcome: Outcome): number {
  return outcome.calls.reduce((n, c) => n + c.promptTokens + c.completionTokens, 0);
}

function modelFindings(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => !DETERMINISTIC.has(f.source ?? ""));
}

/** One finding per fingerprint, as the primary's output has. */
function unique(findings: readonly Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = f.fingerprint ?? "";
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function resourcesOf(opts: ShadowOptions): RunResources {
  if (opts.resources) return opts.resources;
  let resources = fallbackResources.get(opts);
  if (!resources) {
    resources = new RunResources();
    fallbackResources.set(opts, resources);
  }
  return resources;
}
