import { describe, expect, test } from "vitest";
import { phaseStatus } from "../../../src/core/run/phase-status.js";
import type { RunPlan } from "../../../src/core/run/plan.js";
import type { RunState } from "../../../src/core/run/run-state.js";
import { Driver, HEAD, planOf, queuedRun, step, T0 } from "../helpers.js";

function statusOf(run: RunState, phaseId: string) {
  const phase = run.plan.phases.find((p) => p.id === phaseId);
  if (!phase) throw new Error(`no phase ${phaseId}`);
  return phaseStatus(run, phase);
}

const gated = (): RunPlan =>
  planOf({
    review: ["a:review", "b:security"],
    approve: { needs: ["review"], steps: ["g:approval"] },
  });

describe("phaseStatus while the phase is open", () => {
  test("queued while every step is queued", () => {
    expect(statusOf(queuedRun(gated()), "review")).toEqual({ status: "queued" });
    const d = Driver.started(gated());
    expect(statusOf(d.state, "approve")).toEqual({ status: "queued" });
  });

  test("in_progress while a step is ready or running", () => {
    const d = Driver.started(gated());
    expect(statusOf(d.state, "review")).toEqual({ status: "in_progress", waiting: false });
    d.claim(T0, { limit: 1 });
    expect(statusOf(d.state, "review")).toEqual({ status: "in_progress", waiting: false });
  });

  test("in_progress and waiting when only outside events can move it", () => {
    const d = Driver.started(planOf({ p: ["g:approval", "dp:deploy", "m:merge"] }));
    d.claim(T0);
    d.wait("g", T0 + 1, "approval");
    expect(statusOf(d.state, "p")).toEqual({ status: "in_progress", waiting: false }); // dp, m still running
    d.wait("dp", T0 + 1, "deployment");
    d.succeed("m", T0 + 2);
    expect(statusOf(d.state, "p")).toEqual({ status: "in_progress", waiting: true });
  });

  test("in_progress, not waiting, when a step waits on another phase's step", () => {
    const d = Driver.started(planOf({ p: ["a:review", "x:agent<b"], q: ["b:security"] }));
    d.claim(T0);
    d.succeed("a", T0 + 1);
    expect(statusOf(d.state, "p")).toEqual({ status: "in_progress", waiting: false });
  });
});

describe("phaseStatus conclusions", () => {
  test("success when every step succeeded", () => {
    const d = Driver.started(gated());
    d.claim(T0);
    d.succeed("a", T0 + 1);
    d.succeed("b", T0 + 2);
    expect(statusOf(d.state, "review")).toEqual({ status: "completed", conclusion: "success" });
  });

  test("success with steps skipped by `when` or by hand, or failed with continue_on_error", () => {
    const d = Driver.started(
      planOf({
        p: [
          "a:review",
          step("w:review", { when: { labels: ["nope"] } }),
          "h:security",
          step("c:tests", { continue_on_error: true, retries: 0 }),
        ],
      }),
    );
    d.claim(T0);
    d.succeed("a", T0 + 1);
    d.send({ type: "step-skipped", at: T0 + 2, stepId: "h", by: "carol", reason: "flaky" });
    d.fail("c", T0 + 3);
    expect(statusOf(d.state, "p")).toEqual({ status: "completed", conclusion: "success" });
  });

  test("success when all steps were skipped by hand or `when` (not neutral unless all by `when`)", () => {
    const d = Driver.started(planOf({ p: [step("w:review", { when: { labels: ["nope"] } }), "h:security"] }));
    d.send({ type: "step-skipped", at: T0 + 1, stepId: "h", by: "carol", reason: "not today" });
    expect(statusOf(d.state, "p")).toEqual({ status: "completed", conclusion: "success" });
  });

  test("neutral when every step was skipped by `when`", () => {
    const d = Driver.started(
      planOf({
        docs: [
          step("a:review", { when: { paths: ["docs/**"] } }),
          step("b:agent", { when: { base: ["x"] } }),
        ],
      }),
    );
    expect(statusOf(d.state, "docs")).toEqual({ status: "completed", conclusion: "neutral" });
  });

  test("failure when a step failed without continue_on_error", () => {
    const d = Driver.started(gated());
    d.claim(T0);
    d.succeed("a", T0 + 1);
    d.fail("b", T0 + 2, { retryable: false });
    expect(statusOf(d.state, "review")).toEqual({ status: "completed", conclusion: "failure" });
  });

  test("skipped when a failure upstream stopped it", () => {
    const d = Driver.started(gated());
    d.claim(T0);
    d.succeed("a", T0 + 1);
    d.fail("b", T0 + 2, { retryable: false });
    expect(statusOf(d.state, "approve")).toEqual({ status: "completed", conclusion: "skipped" });
  });

  test("cancelled when the run was cancelled under it; failure wins over cancelled", () => {
    const d = Driver.started(gated());
    d.claim(T0);
    d.succeed("a", T0 + 1);
    d.send({ type: "cancel", at: T0 + 2, by: "erin", reason: "stop" });
    expect(statusOf(d.state, "review")).toEqual({ status: "completed", conclusion: "cancelled" });
    expect(statusOf(d.state, "approve")).toEqual({ status: "completed", conclusion: "cancelled" });

    const f = Driver.started(gated());
    f.claim(T0);
    f.fail("a", T0 + 1, { retryable: false });
    f.send({ type: "supersede", at: T0 + 2, bySha: HEAD });
    expect(statusOf(f.state, "review")).toEqual({ status: "completed", conclusion: "failure" });
  });
});
