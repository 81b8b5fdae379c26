import type { PhasePlan } from "./plan.js";
import { indexPlan } from "./plan-index.js";
import { isTerminal, type RunState } from "./run-state.js";

/** A phase as GitHub shows a check run: its status and, once completed, its conclusion. */
export type PhaseStatus =
  | { readonly status: "queued" }
  | { readonly status: "in_progress"; readonly waiting: boolean }
  | {
      readonly status: "completed";
      readonly conclusion: "success" | "failure" | "cancelled" | "skipped" | "neutral";
    };

/**
 * Derives a phase's status from its steps (never stored, so it cannot drift).
 * Fail closed: `success` only when every step succeeded, was skipped by `when`, `if:` or by hand, or failed
 * with `continue_on_error`; `neutral` only when every step was skipped by `when` or `if:`; `skipped` when a
 * failure upstream stopped it.
 */
export function phaseStatus(run: RunState, phase: PhasePlan): PhaseStatus {
  const index = indexPlan(run.plan);
  const steps = phase.steps.map((id) => ({ state: run.steps.get(id), plan: index.step.get(id) }));
  if (steps.every((s) => s.state?.status === "queued")) return { status: "queued" };
  if (steps.some((s) => !s.state || !isTerminal(s.state.status))) {
    const waiting = steps.some((s) => s.state?.status === "waiting");
    const active = steps.some((s) => s.state?.status === "running" || s.state?.status === "ready");
    return { status: "in_progress", waiting: waiting && !active };
  }
  const states = steps.map((s) => s.state!);
  if (steps.some((s) => s.state?.status === "failed" && !s.plan?.continueOnError)) {
    return { status: "completed", conclusion: "failure" };
  }
  if (states.some((s) => s.status === "cancelled")) return { status: "completed", conclusion: "cancelled" };
  const skipped = states.filter((s) => s.status === "skipped");
  const byCondition = (r: string | null) => !!r && (r.startsWith("when:") || r.startsWith("if:"));
  if (skipped.some((s) => !byCondition(s.reason) && !s.reason?.startsWith("skipped by"))) {
    return { status: "completed", conclusion: "skipped" };
  }
  if (skipped.length === states.length && skipped.every((s) => byCondition(s.reason))) {
    return { status: "completed", conclusion: "neutral" };
  }
  return { status: "completed", conclusion: "success" };
}
