import type { RunState } from "../run/run-state.js";
import type { Finding } from "./finding.js";

/** Every finding of these steps (default: the whole run) in step order, as each step's output holds it. */
export function stepFindings(run: RunState, stepIds?: readonly string[]): Finding[] {
  const ids = stepIds ?? run.plan.steps.map((s) => s.id);
  return ids.flatMap((id) => run.steps.get(id)?.output?.findings ?? []);
}

/** Distinct providers that produced these steps' outputs, e.g. `["heuristic (no model configured)"]`. */
export function providersOf(run: RunState, stepIds: readonly string[]): string[] {
  const out = new Set<string>();
  for (const id of stepIds) {
    const provider = run.steps.get(id)?.output?.provider;
    if (provider) out.add(provider);
  }
  return [...out];
}
