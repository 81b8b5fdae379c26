import type { Profile, ProfileKey } from "./profiles.js";
import { taskTypeOf } from "./task-type.js";

/** Confidence from which a low expertise holds findings back: 10 of 20 judged findings. */
export const HOLD_BACK_CONFIDENCE = 0.5;

/** A profile's cell as one string, for set lookup: `persona\0model\0stepKind\0taskType`. */
export function cellKey(k: ProfileKey): string {
  return `${k.persona}\0${k.model}\0${k.stepKind}\0${k.taskType}`;
}

/**
 * The spec's noise control: with `min_precision` set, a cell (persona, model, stepKind, taskType) whose expertise
 * is below it at confidence ≥ 0.5 is held back. Returns the held-back cells' keys (`cellKey`); empty when
 * `minPrecision` is null (off).
 *
 * @example heldBackCells(profiles, 0.5).has(cellKey({ persona: "reviewer", model: "gpt-a", stepKind: "agent", taskType: "ts" }))
 */
export function heldBackCells(
  profiles: readonly Profile[],
  minPrecision: number | null,
): ReadonlySet<string> {
  if (minPrecision === null) return new Set();
  return new Set(
    profiles.filter((p) => p.expertise < minPrecision && p.confidence >= HOLD_BACK_CONFIDENCE).map(cellKey),
  );
}

/**
 * Whether a finding must be held back: its cell (the step's persona, model and kind, the finding's task type from
 * its file) is held back. Never for severity `blocker` or source `secret-scan`.
 *
 * @example holdsBack({ severity: "low", file: "a.ts" }, { persona: "reviewer", model: "gpt-a", stepKind: "agent" }, held)
 */
export function holdsBack(
  finding: { severity: string; source?: string; file: string },
  cell: { persona: string; model: string; stepKind: string },
  held: ReadonlySet<string>,
): boolean {
  if (finding.severity === "blocker" || finding.source === "secret-scan") return false;
  return held.has(cellKey({ ...cell, taskType: taskTypeOf(finding.file) }));
}
