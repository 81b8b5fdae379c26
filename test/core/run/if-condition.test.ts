// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${{ … }}` is the expression syntax of `if:`, not a placeholder.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import type { Finding } from "../../../src/core/findings/finding.js";
import { type ConditionView, ifVerdict } from "../../../src/core/run/if-condition.js";
import { phaseStatus } from "../../../src/core/run/phase-status.js";
import { planWorkflow, type RunPlan } from "../../../src/core/run/plan.js";
import { newStepState, type RunFacts, type StepState } from "../../../src/core/run/run-state.js";
import { parseWorkflow } from "../../../src/core/workflow/parse-workflow.js";
import type { Severity } from "../../../src/core/workflow/workflow.schema.js";
import { Driver, facts, planOf, st, startedRun, statuses, step, T0 } from "../helpers.js";

function finding(severity: Severity, over: Partial<Finding> = {}): Finding {
  return { file: "src/app.ts", line: 1, severity, title: `a ${severity} thing`, body: "", ...over };
}

/** A view with these facts and steps; `quick` succeeded with one high, two low and two findings that don't count. */
function view(
  over: { facts?: Partial<RunFacts>; tokens?: number; steps?: Record<string, Partial<StepState>> } = {},
) {
  const steps: Record<string, StepState> = {
    quick: {
      ...newStepState("quick"),
      status: "succeeded",
      output: {
        summary: "",
        findings: [
          finding("high"),
          finding("low"),
          finding("low"),
          finding("blocker", { heldBack: true }),
          finding("medium", { cleared: "wrong" }),
        ],
      },
    },
  };
  for (const [id, s] of Object.entries(over.steps ?? {})) steps[id] = { ...newStepState(id), ...s };
  return {
    facts: facts({ additions: 120, deletions: 30, ...over.facts }),
    tokens: over.tokens ?? 1500,
    step: (id: string) => steps[id],
  } satisfies ConditionView;
}

/** true or false, or the skip or error text, of one expression. */
function evaluate(expression: string, v: ConditionView = view()): boolean | string {
  const r = ifVerdict(expression, v);
  if (r.run) return true;
  return "error" in r ? r.error : r.reason === `if: ${expression} was false` ? false : r.reason;
}

describe("the context", () => {
  test("steps.<id>.outcome for each finished state", () => {
    const v = view({
      steps: {
        ok: { status: "succeeded" },
        bad: { status: "failed" },
        skip: { status: "skipped" },
        gone: { status: "cancelled" },
        open: { status: "running" },
      },
    });
    expect(evaluate("steps.ok.outcome == 'success'", v)).toBe(true);
    expect(evaluate("steps.bad.outcome == 'failure'", v)).toBe(true);
    expect(evaluate("steps.skip.outcome == 'skipped'", v)).toBe(true);
    expect(evaluate("steps.gone.outcome == 'cancelled'", v)).toBe(true);
    expect(evaluate("steps.open.outcome == null", v)).toBe(true);
    expect(evaluate("steps.ok.outcome == 'failure'", v)).toBe(false);
  });

  test("steps.<id>.findings count what fail_on counts: held-back and cleared findings are left out", () => {
    expect(evaluate("steps.quick.findings.blocker == 0")).toBe(true);
    expect(evaluate("steps.quick.findings.high == 1")).toBe(true);
    expect(evaluate("steps.quick.findings.medium == 0")).toBe(true);
    expect(evaluate("steps.quick.findings.low == 2")).toBe(true);
    expect(evaluate("steps.quick.findings.total == 3")).toBe(true);
    expect(evaluate("steps.quick.findings.total > 3")).toBe(false);
    // A step without output has no findings.
    expect(evaluate("steps.x.findings.total == 0", view({ steps: { x: { status: "skipped" } } }))).toBe(true);
  });

  test("pr.* in a PR run", () => {
    const v = view({ facts: { labels: ["security", "area/api"], baseRef: "release/2" } });
    expect(evaluate("pr.author == 'alice'", v)).toBe(true);
    expect(evaluate("contains(pr.labels, 'security')", v)).toBe(true);
    expect(evaluate("contains(pr.labels, 'docs')", v)).toBe(false);
    expect(evaluate("pr.base == 'release/2'", v)).toBe(true);
    expect(evaluate("pr.additions == 120", v)).toBe(true);
    expect(evaluate("pr.deletions == 30", v)).toBe(true);
    expect(evaluate("pr.files[0] == 'src/app.ts' && pr.files[1] == 'README.md'", v)).toBe(true);
    expect(evaluate("issue.author == null && toJSON(issue.labels) == '[]'", v)).toBe(true);
  });

  test("issue.* in an issue run; pr.* is empty there", () => {
    const v = view({ facts: { source: "issue", author: "bob", labels: ["agents:plan"], changedFiles: [] } });
    expect(evaluate("issue.author == 'bob'", v)).toBe(true);
    expect(evaluate("contains(issue.labels, 'agents:plan')", v)).toBe(true);
    expect(evaluate("pr.author == null && pr.base == null && pr.additions == null", v)).toBe(true);
    expect(evaluate("toJSON(pr.labels) == '[]' && toJSON(pr.files) == '[]'", v)).toBe(true);
  });

  test("run.tokens", () => {
    expect(evaluate("run.tokens == 1500")).toBe(true);
    expect(evaluate("run.tokens < 1000")).toBe(false);
  });

  test("a run stored before additions and deletions existed reads them as null", () => {
    const old = facts();
    expect("additions" in old).toBe(false);
    const v = { ...view(), facts: old };
    expect(evaluate("pr.additions == null && pr.deletions == null", v)).toBe(true);
    expect(evaluate("pr.additions > 500", v)).toBe(false);
  });
});

