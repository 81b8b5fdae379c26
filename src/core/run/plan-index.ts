import type { RunPlan, StepPlan } from "./plan.js";

/** Lookups derived from a plan once and reused by every transition of its runs. */
export interface PlanIndex {
  readonly step: ReadonlyMap<string, StepPlan>;
  /** Steps that list this one in `needs`. */
  readonly dependants: ReadonlyMap<string, readonly string[]>;
  /** Position in the plan's step order, for stable claiming. */
  readonly order: ReadonlyMap<string, number>;
}

const cache = new WeakMap<RunPlan, PlanIndex>();

export function indexPlan(plan: RunPlan): PlanIndex {
  let index = cache.get(plan);
  if (index) return index;
  const dependants = new Map<string, string[]>();
  for (const s of plan.steps) {
    for (const need of s.needs) {
      const list = dependants.get(need);
      if (list) list.push(s.id);
      else dependants.set(need, [s.id]);
    }
  }
  index = {
    step: new Map(plan.steps.map((s) => [s.id, s])),
    dependants,
    order: new Map(plan.steps.map((s, i) => [s.id, i])),
  };
  cache.set(plan, index);
  return index;
}

export function stepPlan(plan: RunPlan, id: string): StepPlan {
  const s = indexPlan(plan).step.get(id);
  if (!s) throw new Error(`unknown step "${id}"`);
  return s;
}
