import { describe, expect, test } from "vitest";
import {
  computeProfiles,
  confidence,
  expertise,
  FINDING_STATES,
  isRight,
  type JudgedFinding,
  learningCurve,
  score,
} from "../../../src/core/learning/profiles.js";

const DAY = 86_400_000;
const NOW = Date.UTC(2025, 5, 15, 12); // 2025-06-15T12:00:00Z
const ago = (days: number, ms = 0) => NOW - days * DAY - ms;
const right = (at: number) => ({ right: true, at });
const wrong = (at: number) => ({ right: false, at });

describe("expertise", () => {
  test("0 when nothing is judged; 1 all right; 0 all wrong", () => {
    expect(expertise([], NOW)).toBe(0);
    expect(expertise([right(ago(3)), right(ago(40))], NOW)).toBe(1);
    expect(expertise([wrong(ago(0))], NOW)).toBe(0);
  });

  test("recent outweighs old: right today (3·1 = 3) vs wrong 14 days ago (0.5² = 0.25) → 3 / 3.25", () => {
    expect(expertise([right(NOW), wrong(ago(14))], NOW)).toBeCloseTo(0.923077, 6);
    // the other way round: 0.25 / 3.25
    expect(expertise([wrong(NOW), right(ago(14))], NOW)).toBeCloseTo(0.076923, 6);
  });

  test("×3 applies at exactly 7 days (0.5·3 = 1.5), not 1 ms later (≈ 0.5) → 1.5 / 2", () => {
    expect(expertise([right(ago(7)), wrong(ago(7, 1))], NOW)).toBeCloseTo(0.75, 6);
    // both at exactly 7 days weigh the same
    expect(expertise([right(ago(7)), wrong(ago(7))], NOW)).toBeCloseTo(0.5, 9);
  });

  test("old judgements decay by half a week: right 21 days ago (0.125) vs wrong 28 days ago (0.0625) → 2/3", () => {
    expect(expertise([right(ago(21)), wrong(ago(28))], NOW)).toBeCloseTo(0.666667, 6);
  });

  test("judgements after now count as age 0: right at now+7d (3) vs wrong now (3) → 0.5", () => {
    // Unclamped, the future one would weigh 0.5^-1·3 = 6 → 6/9.
    expect(expertise([right(NOW + 7 * DAY), wrong(NOW)], NOW)).toBe(0.5);
  });
});

describe("confidence and score", () => {
  test("confidence = min(1, n / 20)", () => {
    expect(confidence(0)).toBe(0);
    expect(confidence(9)).toBe(0.45);
    expect(confidence(10)).toBe(0.5);
    expect(confidence(19)).toBe(0.95);
    expect(confidence(20)).toBe(1);
    expect(confidence(25)).toBe(1);
  });

  test("score = 0.3·health + 0.5·expertise + 0.2·confidence", () => {
    expect(score({ health: 1, expertise: 1, confidence: 1 })).toBeCloseTo(1, 9);
    expect(score({ health: 1, expertise: 0.5, confidence: 1 })).toBeCloseTo(0.75, 9);
    expect(score({ health: 0, expertise: 0, confidence: 0.5 })).toBeCloseTo(0.1, 9);
    // 0.3·0.8 + 0.5·0.6 + 0.2·0.25 = 0.24 + 0.3 + 0.05
    expect(score({ health: 0.8, expertise: 0.6, confidence: 0.25 })).toBeCloseTo(0.59, 9);
  });

  test("states: right is useful or addressed", () => {
    expect(FINDING_STATES).toEqual(["open", "useful", "wrong", "addressed", "dismissed"]);
    expect(isRight("useful")).toBe(true);
    expect(isRight("addressed")).toBe(true);
    expect(isRight("wrong")).toBe(false);
    expect(isRight("dismissed")).toBe(false);
  });
});

