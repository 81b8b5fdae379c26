import { cellKey } from "./noise-control.js";
import { FULL_CONFIDENCE_AT, type Profile } from "./profiles.js";
import type { TaskType } from "./task-type.js";

/** The model chosen for a step and why, as the step's output shows it. */
export interface RouteChoice {
  readonly model: string;
  readonly reason: string;
  readonly taskType: TaskType | null;
  /** Each candidate in list order: its score on the task type (null without a profile there) and judged count. */
  readonly scores: readonly { model: string; score: number | null; judged: number }[];
}

/** One candidate's standing on the task type: its profiles there merged (one, when a step kind is given). */
function standing(
  model: string,
  taskType: TaskType | null,
  profiles: readonly Profile[],
  stepKind: string,
): { model: string; score: number | null; judged: number } {
  const mine = profiles.filter(
    (p) => p.model === model && p.taskType === taskType && (stepKind === "" || p.stepKind === stepKind),
  );
  const judged = mine.reduce((n, p) => n + p.judged, 0);
  // Several profiles (every step kind, or several personas) weigh by their judged findings.
  const score = judged > 0 ? mine.reduce((s, p) => s + p.score * p.judged, 0) / judged : null;
  return { model, score, judged };
}

/**
 * Picks the model for one step of a persona with `models: [a, b, …]` on the run's dominant task type, from that
 * persona's profiles (a non-empty `stepKind` keeps only that step kind's profiles).
 * Rules: (1) one candidate → it ("only model"). (2) no task type, or no candidate has judged findings on it → the
 * first listed ("no judged findings yet on ts: first listed", "no task type: first listed"). (3) exploration: a
 * candidate with fewer than 20 judged findings on the task type (confidence < 1) is tried before the scores
 * decide, in list order ("trying gpt-b: 4 of 20 judged findings on ts"). (4) else the highest score, ties → list
 * order ("score 0.81 vs 0.64 on ts, 37 judged findings": the runner-up's score, the chosen model's count).
 * Duplicate candidates count once; no candidate at all throws.
 *
 * @example routeModel(["gpt-a", "gpt-b"], "ts", profiles, "agent") // → { model: "gpt-a", reason: "score 0.81 vs 0.64 on ts, 37 judged findings", … }
 */
export function routeModel(
  candidates: readonly string[],
  taskType: TaskType | null,
  profiles: readonly Profile[],
  stepKind: string,
): RouteChoice {
  const models = [...new Set(candidates)];
  const first = models[0];
  if (first === undefined) throw new Error("routeModel: a persona needs at least one model");
  const scores = models.map((m) => standing(m, taskType, profiles, stepKind));
  const choose = (model: string, reason: string): RouteChoice => ({ model, reason, taskType, scores });

  if (models.length === 1) return choose(first, "only model");
  if (taskType === null) return choose(first, "no task type: first listed");
  if (scores.every((s) => s.judged === 0))
    return choose(first, `no judged findings yet on ${taskType}: first listed`);
  const untried = scores.find((s) => s.judged < FULL_CONFIDENCE_AT);
  if (untried) {
    return choose(
      untried.model,
      `trying ${untried.model}: ${untried.judged} of ${FULL_CONFIDENCE_AT} judged findings on ${taskType}`,
    );
  }
  // Every candidate has judged findings here, so every score is a number; a stable sort keeps list order on ties.
  const ranked = [...scores].sort((a, b) => (b.score ?? 0) - (a.score ?? 0));
  const [best, runnerUp] = ranked as [(typeof scores)[number], (typeof scores)[number]];
  return choose(
    best.model,
    `score ${(best.score ?? 0).toFixed(2)} vs ${(runnerUp.score ?? 0).toFixed(2)} on ${taskType}, ${best.judged} judged findings`,
  );
}

/**
 * `routeModel` for a persona's step with noise control on: a model whose findings on the task type are held back
 * (its cell in `held`, see `heldBackCells`) is not chosen while another listed model is usable — held-back
 * findings are never judged, so trying it again could never change its standing. When every model is held back,
 * all stay candidates. The reason names the models passed over.
 *
 * @example routeAroundHeld(["weak", "strong"], "py", profiles, { persona: "reviewer", stepKind: "review" }, held)
 * // → { model: "strong", reason: "weak held back on py (low precision)", … }
 */
export function routeAroundHeld(
  candidates: readonly string[],
  taskType: TaskType | null,
  profiles: readonly Profile[],
  cell: { readonly persona: string; readonly stepKind: string },
  held: ReadonlySet<string>,
): RouteChoice {
  const models = [...new Set(candidates)];
  const usable =
    taskType === null || held.size === 0
      ? models
      : models.filter((model) => !held.has(cellKey({ ...cell, model, taskType })));
  if (usable.length === 0 || usable.length === models.length) {
    return routeModel(models, taskType, profiles, cell.stepKind);
  }
  const skipped = models.filter((m) => !usable.includes(m));
  const note = `${skipped.join(", ")} held back on ${taskType} (low precision)`;
  const choice = routeModel(usable, taskType, profiles, cell.stepKind);
  const all = routeModel(models, taskType, profiles, cell.stepKind);
  return {
    ...choice,
    scores: all.scores,
    reason: usable.length === 1 ? note : `${choice.reason}; ${note}`,
  };
}
