import type { StepPlan } from "../run/plan.js";
import { indexPlan } from "../run/plan-index.js";
import type { RunState } from "../run/run-state.js";
import { escalatedGate, escalateOf, runFindings } from "./escalation.js";
import { gateSpec } from "./gate-facts.js";

/**
 * Who can satisfy an approval step, from its `with.from` (validated logins and `@org/team`s, so shown as
 * mentions): `"@acme/maintainers, @octocat"`, `"the code owners of every changed file"` or
 * `"anyone with write access"`.
 */
export function gateApprovers(step: Pick<StepPlan, "with">): string {
  const from = step.with.from;
  if (from === "codeowners") return "the code owners of every changed file";
  if (Array.isArray(from) && from.length > 0)
    return from.map((f) => (String(f).startsWith("@") ? String(f) : `@${String(f)}`)).join(", ");
  return "anyone with write access";
}

/** An approval step that is waiting, with what it still needs and who can give it. */
export interface WaitingGate {
  readonly stepId: string;
  readonly name: string;
  readonly phaseId: string;
  /** The gate's own account when it gave one ("needs 1 more approval from @acme/maintainers on abc1234"), else
   * "needs 2 approvals on abc1234". */
  readonly missing: string;
  /** Who can satisfy it: the evaluation's `data.eligible` when stored, else from the step's `with.from`. */
  readonly who: string;
}

/** Waiting approval steps among `stepIds` (default: the whole run), in plan order. */
export function waitingGates(run: RunState, stepIds?: readonly string[]): WaitingGate[] {
  const index = indexPlan(run.plan);
  const ids = stepIds ?? run.plan.steps.map((s) => s.id);
  const out: WaitingGate[] = [];
  for (const id of ids) {
    const s = run.steps.get(id);
    const p = index.step.get(id);
    if (!s || !p || s.status !== "waiting" || s.waitingFor !== "approval") continue;
    // The gate evaluation's own `eligible` (stored in the waiting step's data) knows teams and code owners best.
    const eligible = s.output?.data?.eligible;
    // Before its first evaluation, escalation is judged on the run's findings alone (the ledger is not read here).
    const gate = escalatedGate(gateSpec(p, 0), escalateOf(p.with), runFindings(run), new Map());
    const who =
      typeof eligible === "string" && eligible ? eligible : gateApprovers({ with: { from: gate.from } });
    const count = gate.count;
    // Issue runs have no commit: nothing to name.
    const on = run.facts.headSha ? ` on ${run.facts.headSha.slice(0, 7)}` : "";
    const why = gate.escalated ? ` (${gate.escalated})` : "";
    const fallback = `needs ${count} approval${count === 1 ? "" : "s"}${on}${why}`;
    out.push({ stepId: id, name: p.name, phaseId: p.phaseId, missing: s.output?.summary || fallback, who });
  }
  return out;
}
