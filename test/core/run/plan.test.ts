import { describe, expect, test } from "vitest";
import { planWorkflow, type StepPlan } from "../../../src/core/run/plan.js";
import { stepPlan } from "../../../src/core/run/plan-index.js";
import type { WorkflowFile } from "../../../src/core/workflow/workflow.schema.js";
import { planOf, step, workflowFile } from "../helpers.js";

function stepsById(plan: { steps: readonly StepPlan[] }): Record<string, StepPlan> {
  return Object.fromEntries(plan.steps.map((s) => [s.id, s]));
}

describe("planWorkflow defaults", () => {
  const all = () =>
    stepsById(
      planOf({
        p: ["r:review", "s:security", "t:tests", "a:agent", "g:approval", "c:checks", "m:merge", "d:deploy"],
      }),
    );

  test("timeouts: agent steps 10m, approval none, deploy 30m, checks 1h, merge 5m", () => {
    const s = all();
    expect(Object.fromEntries(Object.entries(s).map(([id, p]) => [id, p.timeoutMs]))).toEqual({
      r: 600_000,
      s: 600_000,
      t: 600_000,
      a: 600_000,
      g: null,
      c: 3_600_000,
      m: 300_000,
      d: 1_800_000,
    });
  });

  test("a given timeout wins, for any kind", () => {
    const s = stepsById(
      planOf({ p: [step("g:approval", { timeout: "2h" }), step("r:review", { timeout: "90s" })] }),
    );
    expect(s.g?.timeoutMs).toBe(7_200_000);
    expect(s.r?.timeoutMs).toBe(90_000);
  });

  test("retries: 2 for agent steps, 0 for the rest; isAgent follows the kind", () => {
    const s = all();
    expect(Object.fromEntries(Object.entries(s).map(([id, p]) => [id, [p.retries, p.isAgent]]))).toEqual({
      r: [2, true],
      s: [2, true],
      t: [2, true],
      a: [2, true],
      g: [0, false],
      c: [0, false],
      m: [0, false],
      d: [0, false],
    });
    const given = stepsById(
      planOf({ p: [step("r:review", { retries: 0 }), step("a:agent", { retries: 5 })] }),
    );
    expect([given.r?.retries, given.a?.retries]).toEqual([0, 5]);
  });

  test("the rest of a step: name, fail_on, continue_on_error, when, prompt, with", () => {
    const plan = planOf({
      review: [
        step("r:review"),
        step("x:security", {
          name: "Security",
          fail_on: "medium",
          continue_on_error: true,
          when: { paths: ["a"] },
        }),
        step("a:agent", { prompt: "Plan {{ issue.title }}", with: { post: "comment" } }),
        step("m:merge", { with: { method: "squash" } }),
      ],
    });
    const s = stepsById(plan);
    expect(s.r).toMatchObject({
      name: "r",
      phaseId: "review",
      kind: "review",
      failOn: "high",
      continueOnError: false,
      when: null,
      prompt: null,
      with: {},
    });
    expect(s.x).toMatchObject({
      name: "Security",
      failOn: "medium",
      continueOnError: true,
      when: { paths: ["a"] },
    });
    expect(s.a).toMatchObject({ prompt: "Plan {{ issue.title }}", with: { post: "comment" } });
    expect(s.m?.with).toEqual({ method: "squash" });
  });

  test("run settings default to max_parallel 4, 200k tokens, /agents, the workflow id as name", () => {
    const plan = planOf({ p: ["a:review"] });
    expect(plan).toMatchObject({
      workflowId: "w",
      name: "w",
      maxParallel: 4,
      budgetTokens: 200_000,
      commandPrefix: "/agents",
    });
    expect(plan.phases).toEqual([{ id: "p", name: "p", needs: [], steps: ["a"] }]);
  });
});

describe("planWorkflow settings and personas", () => {
  const file = (): WorkflowFile =>
    workflowFile(
      {
        p: [
          step("plain:review"),
          step("persona:review", { agent: "reviewer" }),
          step("bare:security", { agent: "terse" }),
          step("gate:approval"),
        ],
      },
      {
        settings: { model: "house-model", max_parallel: 7, budget_tokens: 50_000, command_prefix: "/bots" },
        agents: {
          reviewer: { model: "big-model", instructions: "Focus on API misuse." },
          terse: { instructions: "Be brief." },
        },
      },
    );

  test("model: persona, else settings.model, else the default; instructions from the persona", () => {
    const s = stepsById(planWorkflow(file(), "w"));
    expect([s.plain?.model, s.plain?.instructions]).toEqual(["house-model", null]);
    expect([s.persona?.model, s.persona?.instructions]).toEqual(["big-model", "Focus on API misuse."]);
    expect([s.bare?.model, s.bare?.instructions]).toEqual(["house-model", "Be brief."]);
    expect(stepsById(planOf({ p: ["a:review"] })).a?.model).toBe("gpt-4o-mini");
  });

  test("settings carry over; the budget is capped by maxTokens, never raised", () => {
    const plan = planWorkflow(file(), "w");
    expect(plan).toMatchObject({ maxParallel: 7, budgetTokens: 50_000, commandPrefix: "/bots" });
    expect(planWorkflow(file(), "w", { maxTokens: 10_000 }).budgetTokens).toBe(10_000);
    expect(planWorkflow(file(), "w", { maxTokens: 90_000 }).budgetTokens).toBe(50_000);
    expect(planOf({ p: ["a:review"] }, {}).budgetTokens).toBe(200_000);
    expect(planWorkflow(workflowFile({ p: ["a:review"] }), "w", { maxTokens: 1000 }).budgetTokens).toBe(1000);
  });

  test("workflow and phase names", () => {
    const f = workflowFile({ review: { name: "Review", steps: ["a:review"] } });
    const named: WorkflowFile = { ...f, workflows: { w: { ...f.workflows.w, name: "Delivery" } } };
    const plan = planWorkflow(named, "w");
    expect(plan.name).toBe("Delivery");
    expect(plan.phases[0]?.name).toBe("Review");
  });
});

