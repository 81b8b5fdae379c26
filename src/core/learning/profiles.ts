/**
 * Learning profiles (the spec's section 2): per (persona, model, step kind, task type), how often the humans who
 * read its findings judged them right, weighted toward the recent past. Computed from judged findings only,
 * never from a model's opinion of itself.
 */

/** A posted finding's state; all but `open` are judgements. */
export type FindingState = "open" | "useful" | "wrong" | "addressed" | "dismissed";

export const FINDING_STATES: readonly FindingState[] = Object.freeze([
  "open",
  "useful",
  "wrong",
  "addressed",
  "dismissed",
]);

/** A judgement: any state but `open`. */
export type JudgedState = Exclude<FindingState, "open">;

/** Right = `useful` + `addressed`; wrong = `wrong` + `dismissed`. */
export const isRight = (s: JudgedState): boolean => s === "useful" || s === "addressed";

/** One judged finding (state ≠ open) as the database keeps it. */
export interface JudgedFinding {
  readonly persona: string;
  readonly model: string;
  readonly stepKind: string;
  readonly taskType: string;
  readonly state: JudgedState;
  /** Epoch ms. */
  readonly judgedAt: number;
}

export interface ProfileKey {
  readonly persona: string;
  readonly model: string;
  readonly stepKind: string;
  readonly taskType: string;
}

export interface CurvePoint {
  /** YYYY-MM-DD, UTC. */
  readonly day: string;
  readonly judged: number;
  /** Right over judged that day; null on a day without judgements. */
  readonly precision: number | null;
}

export interface Profile extends ProfileKey {
  readonly judged: number;
  readonly right: number;
  readonly wrong: number;
  readonly expertise: number;
  readonly confidence: number;
  readonly health: number;
  readonly score: number;
  /** Plain precision over all judged findings (unweighted), for display. */
  readonly precision: number;
  /** 30 points, oldest first, ending with `now`'s day; null precision on days without judgements. */
  readonly curve: readonly CurvePoint[];
}

const DAY_MS = 86_400_000;
export const HALF_LIFE_MS = 7 * DAY_MS;
export const RECENT_MS = 7 * DAY_MS;
export const RECENT_WEIGHT = 3;
export const FULL_CONFIDENCE_AT = 20;
/** Days in a learning curve. */
export const CURVE_DAYS = 30;

/** A judgement reduced to what the formulas read. */
export interface DatedVerdict {
  readonly right: boolean;
  /** Epoch ms. */
  readonly at: number;
}

/**
 * Recency-weighted precision: each judgement weighs 0.5^(age/7d), ×3 when age ≤ 7 days (age = now − at, clamped
 * ≥ 0); right weight over all weight. 0 when nothing is judged.
 *
 * @example expertise([{ right: true, at: now }, { right: false, at: now - 14 * 86_400_000 }], now) // → 3 / 3.25 ≈ 0.923
 */
export function expertise(judged: readonly DatedVerdict[], now: number): number {
  let right = 0;
  let total = 0;
  for (const j of judged) {
    const age = Math.max(0, now - j.at);
    const w = 0.5 ** (age / HALF_LIFE_MS) * (age <= RECENT_MS ? RECENT_WEIGHT : 1);
    total += w;
    if (j.right) right += w;
  }
  // Judgements decades old weigh 0 in floating point: nothing left to go on.
  return total > 0 ? right / total : 0;
}

/** min(1, judged / 20). @example confidence(10) // → 0.5 */
export function confidence(judgedCount: number): number {
  return Math.min(1, Math.max(0, judgedCount) / FULL_CONFIDENCE_AT);
}

/** 0.3 · health + 0.5 · expertise + 0.2 · confidence. @example score({ health: 1, expertise: 0.5, confidence: 1 }) // → 0.75 */
export function score(p: { health: number; expertise: number; confidence: number }): number {
  return 0.3 * p.health + 0.5 * p.expertise + 0.2 * p.confidence;
}

/** YYYY-MM-DD of an epoch-ms instant, UTC. */
function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Precision per UTC day over the last `days` (30) days ending on now's day, oldest first. Judgements outside
 * those days are left out.
 *
 * @example learningCurve([], now).length // → 30, every precision null
 */
export function learningCurve(judged: readonly DatedVerdict[], now: number, days = CURVE_DAYS): CurvePoint[] {
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const counts = new Map<string, { judged: number; right: number }>();
  for (let i = days - 1; i >= 0; i--) counts.set(utcDay(today - i * DAY_MS), { judged: 0, right: 0 });
  for (const j of judged) {
    const c = counts.get(utcDay(j.at));
    if (!c) continue;
    c.judged++;
    if (j.right) c.right++;
  }
  return [...counts].map(([day, c]) => ({
    day,
    judged: c.judged,
    precision: c.judged > 0 ? c.right / c.judged : null,
  }));
}

/** Plain string order (not the locale's), so profiles sort the same on every machine. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Groups by (persona, model, stepKind, taskType) and computes each profile; `health(persona, model)` defaults to
 * 1 and is clamped to [0, 1]. Sorted by persona, model, stepKind, taskType.
 *
 * @example computeProfiles(judgedFindings, Date.now())[0] // → { persona: "reviewer", model: "gpt-a", …, score: 0.81 }
 */
export function computeProfiles(
  judged: readonly JudgedFinding[],
  now: number,
  health: (persona: string, model: string) => number = () => 1,
): Profile[] {
  const groups = new Map<string, { key: ProfileKey; judgements: DatedVerdict[] }>();
  for (const f of judged) {
    const id = [f.persona, f.model, f.stepKind, f.taskType].join("\0");
    let g = groups.get(id);
    if (!g) {
      g = {
        key: { persona: f.persona, model: f.model, stepKind: f.stepKind, taskType: f.taskType },
        judgements: [],
      };
      groups.set(id, g);
    }
    g.judgements.push({ right: isRight(f.state), at: f.judgedAt });
  }
  const profiles = [...groups.values()].map(({ key, judgements }): Profile => {
    const right = judgements.filter((j) => j.right).length;
    const p = {
      health: Math.min(1, Math.max(0, health(key.persona, key.model))),
      expertise: expertise(judgements, now),
      confidence: confidence(judgements.length),
    };
    return {
      ...key,
      judged: judgements.length,
      right,
      wrong: judgements.length - right,
      ...p,
      score: score(p),
      precision: right / judgements.length,
      curve: learningCurve(judgements, now),
    };
  });
  return profiles.sort(
    (a, b) =>
      compare(a.persona, b.persona) ||
      compare(a.model, b.model) ||
      compare(a.stepKind, b.stepKind) ||
      compare(a.taskType, b.taskType),
  );
}
