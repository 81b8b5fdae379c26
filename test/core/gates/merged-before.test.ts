import { describe, expect, test } from "vitest";
import { mergedBefore } from "../../../src/core/gates/merged-before.js";
import type { RunState, StepState } from "../../../src/core/run/run-state.js";
import { planOf, queuedRun } from "../helpers.js";

// merge → staging → prod-approval (by step depends_on, through the deploy phase) → production; `early` is a gate
// of its own phase that no merge precedes.
const plan = planOf({
  approve: ["early:approval"],
  ship: { needs: ["approve"], steps: ["merge:merge"] },
  deploy: {
    needs: ["ship"],
    steps: [
      "staging:deploy",
      "prod-approval:approval<staging",
      {
        id: "production",
        uses: "deploy",
        depends_on: ["prod-approval"],
        with: { environment: "production" },
      },
    ],
  },
  late: ["later:approval<production"],
});

function withSteps(changes: Record<string, Partial<StepState>>): RunState {
  const run = queuedRun(plan);
  const changed = Object.entries(changes).flatMap(([id, change]) => {
    const s = run.steps.get(id);
    return s ? [{ ...s, ...change }] : [];
  });
  return { ...run, steps: run.steps.with(changed) };
}

describe("mergedBefore", () => {
  test("the finish of the merge a step follows, however far up its needs", () => {
    const run = withSteps({ merge: { status: "succeeded", finishedAt: 5_000 } });
    expect(mergedBefore(run, "prod-approval")).toBe(5_000);
    expect(mergedBefore(run, "later")).toBe(5_000);
  });

  test("null before the merge, for a merge that did not succeed, and for steps no merge precedes", () => {
    expect(mergedBefore(withSteps({}), "prod-approval")).toBeNull();
    expect(
      mergedBefore(withSteps({ merge: { status: "failed", finishedAt: 5_000 } }), "prod-approval"),
    ).toBeNull();
    const merged = withSteps({ merge: { status: "succeeded", finishedAt: 5_000 } });
    expect(mergedBefore(merged, "early")).toBeNull();
    expect(mergedBefore(merged, "merge")).toBeNull();
    expect(mergedBefore(merged, "no-such-step")).toBeNull();
  });
});
