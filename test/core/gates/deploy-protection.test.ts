import { describe, expect, test } from "vitest";
import { deployStepsFor, protectionVerdict } from "../../../src/core/gates/deploy-protection.js";
import { Driver, HEAD, planOf, T0 } from "../helpers.js";

const plan = planOf({
  review: ["r:review"],
  ship: {
    needs: ["review"],
    steps: [
      { id: "staging", uses: "deploy", with: { environment: "staging" } },
      { id: "prod-approval", uses: "approval", depends_on: ["staging"] },
      {
        id: "production",
        uses: "deploy",
        depends_on: ["prod-approval"],
        with: { environment: "production" },
      },
    ],
  },
});

function atApproval(): Driver {
  const d = Driver.started(plan);
  d.claim(T0 + 1);
  d.send({
    type: "step-succeeded",
    at: T0 + 2,
    stepId: "r",
    worker: "w1",
    attempt: 1,
    output: { summary: "ok" },
  });
  d.claim(T0 + 3);
  d.send({
    type: "step-succeeded",
    at: T0 + 4,
    stepId: "staging",
    worker: "w1",
    attempt: 1,
    output: { summary: "ok" },
  });
  d.claim(T0 + 5);
  d.send({
    type: "step-waiting",
    at: T0 + 6,
    stepId: "prod-approval",
    worker: "w1",
    attempt: 1,
    waitingFor: "approval",
  });
  return d;
}

describe("protectionVerdict", () => {
  test("finds the deploy steps of an environment", () => {
    expect(deployStepsFor(Driver.started(plan).state, "production")).toEqual(["production"]);
    expect(deployStepsFor(Driver.started(plan).state, "qa")).toEqual([]);
  });

  test("approves staging once the review passed, waits on production's gate", () => {
    const d = atApproval();
    expect(protectionVerdict(d.state, "staging")).toEqual({
      state: "approved",
      comment: `phasegate: every step before deploying to staging passed on ${HEAD.slice(0, 7)} (run run-1)`,
    });
    expect(protectionVerdict(d.state, "production")).toEqual({
      state: "waiting",
      comment: `phasegate: waiting for "prod-approval" on ${HEAD.slice(0, 7)}`,
    });
  });

  test("approves once the gate passed; rejects when it was rejected", () => {
    const ok = atApproval();
    ok.send({ type: "gate-approved", at: T0 + 7, stepId: "prod-approval", by: ["bob"], sha: HEAD });
    expect(protectionVerdict(ok.state, "production").state).toBe("approved");

    const no = atApproval();
    no.send({ type: "gate-rejected", at: T0 + 7, stepId: "prod-approval", by: "bob", reason: "not today" });
    expect(protectionVerdict(no.state, "production")).toEqual({
      state: "rejected",
      comment: `phasegate: step "prod-approval" failed before deploying to production (rejected by @bob: not today) on ${HEAD.slice(0, 7)}`,
    });
  });

  test("a cancelled run rejects; an environment without deploy step rejects", () => {
    const d = atApproval();
    d.send({ type: "cancel", at: T0 + 7, by: "carol", reason: "stop" });
    expect(protectionVerdict(d.state, "production").state).toBe("rejected");
    expect(protectionVerdict(d.state, "qa")).toEqual({
      state: "rejected",
      comment: 'phasegate: workflow "w" has no deploy step for environment "qa"',
    });
  });
});
