import { describe, expect, test } from "vitest";
import type { Finding } from "../../../src/core/findings/finding.js";
import {
  escalatedGate,
  escalateOf,
  escalatingFindings,
  escalationReason,
  isOpenFinding,
  type LedgerMarks,
  runFindings,
} from "../../../src/core/gates/escalation.js";
import { type GateFacts, gateSpec } from "../../../src/core/gates/gate-facts.js";
import { waitingGates } from "../../../src/core/gates/gate-text.js";
import { evaluateGate } from "../../../src/core/gates/gates.js";
import type { RunState, StepState } from "../../../src/core/run/run-state.js";
import { StepTable } from "../../../src/core/run/step-table.js";
import type { Severity } from "../../../src/core/workflow/workflow.schema.js";
import { planOf, queuedRun, step } from "../helpers.js";

const HEAD = "abc1234def5678abc1234def5678abc1234def56";
const WAIT = 1_000_000;
const ESCALATE = { on: "high", count: 2, from: ["@acme/security"] };

function finding(fingerprint: string, severity: Severity, over: Partial<Finding> = {}): Finding {
  return {
    file: "src/app.ts",
    line: 1,
    severity,
    title: `t-${fingerprint}`,
    body: "b",
    fingerprint,
    ...over,
  };
}

const gate = (w: Record<string, unknown> = { count: 1, escalate: ESCALATE }) =>
  gateSpec({ id: "ship", with: w }, WAIT);
const escalated = (
  w: Record<string, unknown>,
  findings: readonly Finding[],
  ledger: LedgerMarks = new Map(),
) => escalatedGate(gate(w), escalateOf(w), findings, ledger);

describe("escalateOf: the step's `with.escalate`", () => {
  test.each([
    ["none", {}, null],
    [
      "on only: count and from default to the gate's",
      { escalate: { on: "medium" } },
      { on: "medium", count: null, from: null },
    ],
    ["all given", { escalate: ESCALATE }, { on: "high", count: 2, from: ["@acme/security"] }],
    [
      "from codeowners",
      { escalate: { on: "blocker", from: "codeowners" } },
      { on: "blocker", count: null, from: "codeowners" },
    ],
    ["an unknown severity is no escalation", { escalate: { on: "critical" } }, null],
    ["not a mapping", { escalate: "high" }, null],
  ])("%s", (_name, w, expected) => {
    expect(escalateOf(w)).toEqual(expected);
  });
});

describe("which findings escalate", () => {
  const none: LedgerMarks = new Map();

  test("thresholds: at or above `on`, never below", () => {
    const all = [finding("b", "blocker"), finding("h", "high"), finding("m", "medium"), finding("l", "low")];
    const ids = (on: Severity) => escalatingFindings(on, all, none).map((f) => f.fingerprint);
    expect(ids("blocker")).toEqual(["b"]);
    expect(ids("high")).toEqual(["b", "h"]);
    expect(ids("medium")).toEqual(["b", "h", "m"]);
    expect(ids("low")).toEqual(["b", "h", "m", "l"]);
  });

  test.each<[string, Finding, LedgerMarks, boolean]>([
    ["open in the ledger", finding("x", "high"), new Map([["x", { state: "open", clears: false }]]), true],
    ["not in the ledger (not posted yet)", finding("x", "high"), none, true],
    ["without a fingerprint", finding("x", "high", { fingerprint: undefined }), none, true],
    ["judged useful", finding("x", "high"), new Map([["x", { state: "useful", clears: false }]]), true],
    [
      "held back, even while open in the ledger",
      finding("x", "high", { heldBack: true }),
      new Map([["x", { state: "open", clears: false }]]),
      false,
    ],
    ["cleared by the step (judged before it ran)", finding("x", "high", { cleared: "wrong" }), none, false],
    [
      "wrong by a writer who may clear it",
      finding("x", "high"),
      new Map([["x", { state: "wrong", clears: true }]]),
      false,
    ],
    [
      "dismissed by a writer who may clear it",
      finding("x", "high"),
      new Map([["x", { state: "dismissed", clears: true }]]),
      false,
    ],
    [
      "addressed by a push",
      finding("x", "high"),
      new Map([["x", { state: "addressed", clears: false }]]),
      false,
    ],
    [
      "wrong by the PR's author or last pusher: still open",
      finding("x", "high"),
      new Map([["x", { state: "wrong", clears: false }]]),
      true,
    ],
    [
      "dismissed by the author: still open",
      finding("x", "high"),
      new Map([["x", { state: "dismissed", clears: false }]]),
      true,
    ],
    [
      "cleared at step time, judged useful since: the ledger is newer",
      finding("x", "high", { cleared: "wrong" }),
      new Map([["x", { state: "useful", clears: false }]]),
      true,
    ],
  ])("%s → open %s", (_name, f, ledger, open) => {
    expect(isOpenFinding(f, ledger)).toBe(open);
  });

  test("a run's findings: every step's, each fingerprint once", () => {
    const run = withSteps(queuedRun(planOf({ review: ["a:review", "b:security"] })), {
      a: { output: { summary: "", findings: [finding("x", "high"), finding("y", "low")] } },
      b: { output: { summary: "", findings: [finding("x", "high"), finding("z", "blocker")] } },
    });
    expect(runFindings(run).map((f) => f.fingerprint)).toEqual(["x", "y", "z"]);
  });
});

