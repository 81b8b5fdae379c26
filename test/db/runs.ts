import type { RunPlan, StepPlan } from "../../src/core/run/plan.js";
import { newRunState, type RunFacts, type RunState, type StepState } from "../../src/core/run/run-state.js";

/** A step of a hand-written plan: an agent review step with a 10 min timeout unless overridden. */
export function stepPlan(id: string, over: Partial<StepPlan> = {}): StepPlan {
  return {
    id,
    name: id,
    phaseId: "review",
    kind: "review",
    needs: [],
    needReasons: {},
    when: null,
    timeoutMs: 600_000,
    retries: 2,
    continueOnError: false,
    isAgent: true,
    failOn: "high",
    model: "gpt-4o-mini",
    instructions: null,
    prompt: null,
    with: {},
    ...over,
  };
}

/** A plan of `review-0 … review-(n-1)` in phase `review`, then an approval gate `gate` with no timeout. */
export function testPlan(n = 3, over: Partial<RunPlan> = {}): RunPlan {
  const reviews = Array.from({ length: n }, (_, i) => stepPlan(`review-${i}`));
  const gate = stepPlan("gate", {
    phaseId: "approve",
    kind: "approval",
    needs: reviews.map((s) => s.id),
    needReasons: Object.fromEntries(reviews.map((s) => [s.id, `phase "review"`])),
    timeoutMs: null,
    retries: 0,
    isAgent: false,
  });
  return {
    workflowId: "pr",
    name: "Pull request",
    maxParallel: 4,
    budgetTokens: 200_000,
    commandPrefix: "/agents",
    phases: [
      { id: "review", name: "Review", needs: [], steps: reviews.map((s) => s.id) },
      { id: "approve", name: "Approve", needs: ["review"], steps: ["gate"] },
    ],
    steps: [...reviews, gate],
    ...over,
  };
}

export function testFacts(over: Partial<RunFacts> = {}): RunFacts {
  return {
    source: "pull_request",
    repo: "acme/web",
    number: 42,
    headSha: "abc1234",
    baseRef: "main",
    author: "octocat",
    labels: ["ready"],
    changedFiles: ["src/a.ts"],
    title: "Add a",
    ...over,
  };
}

export function testRun(
  id: string,
  opts: { plan?: RunPlan; facts?: Partial<RunFacts>; createdAt?: number } = {},
): RunState {
  return newRunState({
    id,
    plan: opts.plan ?? testPlan(),
    facts: testFacts(opts.facts),
    createdAt: opts.createdAt ?? 1_700_000_000_000,
  });
}

/** `run` with some fields and some steps replaced; other step objects are kept (as `transition` does). */
export function withSteps(
  run: RunState,
  steps: Readonly<Record<string, Partial<StepState>>>,
  fields: Partial<RunState> = {},
): RunState {
  const changed = Object.entries(steps).map(([id, patch]) =>
    Object.freeze({ ...run.steps.get(id)!, ...patch }),
  );
  return Object.freeze({ ...run, ...fields, steps: run.steps.with(changed) });
}
