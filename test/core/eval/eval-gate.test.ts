import { describe, expect, test } from "vitest";
import {
  evalGateFailures,
  evalGateSummary,
  evalGateTables,
  MAX_DROP,
} from "../../../src/core/eval/eval-gate.js";
import { type EvalCounts, type EvalMetrics, evalMetrics } from "../../../src/core/eval/eval-match.js";
import { type EvalCase, type EvalTrial, summarizeEval } from "../../../src/core/eval/eval-summary.js";

const m = (precision: number, recall: number): EvalMetrics => ({ precision, recall, f1: 0 });
const counts = (truePositives: number, falsePositives: number, misses: number): EvalMetrics =>
  evalMetrics({ truePositives, falsePositives, misses } satisfies EvalCounts);

describe("evalGateFailures: the PR's workflow row against the thresholds and the default branch's", () => {
  test("the spec's example: recall 25 points below the default branch's fails, precision equal passes", () => {
    expect(evalGateFailures(counts(2, 1, 2), counts(6, 3, 2), {})).toEqual([
      "recall 0.50 is 25 points below the default branch's 0.75",
    ]);
  });

  test("the same figures on both sides pass; better figures pass", () => {
    expect(evalGateFailures(m(0.67, 0.5), m(0.67, 0.5), {})).toEqual([]);
    expect(evalGateFailures(m(0.9, 0.9), m(0.5, 0.5), {})).toEqual([]);
  });

  test("exactly 5 points below passes (float noise aside); 5.1 points below fails", () => {
    expect(MAX_DROP).toBe(0.05);
    // 0.75 − 0.70 is 0.05000000000000004 in floating point: still exactly 5 points.
    expect(0.75 - 0.7).toBeGreaterThan(0.05);
    expect(evalGateFailures(m(0.7, 0.7), m(0.75, 0.75), {})).toEqual([]);
    expect(evalGateFailures(m(0.25, 0.15), m(0.3, 0.2), {})).toEqual([]);
    expect(evalGateFailures(m(0.699, 0.75), m(0.75, 0.75), {})).toEqual([
      "precision 0.70 is 5.1 points below the default branch's 0.75",
    ]);
    expect(evalGateFailures(m(0.8, 0.649), m(0.8, 0.7), {})).toEqual([
      "recall 0.65 is 5.1 points below the default branch's 0.70",
    ]);
  });

  test("a drop just over 5 points is never shown as 5", () => {
    expect(evalGateFailures(m(0.6995, 1), m(0.75, 1), {})).toEqual([
      "precision 0.70 is 5.1 points below the default branch's 0.75",
    ]);
  });

  test("thresholds: below fails, equal passes, absent is not checked", () => {
    const t = { minPrecision: 0.8, minRecall: 0.6 };
    expect(evalGateFailures(m(0.8, 0.6), m(0.8, 0.6), t)).toEqual([]);
    expect(evalGateFailures(m(0.75, 0.5), m(0.75, 0.5), t)).toEqual([
      "precision 0.75 is below min_precision 0.8",
      "recall 0.50 is below min_recall 0.6",
    ]);
    expect(evalGateFailures(m(0.1, 0.1), m(0.1, 0.1), {})).toEqual([]);
    expect(evalGateFailures(m(0.1, 0.1), m(0.1, 0.1), { minRecall: 0.1 })).toEqual([]);
  });

  test("a figure just under a threshold is never shown as equal to it", () => {
    expect(evalGateFailures(m(0.7999, 1), m(0.7999, 1), { minPrecision: 0.8 })).toEqual([
      "precision 0.799 is below min_precision 0.8",
    ]);
  });

  test("both a threshold and the drop are named when both fail", () => {
    expect(evalGateFailures(m(0.5, 0.2), m(0.5, 0.9), { minRecall: 0.6 })).toEqual([
      "recall 0.20 is below min_recall 0.6",
      "recall 0.20 is 70 points below the default branch's 0.90",
    ]);
  });

  describe("the 0/0 conventions on both sides", () => {
    test("a PR whose steps find nothing keeps precision 1 but loses recall on cases with expected items: fails", () => {
      const pr = counts(0, 0, 4); // precision 1 (nothing flagged), recall 0
      const base = counts(3, 1, 1);
      expect(pr).toMatchObject({ precision: 1, recall: 0 });
      expect(evalGateFailures(pr, base, {})).toEqual([
        "recall 0.00 is 75 points below the default branch's 0.75",
      ]);
    });

    test("clean cases only: nothing expected is recall 1 on both sides; a PR that now flags one is precision 0", () => {
      const base = counts(0, 0, 0); // 1 · 1
      expect(evalGateFailures(counts(0, 0, 0), base, {})).toEqual([]);
      expect(evalGateFailures(counts(0, 1, 0), base, {})).toEqual([
        "precision 0.00 is 100 points below the default branch's 1.00",
      ]);
    });

    test("a default branch that finds nothing (precision 1 by convention) is not a bar the PR must reach", () => {
      // The default branch flags nothing and misses everything; the PR finds half at precision 0.5: recall rose
      // by 50 points, precision fell by 50. The drop rule applies to each figure: precision fails.
      expect(evalGateFailures(counts(1, 1, 1), counts(0, 0, 2), {})).toEqual([
        "precision 0.50 is 50 points below the default branch's 1.00",
      ]);
    });
  });
});

test("evalGateSummary: one line, both sides", () => {
  expect(evalGateSummary(counts(2, 1, 2), counts(6, 3, 2))).toBe(
    "PR: precision 0.67 · recall 0.50 — default branch: precision 0.67 · recall 0.75",
  );
});

describe("evalGateTables: both sides' rows in Markdown", () => {
  const cases: EvalCase[] = [
    { name: "a", expected: [{ file: "a.ts", lines: { start: 2, end: 2 }, severity: "medium", about: [] }] },
  ];
  const trial = (model: string, found: boolean, extra: Partial<EvalTrial> = {}): EvalTrial => ({
    caseName: "a",
    step: "code-review",
    kind: "review",
    model,
    isDefault: true,
    findings: found ? [{ file: "a.ts", line: 2, severity: "high", title: "Bug", body: "…" }] : [],
    promptTokens: 100,
    completionTokens: 20,
    latencyMs: 5,
    error: null,
    ...extra,
  });

  test("a header, a row per step and model, the workflow row; pipes in a model's name escaped", () => {
    const pr = summarizeEval(cases, [trial("gpt|x", false)]);
    const base = summarizeEval(cases, [trial("gpt-4o-mini", true)]);
    expect(
      evalGateTables([
        { title: "Pull request", ref: "ec26c3e", summary: pr },
        { title: "Default branch", ref: "main", summary: base },
      ]),
    ).toBe(
      [
        "**Pull request** (`ec26c3e`)",
        "",
        "| step | kind | model | TP | FP | missed | precision | recall | F1 | tokens |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        "| code-review | review | gpt\\|x | 0 | 0 | 1 | 1.00 | 0.00 | 0.00 | 120 |",
        "| all steps |  | default | 0 | 0 | 1 | 1.00 | 0.00 | 0.00 | 120 |",
        "",
        "**Default branch** (`main`)",
        "",
        "| step | kind | model | TP | FP | missed | precision | recall | F1 | tokens |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        "| code-review | review | gpt-4o-mini | 1 | 0 | 0 | 1.00 | 1.00 | 1.00 | 120 |",
        "| all steps |  | default | 1 | 0 | 0 | 1.00 | 1.00 | 1.00 | 120 |",
      ].join("\n"),
    );
  });
});