describe("operators and functions", () => {
  test.each([
    ["!contains(pr.labels, 'wip')", true],
    ["!true", false],
    ["pr.additions > 100 && pr.deletions < 100", true],
    ["pr.additions > 500 || pr.deletions > 500", false],
    ["pr.additions >= 120 && pr.additions <= 120", true],
    ["pr.additions != 120", false],
    ["(pr.additions > 1000 || pr.deletions > 10) && pr.author == 'alice'", true],
    ["pr.author == 'ALICE'", true],
    ["contains(pr.labels, 'AGENTS')", true],
    ["contains(pr.author, 'lic')", true],
    ["startsWith(pr.base, 'ma')", true],
    ["startsWith(pr.base, 'release/')", false],
    ["endsWith(pr.files[0], '.ts')", true],
    ["contains(join(pr.files, ','), 'src/')", true],
    ["contains(join(pr.files, ','), 'docs/')", false],
    ["format('{0}:{1}', pr.author, pr.base) == 'alice:main'", true],
    ["toJSON(pr.labels) == '[\n  \"agents\"\n]'", true],
    ["fromJSON('{\"limit\": 100}').limit < pr.additions", true],
    ["fromJSON('[\"agents\"]')[0] == pr.labels[0]", true],
    ["pr.additions == '120'", true],
    ["pr.labels", true],
    ["''", false],
    ["0", false],
    ["null", false],
  ])("%s → %s", (expression, expected) => {
    expect(evaluate(expression)).toBe(expected);
  });

  test("the ${{ }} form evaluates like the bare one", () => {
    const plan = planOf({
      p: [
        step("a:review", { if: "${{ pr.additions > 500 }}" }),
        step("b:review", { if: "pr.additions > 500" }),
      ],
    });
    expect(plan.steps.map((s) => s.if)).toEqual(["pr.additions > 500", "pr.additions > 500"]);
    const run = startedRun(plan, { additions: 20 });
    expect(st(run, "a").reason).toBe("if: pr.additions > 500 was false");
    expect(st(run, "b").reason).toBe("if: pr.additions > 500 was false");
  });

  test("an expression that cannot be evaluated fails the step", () => {
    expect(ifVerdict("fromJSON('{') == 1", view())).toEqual({
      run: false,
      error: "if: could not evaluate: Error parsing JSON when evaluating fromJson",
    });
    expect(ifVerdict("pr.additions +", view())).toEqual({
      run: false,
      error: "if: syntax error: unexpected symbol: '+' (expressions have no arithmetic)",
    });
  });

  test("the skip reason is on one line and cut at 200 characters", () => {
    expect(ifVerdict("pr.additions > 500\n  || pr.deletions > 500", view())).toEqual({
      run: false,
      reason: "if: pr.additions > 500 || pr.deletions > 500 was false",
    });
    const long = Array.from({ length: 30 }, (_, i) => `pr.author == 'user${i}'`).join(" || ");
    const r = ifVerdict(long, view());
    expect(r).toMatchObject({ run: false });
    const reason = "reason" in r ? r.reason : "";
    expect(reason).toBe(`if: ${long.slice(0, 199)}… was false`);
  });
});