describe("learningCurve", () => {
  test("30 UTC days ending on now's day, oldest first; null on days without judgements", () => {
    const curve = learningCurve([], NOW);
    expect(curve).toHaveLength(30);
    expect(curve[0]?.day).toBe("2025-05-17"); // 15 June − 29 days
    expect(curve[29]?.day).toBe("2025-06-15");
    expect(curve.every((p) => p.judged === 0 && p.precision === null)).toBe(true);
  });

  test("precision per day, split at UTC midnight; outside the window left out", () => {
    const curve = learningCurve(
      [
        right(Date.UTC(2025, 5, 15, 0, 0, 0, 0)), // 06-15 at 00:00:00.000
        wrong(Date.UTC(2025, 5, 14, 23, 59, 59, 999)), // 06-14, 1 ms before midnight
        right(Date.UTC(2025, 5, 14, 0, 0)),
        right(Date.UTC(2025, 4, 17, 0, 0)), // the first day of the window
        wrong(Date.UTC(2025, 4, 16, 23, 59)), // the day before it
        wrong(Date.UTC(2025, 5, 16, 1, 0)), // tomorrow
      ],
      NOW,
    );
    const byDay = Object.fromEntries(curve.map((p) => [p.day, p]));
    expect(byDay["2025-06-15"]).toEqual({ day: "2025-06-15", judged: 1, precision: 1 });
    expect(byDay["2025-06-14"]).toEqual({ day: "2025-06-14", judged: 2, precision: 0.5 });
    expect(byDay["2025-05-17"]).toEqual({ day: "2025-05-17", judged: 1, precision: 1 });
    expect(byDay["2025-06-13"]).toEqual({ day: "2025-06-13", judged: 0, precision: null });
    expect(curve.reduce((n, p) => n + p.judged, 0)).toBe(4);
  });

  test("now just after midnight: today is the new day", () => {
    const curve = learningCurve([wrong(Date.UTC(2025, 5, 15, 23, 0))], Date.UTC(2025, 5, 16, 0, 0, 1), 2);
    expect(curve).toEqual([
      { day: "2025-06-15", judged: 1, precision: 0 },
      { day: "2025-06-16", judged: 0, precision: null },
    ]);
  });
});

describe("computeProfiles", () => {
  const cell = { persona: "reviewer", model: "gpt-a", stepKind: "agent", taskType: "ts" };
  const judged = (
    state: JudgedFinding["state"],
    days: number,
    over: Partial<JudgedFinding> = {},
  ): JudgedFinding => ({ ...cell, state, judgedAt: ago(days), ...over });
  const history: JudgedFinding[] = [
    judged("wrong", 0, { model: "gpt-b" }),
    ...Array.from({ length: 4 }, () => judged("useful", 0)), // 4 × 3 = 12
    ...Array.from({ length: 2 }, () => judged("addressed", 7)), // 2 × 1.5 = 3
    ...Array.from({ length: 2 }, () => judged("wrong", 14)), // 2 × 0.25 = 0.5
    ...Array.from({ length: 2 }, () => judged("dismissed", 21)), // 2 × 0.125 = 0.25
    judged("useful", 1, { persona: "architect", taskType: "docs" }),
  ];

  test("one profile per (persona, model, step kind, task type), sorted by them", () => {
    const keys = computeProfiles(history, NOW).map(
      (p) => `${p.persona}/${p.model}/${p.stepKind}/${p.taskType}`,
    );
    expect(keys).toEqual([
      "architect/gpt-a/agent/docs",
      "reviewer/gpt-a/agent/ts",
      "reviewer/gpt-b/agent/ts",
    ]);
  });

  test("counts, expertise, confidence, default health 1, score, plain precision", () => {
    const p = computeProfiles(history, NOW)[1];
    expect(p).toMatchObject({
      ...cell,
      judged: 10,
      right: 6,
      wrong: 4,
      health: 1,
      confidence: 0.5,
      precision: 0.6,
    });
    // right 12 + 3 = 15 of 15.75 → 20/21
    expect(p?.expertise).toBeCloseTo(0.952381, 6);
    // 0.3 + 0.5 · 20/21 + 0.2 · 0.5 = 0.3 + 0.476190 + 0.1
    expect(p?.score).toBeCloseTo(0.87619, 5);
    expect(p?.curve).toHaveLength(30);
    expect(p?.curve.at(-1)).toEqual({ day: "2025-06-15", judged: 4, precision: 1 });
    expect(p?.curve.find((c) => c.day === "2025-06-01")).toEqual({
      day: "2025-06-01",
      judged: 2,
      precision: 0,
    });
  });

  test("health comes from the caller per persona and model", () => {
    const profiles = computeProfiles(history, NOW, (_persona, model) => (model === "gpt-b" ? 0.8 : 1));
    const b = profiles[2];
    // one wrong today: expertise 0, confidence 1/20; 0.3 · 0.8 + 0 + 0.2 · 0.05 = 0.25
    expect(b).toMatchObject({ model: "gpt-b", judged: 1, right: 0, wrong: 1, expertise: 0, health: 0.8 });
    expect(b?.score).toBeCloseTo(0.25, 9);
    expect(profiles[1]?.health).toBe(1);
  });

  test("no judged findings → no profiles", () => {
    expect(computeProfiles([], NOW)).toEqual([]);
  });
});
