import type { StepPlan } from "../../core/run/plan.js";
import type { RunState } from "../../core/run/run-state.js";
import type { StepExecutor } from "../ports.js";

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function approvers(from: unknown): string {
  if (from === "codeowners") return "the code owners of every changed file";
  if (Array.isArray(from) && from.length > 0)
    return from.map((f) => (String(f).startsWith("@") ? f : `@${f}`)).join(", ");
  return "anyone with write access";
}

/** What an `eval` step would do on a pull request: nothing without a change under `.agents/`. */
function describeEval(w: Readonly<Record<string, unknown>>, run: RunState): string {
  if (!run.facts.changedFiles.some((p) => p.startsWith(".agents/")))
    return "nothing to evaluate: the change touches no file under .agents/";
  const cases = typeof w.cases === "string" ? w.cases : ".agents/evals";
  const thresholds = [
    ...(typeof w.min_precision === "number" ? [`min_precision ${w.min_precision}`] : []),
    ...(typeof w.min_recall === "number" ? [`min_recall ${w.min_recall}`] : []),
    "at most 5 points below the default branch",
  ];
  return `would evaluate the changed agent settings beside the default branch's on the default branch's cases in ${cases} (${thresholds.join(", ")})`;
}

/** What a gate, merge, deploy, checks or eval step would do on GitHub, in words. */
export function describeDryRun(step: StepPlan, run: RunState): string {
  const w = step.with;
  const sha = run.facts.headSha.slice(0, 7);
  switch (step.kind) {
    case "approval": {
      const count = typeof w.count === "number" ? w.count : 1;
      return `would wait for ${plural(count, "approval")} from ${approvers(w.from)} on ${sha}`;
    }
    case "merge":
      return `would merge ${sha} with ${typeof w.method === "string" ? w.method : "merge"}`;
    case "deploy":
      return `would deploy ${sha} to ${String(w.environment)}${w.rollback ? " (rolling back on failure)" : ""}`;
    case "checks":
      return `would wait for checks: ${(w.checks as string[]).join(", ")}`;
    case "eval":
      return describeEval(w, run);
    default:
      return `would run ${step.kind}`;
  }
}

/**
 * The CLI's executor for steps that act on GitHub: it changes nothing and succeeds, saying what would happen,
 * so a local run shows the whole workflow.
 */
export const dryRunExecutor: StepExecutor = async ({ run, step }) => ({
  outcome: "succeeded",
  output: { summary: describeDryRun(step, run), data: { dryRun: true } },
});

/** What an agent step would also do on GitHub: wait for CI checks, post its output. Null when nothing. */
export function agentSideEffects(step: StepPlan): string | null {
  const checks = Array.isArray(step.with.checks) ? (step.with.checks as string[]) : [];
  if (step.kind === "tests" && checks.length > 0) return `would wait for checks: ${checks.join(", ")}`;
  if (step.kind === "agent" && step.with.post === "comment") return "would post the output as a comment";
  return null;
}

/** Runs an agent step for real and adds to its summary what it would also do on GitHub. */
export function withDryRunNotes(executor: StepExecutor): StepExecutor {
  return async (ctx) => {
    const result = await executor(ctx);
    const note = agentSideEffects(ctx.step);
    if (!note || result.outcome === "waiting" || result.outcome === "refused" || !result.output)
      return result;
    return { ...result, output: { ...result.output, summary: `${result.output.summary} · ${note}` } };
  };
}