describe("the run", () => {
  test("a false if: skips the step with the reason; a true one runs it", () => {
    const d = Driver.started(
      planOf({
        p: [
          step("small:review", { if: "${{ pr.additions > 500 }}" }),
          step("big:review", { if: "${{ pr.additions > 100 }}" }),
        ],
      }),
      { additions: 120 },
    );
    expect(d.step("small")).toMatchObject({
      status: "skipped",
      reason: "if: pr.additions > 500 was false",
      finishedAt: T0,
    });
    expect(d.step("big").status).toBe("ready");
  });

  test("when is checked before if:", () => {
    const run = startedRun(
      planOf({ p: [step("a:review", { when: { labels: ["nope"] }, if: "pr.additions > 500" })] }),
      { additions: 10 },
    );
    expect(st(run, "a").reason).toBe("when: labels did not match");
  });

  test("if: waits for every step it names, then sees their outcome and findings", () => {
    const d = Driver.started(
      planOf({
        p: [
          "quick:security",
          step("deep:security", { if: "${{ steps.quick.findings.total > 0 }}" }),
          step("none:security", { if: "${{ steps.quick.findings.total == 0 }}" }),
        ],
      }),
    );
    expect(statuses(d.state)).toEqual({ quick: "ready", deep: "queued", none: "queued" });
    d.claim(T0 + 1);
    d.send({
      type: "step-succeeded",
      at: T0 + 2,
      stepId: "quick",
      worker: "w1",
      attempt: 1,
      output: { summary: "1 finding", findings: [finding("medium")] },
    });
    expect(d.step("deep").status).toBe("ready");
    expect(d.step("none")).toMatchObject({
      status: "skipped",
      reason: "if: steps.quick.findings.total == 0 was false",
      finishedAt: T0 + 2,
    });
  });

  test("a step named in if: that fails skips the step first, with the reason; continue_on_error lets if: see it", () => {
    const d = Driver.started(
      planOf({
        p: [
          "quick:security",
          step("soft:security", { continue_on_error: true }),
          step("after-quick:review", { if: "steps.quick.outcome == 'failure'" }),
          step("after-soft:review", { if: "steps.soft.outcome == 'failure'" }),
        ],
      }),
    );
    d.claim(T0 + 1);
    d.fail("quick", T0 + 2, { retryable: false });
    d.fail("soft", T0 + 2, { retryable: false });
    expect(d.step("after-quick")).toMatchObject({
      status: "skipped",
      reason: 'step "quick" (named in if:) failed',
    });
    expect(d.step("after-soft").status).toBe("ready");
  });

  test("a step skipped by if: does not block its dependants, and its phase is neutral or succeeds", () => {
    const d = Driver.started(
      planOf({
        review: ["code-review:review", step("deep:security", { if: "steps.code-review.findings.high > 0" })],
        approve: {
          needs: ["review"],
          steps: [step("second:approval", { if: "pr.additions > 500" })],
        },
        merge: { needs: ["approve"], steps: ["merge:merge"] },
      }),
      { additions: 10 },
    );
    d.claim(T0 + 1);
    d.succeed("code-review", T0 + 2);
    expect(d.step("deep").reason).toBe("if: steps.code-review.findings.high > 0 was false");
    expect(d.step("second").reason).toBe("if: pr.additions > 500 was false");
    expect(d.step("merge").status).toBe("ready");
    const phase = (id: string) => d.state.plan.phases.find((p) => p.id === id)!;
    expect(phaseStatus(d.state, phase("review"))).toEqual({ status: "completed", conclusion: "success" });
    expect(phaseStatus(d.state, phase("approve"))).toEqual({ status: "completed", conclusion: "neutral" });
  });

  test("a step whose if: names a step in a later phase waits for it", () => {
    const d = Driver.started(
      planOf({
        review: [step("notify:agent", { if: "steps.staging.outcome == 'success'" })],
        deploy: ["staging:deploy"],
      }),
    );
    expect(statuses(d.state)).toEqual({ notify: "queued", staging: "ready" });
    expect(d.state.plan.steps[0]?.needReasons).toEqual({ staging: 'step "staging" (named in if:)' });
    d.claim(T0 + 1);
    d.wait("staging", T0 + 2, "deployment");
    expect(d.step("notify").status).toBe("queued");
    d.send({ type: "step-resolved", at: T0 + 3, stepId: "staging", ok: true });
    expect(d.step("notify").status).toBe("ready");
  });

  test("an if: that cannot be evaluated fails the step, and that failure stops its dependants", () => {
    const d = Driver.started(planOf({ p: [step("a:review", { if: "fromJSON('') == 1" }), "b:review<a"] }));
    expect(d.step("a")).toMatchObject({ status: "failed", error: "if: could not evaluate: empty input" });
    expect(d.step("b")).toMatchObject({ status: "skipped", reason: 'step "a" failed' });
    expect(d.state.status).toBe("failed");
  });

  test("run.tokens counts the tokens of the transition that finishes the named step", () => {
    const d = Driver.started(
      planOf({
        p: ["a:review", step("b:review", { if: "steps.a.outcome == 'success' && run.tokens >= 700" })],
      }),
    );
    d.claim(T0 + 1);
    d.succeed("a", T0 + 2, { tokens: 700 });
    expect(d.step("b").status).toBe("ready");
  });

  test("retrying a step re-decides the if: of a dependant skipped on its earlier result", () => {
    const d = Driver.started(
      planOf({
        p: [
          step("quick:security", { continue_on_error: true }),
          step("deep:security", { if: "steps.quick.outcome == 'success'" }),
        ],
      }),
    );
    d.claim(T0 + 1);
    d.fail("quick", T0 + 2, { retryable: false });
    expect(d.step("deep").reason).toBe("if: steps.quick.outcome == 'success' was false");
    d.send({ type: "retry", at: T0 + 3, by: "alice", stepId: "quick" });
    expect(statuses(d.state)).toMatchObject({ quick: "ready", deep: "queued" });
    d.claim(T0 + 4);
    d.succeed("quick", T0 + 5);
    expect(d.step("deep")).toMatchObject({ status: "ready", reason: null });
  });

  test("a plan stored before if: existed runs as before", () => {
    const plan = planOf({ p: ["a:review"] });
    expect("if" in plan.steps[0]!).toBe(false);
    const stored = JSON.parse(JSON.stringify(plan)) as RunPlan;
    expect(statuses(startedRun(stored))).toEqual({ a: "ready" });
  });
});

