import type { RunState, StepState } from "../core/run/run-state.js";

/**
 * The steps of `next` whose objects differ from `prev`'s (states are immutable: unchanged means identical),
 * and the ids of `next`'s running steps. Compares the two tables position by position (`StepTable.with` keeps
 * every step's position); if positions do not line up, it matches by id instead.
 */
export function changedSteps(prev: RunState, next: RunState): { changed: StepState[]; running: string[] } {
  const before = prev.steps.values();
  const after = next.steps.values();
  const running: string[] = [];
  for (const s of after) if (s.status === "running") running.push(s.id);

  if (before.length === after.length) {
    const changed: StepState[] = [];
    let aligned = true;
    for (let i = 0; i < after.length; i++) {
      const a = before[i]!;
      const b = after[i]!;
      if (a === b) continue;
      if (a.id !== b.id) {
        aligned = false;
        break;
      }
      changed.push(b);
    }
    if (aligned) return { changed, running };
  }
  const byId = new Map(before.map((s) => [s.id, s]));
  return { changed: after.filter((s) => byId.get(s.id) !== s), running };
}

/** Ids of the run's running steps: the only ones a heartbeat can have touched. */
export function runningSteps(run: RunState): string[] {
  const running: string[] = [];
  for (const s of run.steps.values()) if (s.status === "running") running.push(s.id);
  return running;
}
