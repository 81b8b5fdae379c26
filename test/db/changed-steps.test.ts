import { describe, expect, it } from "vitest";
import { StepTable } from "../../src/core/run/step-table.js";
import { changedSteps } from "../../src/db/changed-steps.js";
import { testRun, withSteps } from "./runs.js";

describe("changedSteps", () => {
  const run = testRun("r1");

  it("finds the replaced step objects and the running steps", () => {
    const next = withSteps(run, { "review-1": { status: "running" }, gate: { status: "ready" } });
    const { changed, running } = changedSteps(run, next);
    expect(changed.map((s) => s.id)).toEqual(["review-1", "gate"]);
    expect(running).toEqual(["review-1"]);
  });

  it("counts a replaced object as changed even when its values are equal", () => {
    const next = { ...run, steps: run.steps.with([{ ...run.steps.get("review-0")! }]) };
    expect(changedSteps(run, next).changed.map((s) => s.id)).toEqual(["review-0"]);
  });

  it("matches by id when the steps were reordered or added", () => {
    const [first, ...rest] = run.steps.values();
    const reordered = { ...run, steps: StepTable.of([...rest, first!]) };
    expect(changedSteps(run, reordered).changed).toEqual([]);

    const extra = { ...run.steps.get("review-0")!, id: "extra" };
    const added = { ...run, steps: StepTable.of([extra, ...run.steps.values()]) };
    expect(changedSteps(run, added).changed.map((s) => s.id)).toEqual(["extra"]);
  });
});
