import { describe, expect, test } from "vitest";
import { EvalBudget, evaluatePlan, parseCase, runEval } from "../../src/engine/eval-runner.js";
import { describeDryRun } from "../../src/engine/executors/dry-run.js";
import type { AgentProvider } from "../../src/engine/ports.js";
import { planOf, queuedRun } from "../core/helpers.js";

const DIFF = `diff --git a/src/app.ts b/src/app.ts
--- a/src/app.ts
+++ b/src/app.ts
@@ -1,2 +1,3 @@
 export const a = 1;
+console.log("debug", a);
 export const b = 2;
`;
const place = (file: string) => `evals/one/${file}`;

describe("parseCase: a case's two texts, checked as phasegate eval checks a folder", () => {
  test("a diff and its expected findings", () => {
    const parsed = parseCase(
      "one",
      { diff: DIFF, expected: "- { file: src/app.ts, line: 2, severity: low }\n" },
      place,
    );
    expect(parsed.ok && parsed.case).toMatchObject({
      name: "one",
      files: [{ path: "src/app.ts" }],
      expected: [{ file: "src/app.ts", lines: { start: 2, end: 2 }, severity: "low", about: [] }],
    });
  });

  test("every problem, each with its place", () => {
    expect(parseCase("one", { diff: null, expected: null }, place)).toEqual({
      ok: false,
      errors: [
        "evals/one/change.diff: missing (the case's unified diff)",
        "evals/one/expected.yaml: missing (a list of expected findings, or [])",
      ],
    });
    expect(parseCase("one", { diff: "not a diff\n", expected: "[]\n" }, place)).toEqual({
      ok: false,
      errors: ["evals/one/change.diff: no file changes in this diff (expected the output of git diff)"],
    });
    const bad = parseCase(
      "one",
      { diff: DIFF, expected: "- { file: src/other.ts, severity: low }\n" },
      place,
    );
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.errors[0]).toMatch(
      /^evals\/one\/expected\.yaml:1:11 item 1: "src\/other\.ts" is not a file of the change/,
    );
  });
});

describe("runEval with one budget for every trial (the eval gate's)", () => {
  const plan = planOf({ review: [{ id: "code-review", uses: "review" }] });
  const cases = ["a", "b", "c"].map((name) => {
    const parsed = parseCase(name, { diff: DIFF, expected: "[]\n" }, place);
    if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
    return parsed.case;
  });
  /** A provider without a meter (nothing reserved up front) that reports 60 tokens a call. */
  function counting(): AgentProvider & { calls: number } {
    const provider = {
      label: "counting",
      calls: 0,
      run: async () => {
        provider.calls++;
        return {
          findings: [],
          text: "ok",
          usage: { promptTokens: 50, completionTokens: 10 },
          provider: "counting",
          notReviewed: [],
        };
      },
    };
    return provider;
  }

  test("no case starts once the budget is spent; the budget is shared across calls of runEval", async () => {
    const provider = counting();
    const budget = new EvalBudget(100, 4);
    const first = await runEval({ plan, cases, provider, allowedModels: [], budget });
    // a: 60 spent; b: 120, over the 100; c never starts.
    expect(first.map((t) => t.caseName)).toEqual(["a", "b"]);
    expect(budget.spent).toBe(120);
    expect(budget.exhausted).toBe(true);
    const second = await evaluatePlan({ plan, cases, provider, allowedModels: [], budget });
    expect(second.casesRun).toBe(0);
    expect(provider.calls).toBe(2);
  });

  test("without a budget every trial is a run of its own: every case runs", async () => {
    const provider = counting();
    const trials = await runEval({
      plan: { ...plan, budgetTokens: 100 },
      cases,
      provider,
      allowedModels: [],
    });
    expect(trials.map((t) => t.caseName)).toEqual(["a", "b", "c"]);
  });

  test("an aborted signal starts no case", async () => {
    const provider = counting();
    const controller = new AbortController();
    controller.abort(new Error("step timed out"));
    const outcome = await evaluatePlan({
      plan,
      cases,
      provider,
      allowedModels: [],
      signal: controller.signal,
    });
    expect(outcome.casesRun).toBe(0);
    expect(provider.calls).toBe(0);
  });

  test("a plan without agent steps evaluates every case to nothing found", async () => {
    const noAgents = planOf({ ship: [{ id: "merge", uses: "merge" }] });
    const outcome = await evaluatePlan({ plan: noAgents, cases, provider: counting(), allowedModels: [] });
    expect(outcome.casesRun).toBe(3);
    expect(outcome.summary.overall).toMatchObject({
      truePositives: 0,
      falsePositives: 0,
      precision: 1,
      recall: 1,
    });
  });
});

describe("describeDryRun: what an eval step would do in phasegate run", () => {
  const plan = planOf({
    review: [{ id: "eval", uses: "eval", with: { min_recall: 0.6, cases: "qa/evals" } }],
  });
  const step = plan.steps[0]!;

  test("with a change under .agents/", () => {
    expect(describeDryRun(step, queuedRun(plan, { changedFiles: [".agents/workflow.yaml"] }))).toBe(
      "would evaluate the changed agent settings beside the default branch's on the default branch's cases in qa/evals (min_recall 0.6, at most 5 points below the default branch)",
    );
  });

  test("without one", () => {
    expect(describeDryRun(step, queuedRun(plan, { changedFiles: ["src/app.ts"] }))).toBe(
      "nothing to evaluate: the change touches no file under .agents/",
    );
  });

  test("the plan: not an agent step, 30 minutes, no retries", () => {
    expect(step).toMatchObject({ kind: "eval", isAgent: false, timeoutMs: 30 * 60_000, retries: 0 });
  });
});