describe("docs/workflow-file.md: the typical uses do what the page says", () => {
  const docs = readFileSync(new URL("../../../docs/workflow-file.md", import.meta.url), "utf8");
  const section = docs.slice(docs.indexOf("### `if:`"), docs.indexOf("### Phase conclusions"));
  const example = /```yaml\n(version: 1\n[\s\S]*?)```/.exec(section)?.[1] ?? "";
  const parsed = parseWorkflow(example, { templates: {} });
  if (!parsed.ok) throw new Error("the example is invalid");
  const plan = planWorkflow(parsed.workflow, "delivery");

  /** Runs the review phase with the quick review's findings, then reads every step. */
  function run(f: Partial<RunFacts>, quickFindings: Finding[]) {
    const d = Driver.started(plan, f);
    d.claim(T0 + 1);
    d.send({
      type: "step-succeeded",
      at: T0 + 2,
      stepId: "quick-security",
      worker: "w1",
      attempt: 1,
      output: { summary: "", findings: quickFindings },
    });
    return d;
  }

  test("a small docs-only PR whose quick review found nothing: three skips with the page's reasons, one approval", () => {
    const d = run({ additions: 40, deletions: 0, changedFiles: ["docs/intro.md"] }, []);
    expect(d.step("deep-security").reason).toBe("if: steps.quick-security.findings.total > 0 was false");
    expect(d.step("tests").reason).toBe("if: contains(join(pr.files, ','), 'src/') was false");
    expect(section).toContain("`if: steps.quick-security.findings.total > 0 was false`");
    expect(section).toContain("`if: contains(join(pr.files, ','), 'src/') was false`");
    expect(d.step("approval").status).toBe("ready");
    expect(d.step("second-approval").reason).toBe("if: pr.additions > 500 || pr.deletions > 500 was false");
    expect(section).toContain("`if: pr.additions > 500 || pr.deletions > 500 was false`");
  });

  test("a large source PR whose quick review found something: the deep review, tests and a second approval", () => {
    const d = run({ additions: 700, deletions: 10, changedFiles: ["src/app.ts"] }, [finding("medium")]);
    expect(d.step("deep-security").status).toBe("ready");
    // `tests` names no step: it started with the quick review.
    expect(d.step("tests").status).toBe("running");
    d.claim(T0 + 3);
    d.succeed("deep-security", T0 + 4);
    d.succeed("tests", T0 + 4);
    expect(d.step("second-approval").status).toBe("ready");
  });
});
