import { indexPlan } from "../run/plan-index.js";
import type { RunState } from "../run/run-state.js";

/**
 * When the merge a step comes after was made: the latest finish of a succeeded `merge` step among the step's needs
 * (transitively), or null when the step follows no merge or the merge has not succeeded. A gate after a merge
 * counts only reviews given after this moment: earlier ones approved the merge, not what follows it.
 *
 * @example mergedBefore(run, "prod-approval") // 1_700_000_000_000
 */
export function mergedBefore(run: RunState, stepId: string): number | null {
  const index = indexPlan(run.plan);
  const seen = new Set<string>();
  const work = [...(index.step.get(stepId)?.needs ?? [])];
  let at: number | null = null;
  for (let id = work.pop(); id !== undefined; id = work.pop()) {
    if (seen.has(id)) continue;
    seen.add(id);
    const p = index.step.get(id);
    work.push(...(p?.needs ?? []));
    const s = run.steps.get(id);
    if (p?.kind !== "merge" || s?.status !== "succeeded" || s.finishedAt === null) continue;
    at = Math.max(at ?? s.finishedAt, s.finishedAt);
  }
  return at;
}
