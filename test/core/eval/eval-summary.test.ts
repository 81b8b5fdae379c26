import { describe, expect, test } from "vitest";
import {
  type EvalCase,
  type EvalTrial,
  summarizeEval,
  thresholdFailures,
  workflowFindings,
} from "../../../src/core/eval/eval-summary.js";
import type { Finding } from "../../../src/core/findings/finding.js";

const KEY: Finding = { file: "deploy.ts", line: 7, severity: "blocker", title: "AWS access key", body: "…" };
const TODO: Finding = { file: "price.ts", line: 3, severity: "low", title: "TODO added", body: "…" };
const NO_TEST: Finding = {
  file: "discount.ts",
  line: null,
  severity: "medium",
  title: "Changed without a test change",
  body: "…",
};

const CASES: EvalCase[] = [
  { name: "clean", expected: [] },
  {
    name: "key",
    expected: [{ file: "deploy.ts", lines: { start: 7, end: 7 }, severity: "high", about: ["key"] }],
  },
  { name: "no-test", expected: [{ file: "discount.ts", lines: null, severity: "medium", about: ["test"] }] },
];

function trial(
  caseName: string,
  step: string,
  model: string,
  findings: Finding[],
  extra: Partial<EvalTrial> = {},
): EvalTrial {
  return {
    caseName,
    step,
    kind: step === "tests" ? "tests" : "review",
    model,
    isDefault: model === "a",
    findings,
    promptTokens: 0,
    completionTokens: 0,
    latencyMs: 0,
    error: null,
    ...extra,
  };
}

/** A review step on models a (default) and b, a tests step on a; every case. */
const TRIALS: EvalTrial[] = [
  trial("clean", "review", "a", [TODO], { promptTokens: 100, completionTokens: 10, latencyMs: 800 }),
  trial("clean", "review", "b", []),
  trial("clean", "tests", "a", []),
  trial("key", "review", "a", [KEY], { promptTokens: 120, completionTokens: 20, latencyMs: 900 }),
  trial("key", "review", "b", [KEY, TODO], { error: "timed out" }),
  trial("key", "tests", "a", [KEY]),
  trial("no-test", "review", "a", []),
  trial("no-test", "review", "b", []),
  trial("no-test", "tests", "a", [NO_TEST]),
];

describe("summarizeEval", () => {
  const summary = summarizeEval(CASES, TRIALS);

  test("one row per step and model, each step scored alone against every expected item", () => {
    expect(
      summary.rows.map((r) => [
        r.step,
        r.model,
        r.cases,
        r.truePositives,
        r.falsePositives,
        r.misses,
        r.errors,
      ]),
    ).toEqual([
      ["review", "a", 3, 1, 1, 1, 0],
      ["review", "b", 3, 1, 1, 1, 1],
      ["tests", "a", 3, 2, 0, 0, 0],
    ]);
    expect(summary.rows[0]).toMatchObject({
      promptTokens: 220,
      completionTokens: 30,
      tokens: 250,
      latencyMs: 1700,
      precision: 0.5,
      recall: 0.5,
      f1: 0.5,
    });
  });

  test("the workflow row: default models only, a finding two steps repeat exactly counted once", () => {
    expect(summary.overall).toMatchObject({
      step: null,
      model: null,
      cases: 3,
      truePositives: 2,
      falsePositives: 1,
      misses: 0,
      recall: 1,
      tokens: 250,
      errors: 0,
    });
    expect(summary.overall.precision).toBeCloseTo(2 / 3, 12);
    expect(workflowFindings(TRIALS.filter((t) => t.caseName === "key"))).toEqual([
      { ...KEY, step: "review" },
    ]);
  });
});

describe("thresholdFailures", () => {
  test("says which threshold the workflow is below, cut to 3 decimals (never rounded up to the threshold)", () => {
    const m = { precision: 2 / 3, recall: 0.5, f1: 4 / 7 };
    expect(thresholdFailures(m, {})).toEqual([]);
    expect(thresholdFailures(m, { minPrecision: 0.667, minRecall: 0.5 })).toEqual([
      "precision 0.666 is below --min-precision 0.667",
    ]);
    expect(thresholdFailures(m, { minPrecision: 0.6, minRecall: 0.75 })).toEqual([
      "recall 0.5 is below --min-recall 0.75",
    ]);
  });
});
