import { describe, expect, test } from "vitest";
import { checksVerdict } from "../../../src/core/gates/checks-verdict.js";

const run = (name: string, status: string, conclusion: string | null = null) => ({
  name,
  status,
  conclusion,
});

describe("checksVerdict", () => {
  test("every named check succeeded: success", () => {
    const v = checksVerdict(
      ["ci / test", "lint"],
      [run("ci / test", "completed", "success")],
      [{ context: "lint", state: "success" }],
    );
    expect(v).toEqual({
      state: "success",
      summary: "ci / test, lint passed",
      checks: [
        { name: "ci / test", state: "passed", detail: "success" },
        { name: "lint", state: "passed", detail: "success" },
      ],
    });
  });

  test("neutral and skipped count as passing, and the summary says so", () => {
    const v = checksVerdict(
      ["a", "b"],
      [run("a", "completed", "neutral"), run("b", "completed", "skipped")],
      [],
    );
    expect(v.state).toBe("success");
    expect(v.summary).toBe("a, b passed (a (neutral), b (skipped) counted as passing)");
  });

  test("one concluded otherwise: failure naming it, even while another still runs", () => {
    const v = checksVerdict(
      ["a", "b", "c"],
      [run("a", "completed", "timed_out"), run("b", "in_progress")],
      [{ context: "c", state: "error" }],
    );
    expect(v.state).toBe("failure");
    expect(v.summary).toBe("failed: a (timed_out), c (error)");
  });

  test("running, pending or not reported yet: pending", () => {
    const v = checksVerdict(["a", "b", "c"], [run("a", "queued")], [{ context: "b", state: "pending" }]);
    expect(v).toMatchObject({
      state: "pending",
      summary: "waiting for a (queued), b (pending), c (not reported yet)",
    });
  });

  test("the first (latest) run of an app counts; a status of that context must pass too", () => {
    const runs = [run("a", "completed", "success"), run("a", "completed", "failure")];
    expect(checksVerdict(["a"], runs, []).state).toBe("success");
    expect(checksVerdict(["a"], runs, [{ context: "a", state: "failure" }]).summary).toBe(
      "failed: a (failure)",
    );
    expect(checksVerdict(["a"], runs, [{ context: "a", state: "success" }]).state).toBe("success");
  });

  test.each([
    {
      what: "a fake passing duplicate next to a failing real one",
      runs: [
        { ...run("ci / test", "completed", "success"), appId: 15368, id: 9 },
        { ...run("ci / test", "completed", "failure"), appId: 777, id: 5 },
      ],
      statuses: [],
      expected: { state: "failure", summary: "failed: ci / test (failure)" },
    },
    {
      what: "a fake passing duplicate next to a pending real one",
      runs: [
        { ...run("ci / test", "completed", "success"), appId: 15368, id: 9 },
        { ...run("ci / test", "in_progress"), appId: 777, id: 5 },
      ],
      statuses: [],
      expected: { state: "pending", summary: "waiting for ci / test (in progress)" },
    },
    {
      what: "a fake passing check run next to a failing real commit status",
      runs: [{ ...run("ci / test", "completed", "success"), appId: 15368, id: 9 }],
      statuses: [{ context: "ci / test", state: "failure" }],
      expected: { state: "failure", summary: "failed: ci / test (failure)" },
    },
    {
      what: "a fake passing check run next to a pending real commit status",
      runs: [{ ...run("ci / test", "completed", "success"), appId: 15368, id: 9 }],
      statuses: [{ context: "ci / test", state: "pending" }],
      expected: { state: "pending", summary: "waiting for ci / test (pending)" },
    },
    {
      what: "a real re-run that passed after a failure (newest per app counts, whatever the order)",
      runs: [
        { ...run("ci / test", "completed", "failure"), appId: 777, id: 5 },
        { ...run("ci / test", "completed", "success"), appId: 777, id: 8 },
        { ...run("ci / test", "completed", "success"), appId: 15368, id: 9 },
      ],
      statuses: [],
      expected: { state: "success", summary: "ci / test passed" },
    },
    {
      what: "two apps both passing, one neutral",
      runs: [
        { ...run("ci / test", "completed", "success"), appId: 15368, id: 9 },
        { ...run("ci / test", "completed", "neutral"), appId: 777, id: 5 },
      ],
      statuses: [],
      expected: { state: "success", summary: "ci / test passed (ci / test (neutral) counted as passing)" },
    },
  ])("every reporter of a name must pass: $what", ({ runs, statuses, expected }) => {
    expect(checksVerdict(["ci / test"], runs, statuses)).toMatchObject(expected);
  });

  test("a cancelled or action_required check fails closed", () => {
    expect(checksVerdict(["a"], [run("a", "completed", "cancelled")], []).state).toBe("failure");
    expect(checksVerdict(["a"], [run("a", "completed", "action_required")], []).state).toBe("failure");
    expect(checksVerdict(["a"], [run("a", "completed", null)], []).summary).toBe("failed: a (unknown)");
  });
});
