import { indexPlan } from "../run/plan-index.js";
import type { RunState, StepState } from "../run/run-state.js";

/** What a deployment protection rule answers for one environment, from a run's state. */
export type ProtectionVerdict =
  | { readonly state: "approved"; readonly comment: string }
  | { readonly state: "rejected"; readonly comment: string }
  | { readonly state: "waiting"; readonly comment: string };

/** The run's `deploy` steps for this environment name. */
export function deployStepsFor(run: RunState, environment: string): string[] {
  return run.plan.steps
    .filter((p) => p.kind === "deploy" && p.with.environment === environment)
    .map((p) => p.id);
}

/** A skip that lets dependants go ahead (by `when`, `if:` or by hand), as the core decides it. */
function passedSkip(s: StepState): boolean {
  const r = s.reason;
  return !!r && (r.startsWith("when:") || r.startsWith("if:") || r.startsWith("skipped by @"));
}

/**
 * Approve when every step a `deploy` step for `environment` needs (transitively: its approval gates and all
 * that precede them) passed; reject when one of them failed, was cancelled or was skipped because something
 * failed; else wait. A run without a deploy step for that environment is rejected: phasegate does not guard it.
 *
 * @example protectionVerdict(run, "production") // { state: "waiting", comment: "waiting for prod-approval …" }
 */
export function protectionVerdict(run: RunState, environment: string): ProtectionVerdict {
  const sha = run.facts.headSha.slice(0, 7);
  const deploys = deployStepsFor(run, environment);
  if (deploys.length === 0) {
    return {
      state: "rejected",
      comment: `phasegate: workflow "${run.plan.name}" has no deploy step for environment "${environment}"`,
    };
  }
  const index = indexPlan(run.plan);
  const needed = new Set<string>();
  const work = deploys.flatMap((id) => index.step.get(id)?.needs ?? []);
  for (let id = work.pop(); id !== undefined; id = work.pop()) {
    if (needed.has(id)) continue;
    needed.add(id);
    work.push(...(index.step.get(id)?.needs ?? []));
  }
  const open: string[] = [];
  for (const p of run.plan.steps) {
    if (!needed.has(p.id)) continue;
    const s = run.steps.get(p.id);
    if (!s) continue;
    if (s.status === "succeeded" || (s.status === "skipped" && passedSkip(s))) continue;
    if (s.status === "failed" && p.continueOnError) continue;
    if (s.status === "failed" || s.status === "cancelled" || s.status === "skipped") {
      const why = s.error ?? s.reason ?? s.status;
      return {
        state: "rejected",
        comment: `phasegate: step "${p.id}" ${s.status} before deploying to ${environment} (${why}) on ${sha}`,
      };
    }
    open.push(p.id);
  }
  if (open.length > 0) {
    return {
      state: "waiting",
      comment: `phasegate: waiting for ${open.map((id) => `"${id}"`).join(", ")} on ${sha}`,
    };
  }
  return {
    state: "approved",
    comment: `phasegate: every step before deploying to ${environment} passed on ${sha} (run ${run.id})`,
  };
}