describe("planWorkflow needs", () => {
  test("a step needs its depends_on plus every step of the phases its phase depends on", () => {
    const plan = planOf({
      review: ["a:review", "b:security"],
      approve: { needs: ["review"], steps: ["g:approval"] },
      ship: { needs: ["approve"], steps: ["m:merge", "d:deploy<m,a"] },
    });
    const s = stepsById(plan);
    expect(s.a).toMatchObject({ needs: [], needReasons: {} });
    expect(s.g).toMatchObject({
      needs: ["a", "b"],
      needReasons: { a: 'phase "review"', b: 'phase "review"' },
    });
    // Only direct phase dependencies: review's steps reach ship through approve.
    expect(s.m).toMatchObject({ needs: ["g"], needReasons: { g: 'phase "approve"' } });
    // A step's own depends_on comes first and names the step, even when a phase need also covers it.
    expect(s.d).toMatchObject({
      needs: ["m", "a", "g"],
      needReasons: { m: 'step "m"', a: 'step "a"', g: 'phase "approve"' },
    });
    expect(plan.phases.map((p) => [p.id, p.needs, p.steps])).toEqual([
      ["review", [], ["a", "b"]],
      ["approve", ["review"], ["g"]],
      ["ship", ["approve"], ["m", "d"]],
    ]);
  });

  test("a step named by depends_on and by a phase need is needed once, for the step's reason", () => {
    const s = stepsById(
      planOf({ review: ["a:review"], approve: { needs: ["review"], steps: ["g:approval<a,a"] } }),
    );
    expect(s.g).toMatchObject({ needs: ["a"], needReasons: { a: 'step "a"' } });
  });

  test("keeps declaration order (phases, then steps), which need not be topological", () => {
    const plan = planOf({ late: ["x:review<y"], early: ["y:security"] });
    expect(plan.steps.map((s) => s.id)).toEqual(["x", "y"]);
    expect(stepPlan(plan, "x").needs).toEqual(["y"]);
  });
});

describe("planWorkflow errors and lookups", () => {
  test("throws for an unknown workflow or one without phases", () => {
    expect(() => planWorkflow(workflowFile({ p: ["a:review"] }), "nope")).toThrow(
      'workflow "nope" has no phases',
    );
    const templateOnly: WorkflowFile = { version: 1, workflows: { t: { template: "feature" } } };
    expect(() => planWorkflow(templateOnly, "t")).toThrow('workflow "t" has no phases');
  });

  test("stepPlan finds a step or throws", () => {
    const plan = planOf({ p: ["a:review"] });
    expect(stepPlan(plan, "a").kind).toBe("review");
    expect(() => stepPlan(plan, "zz")).toThrow('unknown step "zz"');
  });
});

describe("planWorkflow: a persona's governance", () => {
  const file = (agents: WorkflowFile["agents"], settings: WorkflowFile["settings"] = {}): WorkflowFile => ({
    version: 1,
    settings,
    agents,
    workflows: {
      w: {
        phases: {
          p: {
            steps: [
              { id: "r", uses: "review", agent: "reviewer" },
              { id: "s", uses: "security" },
              { id: "g", uses: "approval" },
            ],
          },
        },
      },
    },
  });

  test("defaults: the spec's error budget, min_confidence 0.7, no shadow, fallback or verification; shadow budget a quarter", () => {
    const plan = planWorkflow(file({ reviewer: { model: "gpt-a" } }, { budget_tokens: 1000 }), "w");
    const { r, s, g } = stepsById(plan);
    expect([r?.persona, r?.errorBudget, r?.minConfidence, r?.shadow, r?.fallback, r?.verify]).toEqual([
      "reviewer",
      { maxErrors: 8, maxRepeats: 2, windowMs: 86_400_000, cooldownMs: 3_600_000 },
      0.7,
      undefined,
      undefined,
      undefined,
    ]);
    // A step without a persona is its own, with the default budget; a gate has none.
    expect([s?.persona, s?.errorBudget?.maxErrors]).toEqual(["s", 8]);
    expect([g?.persona, g?.errorBudget]).toEqual([undefined, undefined]);
    expect(plan.shadowBudgetTokens).toBe(250);
  });

  test("shadow, fallback (its model and instructions), error budget, verify (true: the persona's own model)", () => {
    const plan = planWorkflow(
      file(
        {
          reviewer: {
            models: ["gpt-a", "gpt-b"],
            shadow: "gpt-c",
            fallback: "backup",
            error_budget: { max_errors: 3, window: "90m", cooldown: "10m" },
            verify: true,
            min_confidence: 0.5,
          },
          backup: { model: "gpt-d", instructions: "Be careful." },
        },
        { shadow_budget_tokens: 99 },
      ),
      "w",
    );
    const { r } = stepsById(plan);
    expect(r).toMatchObject({
      model: "gpt-a",
      models: ["gpt-a", "gpt-b"],
      shadow: "gpt-c",
      fallback: { persona: "backup", model: "gpt-d", instructions: "Be careful." },
      errorBudget: { maxErrors: 3, maxRepeats: 2, windowMs: 90 * 60_000, cooldownMs: 10 * 60_000 },
      verify: "gpt-a",
      minConfidence: 0.5,
    });
    expect(plan.shadowBudgetTokens).toBe(99);
    const other = planWorkflow(file({ reviewer: { model: "gpt-a", verify: "gpt-judge" } }), "w");
    expect(stepsById(other).r?.verify).toBe("gpt-judge");
  });
});
