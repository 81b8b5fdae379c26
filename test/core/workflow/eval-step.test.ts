import { describe, expect, test } from "vitest";
import { errorsOf, yaml } from "../workflow-text.js";

const F = ".agents/workflow.yaml";

/** One workflow on pull requests (or only on issues) with the eval step `step`. */
function withEval(step: string, on = "pull_request:"): string {
  return yaml`
    version: 1
    workflows:
      ship:
        on:
          ${on}
        phases:
          eval:
            steps:
              - ${step}
  `;
}

describe("uses: eval in the workflow file", () => {
  test("its keys: min_precision, min_recall, cases, all optional", () => {
    expect(errorsOf(withEval("{ id: agents-eval, uses: eval }"))).toEqual([]);
    expect(
      errorsOf(
        withEval(
          "{ id: agents-eval, uses: eval, with: { min_precision: 0.8, min_recall: 0, cases: qa/evals } }",
        ),
      ),
    ).toEqual([]);
  });

  test("ratios from 0 to 1, a relative folder, no other keys, no retries", () => {
    const errors = [
      errorsOf(withEval("{ id: e, uses: eval, with: { min_recall: 1.5 } }")),
      errorsOf(withEval("{ id: e, uses: eval, with: { cases: ../secrets } }")),
      errorsOf(withEval("{ id: e, uses: eval, with: { cases: /etc } }")),
      errorsOf(withEval("{ id: e, uses: eval, with: { min_f1: 0.5 } }")),
      errorsOf(withEval("{ id: e, uses: eval, retries: 2 }")),
    ];
    expect(errors.map((e) => e.length)).toEqual([1, 1, 1, 1, 1]);
    expect(errors[1]?.[0]).toContain(
      "expected a folder of the repository like `.agents/evals` (relative, without `..`)",
    );
    expect(errors[3]?.[0]).toContain('unknown key "min_f1"');
  });

  test("it needs a pull request", () => {
    expect(errorsOf(withEval("{ id: agents-eval, uses: eval }", "issues: { labels: [bug] }"))).toEqual([
      `${F}:9:38 step "agents-eval": kind "eval" needs a pull request, but workflow "ship" runs only on issues (expected only agent and approval steps)`,
    ]);
  });
});