describe("escalationReason: the exact texts", () => {
  test.each<[string, Severity, Finding[], number, readonly string[] | "codeowners" | null, string]>([
    [
      "one high",
      "high",
      [finding("a", "high")],
      2,
      ["@acme/security"],
      "escalated: 1 high finding open — needs 2 approvals from @acme/security",
    ],
    [
      "two high",
      "high",
      [finding("a", "high"), finding("b", "high")],
      2,
      ["@acme/security"],
      "escalated: 2 high findings open — needs 2 approvals from @acme/security",
    ],
    [
      "only blockers while on high",
      "high",
      [finding("a", "blocker")],
      2,
      ["@acme/security"],
      "escalated: 1 blocker finding open — needs 2 approvals from @acme/security",
    ],
    [
      "several severities: all counted, the worst named",
      "high",
      [finding("a", "high"), finding("b", "blocker"), finding("c", "high")],
      2,
      ["@acme/security"],
      "escalated: 3 findings at or above high open (worst: blocker) — needs 2 approvals from @acme/security",
    ],
    [
      "one approval",
      "medium",
      [finding("a", "medium")],
      1,
      ["acme/security", "octocat"],
      "escalated: 1 medium finding open — needs 1 approval from @acme/security or @octocat",
    ],
    [
      "code owners",
      "high",
      [finding("a", "high")],
      2,
      "codeowners",
      "escalated: 1 high finding open — needs 2 approvals from code owners",
    ],
    [
      "anyone with write access",
      "high",
      [finding("a", "high")],
      3,
      null,
      "escalated: 1 high finding open — needs 3 approvals",
    ],
  ])("%s", (_name, on, found, count, from, text) => {
    expect(escalationReason(on, found, count, from)).toBe(text);
  });
});

describe("escalatedGate: the effective requirement", () => {
  test("an open high finding: the escalated count and from, and why", () => {
    expect(
      escalated({ count: 1, escalate: ESCALATE }, [finding("a", "high"), finding("b", "medium")]),
    ).toEqual({
      ...gate(),
      count: 2,
      from: ["@acme/security"],
      escalated: "escalated: 1 high finding open — needs 2 approvals from @acme/security",
    });
  });

  test("no finding at or above `on`, or none open: the gate as it is", () => {
    const g = gate({ count: 1, escalate: ESCALATE });
    expect(escalated({ count: 1, escalate: ESCALATE }, [finding("m", "medium")])).toEqual(g);
    const judged: LedgerMarks = new Map([["a", { state: "wrong", clears: true }]]);
    expect(escalated({ count: 1, escalate: ESCALATE }, [finding("a", "high")], judged)).toEqual(g);
    expect(escalated({ count: 1, escalate: ESCALATE }, [finding("a", "high", { heldBack: true })])).toEqual(
      g,
    );
    expect(escalated({ count: 1, escalate: ESCALATE }, [])).toEqual(g);
  });

  test("no escalate: the gate as it is, whatever the findings", () => {
    expect(escalated({ count: 1, from: ["@acme/dev"] }, [finding("a", "blocker")])).toEqual(
      gate({ count: 1, from: ["@acme/dev"] }),
    );
  });

  test("defaults: count and from are the gate's own where escalate gives none", () => {
    const onlyFrom = escalated(
      { count: 2, from: ["@acme/dev"], escalate: { on: "high", from: ["@acme/security"] } },
      [finding("a", "high")],
    );
    expect(onlyFrom).toMatchObject({
      count: 2,
      from: ["@acme/security"],
      escalated: "escalated: 1 high finding open — needs 2 approvals from @acme/security",
    });
    const onlyCount = escalated({ from: ["@acme/dev"], escalate: { on: "high", count: 3 } }, [
      finding("a", "high"),
    ]);
    expect(onlyCount).toMatchObject({
      count: 3,
      from: ["@acme/dev"],
      escalated: "escalated: 1 high finding open — needs 3 approvals from @acme/dev",
    });
    const neither = escalated({ escalate: { on: "low" } }, [finding("a", "low")]);
    expect(neither).toMatchObject({
      count: 1,
      from: null,
      escalated: "escalated: 1 low finding open — needs 1 approval",
    });
  });
});

