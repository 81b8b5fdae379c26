import { describe, expect, test } from "vitest";
import {
  type BudgetEvent,
  budgetVerdict,
  suspensionMessage,
  untilText,
  windowText,
} from "../../../src/core/governance/error-budget.js";
import { DEFAULT_ERROR_BUDGET } from "../../../src/core/run/plan.js";

const NOW = Date.parse("2026-12-07T13:05:00Z");
const MIN = 60_000;
/** `n` errors, one a minute up to now, with distinct messages unless `same`. */
const errors = (n: number, same = false): BudgetEvent[] =>
  Array.from({ length: n }, (_, i) => ({
    at: NOW - (n - 1 - i) * MIN,
    error: same ? "502 Bad Gateway" : `error ${i + 1}`,
  }));
const ok = (at: number): BudgetEvent => ({ at, error: null });

describe("budgetVerdict (max_errors 8, max_repeats 2, window 24 h)", () => {
  test("8 errors in the window hold; the 9th suspends, naming the last", () => {
    expect(budgetVerdict(errors(8), DEFAULT_ERROR_BUDGET, NOW)).toBeNull();
    expect(budgetVerdict(errors(9), DEFAULT_ERROR_BUDGET, NOW)).toEqual({
      reason: "9 errors in 24 h (last: error 9)",
    });
  });

  test("errors older than the window do not count", () => {
    const old = errors(9).map((e, i) => (i === 0 ? { ...e, at: NOW - 24 * 60 * MIN } : e));
    expect(budgetVerdict(old, DEFAULT_ERROR_BUDGET, NOW)).toBeNull();
  });

  test("the same error twice in a row holds; a third time suspends; a success ends the run of repeats", () => {
    expect(budgetVerdict(errors(2, true), DEFAULT_ERROR_BUDGET, NOW)).toBeNull();
    expect(budgetVerdict(errors(3, true), DEFAULT_ERROR_BUDGET, NOW)).toEqual({
      reason: "the same error 3 times in a row: 502 Bad Gateway",
    });
    const broken = [...errors(3, true)];
    broken.splice(2, 0, ok(NOW - 30_000));
    expect(budgetVerdict(broken, DEFAULT_ERROR_BUDGET, NOW)).toBeNull();
    const different = [...errors(2, true), { at: NOW, error: "timed out" }];
    expect(budgetVerdict(different, DEFAULT_ERROR_BUDGET, NOW)).toBeNull();
  });

  test("a custom budget: max_errors 1, max_repeats 5, window 90 min", () => {
    const budget = { maxErrors: 1, maxRepeats: 5, windowMs: 90 * MIN, cooldownMs: MIN };
    expect(budgetVerdict(errors(1), budget, NOW)).toBeNull();
    expect(budgetVerdict(errors(2), budget, NOW)).toEqual({ reason: "2 errors in 90 min (last: error 2)" });
  });

  test("long messages are cut to one line of 120 characters", () => {
    const long = `line one\n${"x".repeat(200)}`;
    const events = Array.from({ length: 3 }, (_, i) => ({ at: NOW - i, error: long }));
    const reason = budgetVerdict(events, DEFAULT_ERROR_BUDGET, NOW)?.reason ?? "";
    expect(reason).toBe(`the same error 3 times in a row: line one ${"x".repeat(108)}…`);
  });
});

describe("texts", () => {
  test("windowText", () => {
    expect([windowText(24 * 60 * MIN), windowText(90 * MIN), windowText(45_000)]).toEqual([
      "24 h",
      "90 min",
      "45 s",
    ]);
  });

  test("untilText: the time on the same day, the date too on another", () => {
    expect(untilText(NOW + 60 * MIN, NOW)).toBe("14:05 UTC");
    expect(untilText(NOW + 12 * 60 * MIN, NOW)).toBe("2026-12-08 01:05 UTC");
  });

  test("the spec's suspension message", () => {
    expect(
      suspensionMessage(
        "reviewer",
        "gpt-4o-mini",
        { until: NOW + 60 * MIN, reason: "9 errors in 24 h (last: x)" },
        NOW,
      ),
    ).toBe('agent "reviewer" (gpt-4o-mini) suspended until 14:05 UTC: 9 errors in 24 h (last: x)');
  });
});
