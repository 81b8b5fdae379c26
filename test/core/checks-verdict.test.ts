import { describe, expect, test } from "vitest";
import { checksVerdict } from "../../src/core/checks-verdict.js";

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

  test("a check run of that name wins over a status of that context; the first (latest) run counts", () => {
    const v = checksVerdict(
      ["a"],
      [run("a", "completed", "success"), run("a", "completed", "failure")],
      [{ context: "a", state: "failure" }],
    );
    expect(v.state).toBe("success");
  });

  test("a cancelled or action_required check fails closed", () => {
    expect(checksVerdict(["a"], [run("a", "completed", "cancelled")], []).state).toBe("failure");
    expect(checksVerdict(["a"], [run("a", "completed", "action_required")], []).state).toBe("failure");
    expect(checksVerdict(["a"], [run("a", "completed", null)], []).summary).toBe("failed: a (unknown)");
  });
});