describe("evaluateGate on an escalated gate", () => {
  function facts(approvers: readonly string[]): GateFacts {
    return {
      headSha: HEAD,
      author: "alice",
      lastPusher: "pusher",
      changedFiles: ["src/app.ts"],
      reviews: approvers.map((login) => ({
        login,
        state: "APPROVED" as const,
        commitId: HEAD,
        submittedAt: WAIT + 1,
        bot: false,
      })),
      commands: [],
      onlyWaitingGate: true,
      permissions: { sec1: "write", sec2: "write", dev: "write" },
      teams: { "acme/security": ["sec1", "sec2"] },
      codeowners: null,
    };
  }
  const high = [finding("a", "high")];

  test("one approval is not enough while escalated; what is missing says why", () => {
    const v = evaluateGate(escalated({ count: 1, escalate: ESCALATE }, high), facts(["sec1"]));
    expect(v).toMatchObject({
      open: false,
      approvers: ["sec1"],
      eligible: "@acme/security",
      missing: `needs 1 more approval from @acme/security on ${HEAD.slice(0, 7)} (escalated: 1 high finding open — needs 2 approvals from @acme/security)`,
    });
  });

  test("someone outside the escalated from does not count while escalated, and does once it is not", () => {
    const v = evaluateGate(escalated({ count: 1, escalate: ESCALATE }, high), facts(["dev"]));
    expect(v).toMatchObject({
      open: false,
      approvers: [],
      ignored: [{ login: "dev", reason: "is not @acme/security" }],
    });
    const judged: LedgerMarks = new Map([["a", { state: "dismissed", clears: true }]]);
    expect(evaluateGate(escalated({ count: 1, escalate: ESCALATE }, high, judged), facts(["dev"]))).toEqual({
      open: true,
      approvers: ["dev"],
      sha: HEAD,
    });
  });

  test("two approvals from the team open it", () => {
    expect(evaluateGate(escalated({ count: 1, escalate: ESCALATE }, high), facts(["sec1", "sec2"]))).toEqual({
      open: true,
      approvers: ["sec1", "sec2"],
      sha: HEAD,
    });
  });
});

describe("waitingGates before the first evaluation", () => {
  test("an escalated gate's fallback says the escalated count, who, and why", () => {
    const plan = planOf({
      review: ["sec:security"],
      approve: {
        needs: ["review"],
        steps: [step("ok:approval", { with: { count: 1, escalate: ESCALATE } })],
      },
    });
    const run = withSteps(queuedRun(plan), {
      sec: { status: "succeeded", output: { summary: "", findings: [finding("a", "high")] } },
      ok: { status: "waiting", waitingFor: "approval" },
    });
    expect(waitingGates(run)).toEqual([
      {
        stepId: "ok",
        name: "ok",
        phaseId: "approve",
        missing: `needs 2 approvals on ${HEAD.slice(0, 7)} (escalated: 1 high finding open — needs 2 approvals from @acme/security)`,
        who: "@acme/security",
      },
    ]);
    const calm = withSteps(run, { sec: { output: { summary: "", findings: [finding("a", "medium")] } } });
    expect(waitingGates(calm)[0]).toMatchObject({
      missing: `needs 1 approval on ${HEAD.slice(0, 7)}`,
      who: "anyone with write access",
    });
  });
});

function withSteps(run: RunState, changes: Record<string, Partial<StepState>>): RunState {
  return {
    ...run,
    steps: StepTable.of(run.steps.values().map((s) => ({ ...s, ...(changes[s.id] ?? {}) }))),
  };
}
