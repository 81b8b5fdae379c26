import { describe, expect, it } from "vitest";
import { formatOffset, timelineOf } from "../../src/dashboard/timeline.js";
import { waitingRun } from "./fixtures.js";

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);

describe("timelineOf", () => {
  it("draws one bar per started step on the run's time axis; parallel bars overlap, a waiting one reaches now", () => {
    const now = T0 + 2000;
    const t = timelineOf(waitingRun("r", T0), now);
    expect(t.bars.map((b) => [b.stepId, b.status, b.start - T0, b.end === null ? null : b.end - T0])).toEqual(
      [
        ["review", "succeeded", 10, 900],
        ["security", "succeeded", 12, 700],
        ["tests", "succeeded", 15, 1100],
        ["gate", "waiting", 1110, null],
      ],
    );
    // The merge never started: no bar. Rows follow plan order.
    expect(t.bars.map((b) => b.y)).toEqual([24, 46, 68, 90]);
    const [review, security, tests, gate] = t.bars;
    expect(Math.max(review!.x, security!.x, tests!.x)).toBeLessThan(
      Math.min(review!.x + review!.width, security!.x + security!.width, tests!.x + tests!.width),
    );
    // The axis ends at `now`, and so does the waiting gate's bar.
    expect(gate!.x + gate!.width).toBeCloseTo(t.width - 12, 0);
    expect(t.ticks[0]).toEqual({ x: t.left, label: "0 s" });
    expect(t.ticks.at(-1)?.label).toBe("2 s");
  });

  it("stops at the run's end once it finished, even for a step left unfinished", () => {
    const run = { ...waitingRun("r", T0), finishedAt: T0 + 1500 };
    const t = timelineOf(run, T0 + 3_600_000);
    expect(t.ticks.at(-1)?.label).toBe("1.4 s");
    const gate = t.bars.at(-1)!;
    expect(gate.end).toBeNull();
    expect(gate.x + gate.width).toBeCloseTo(t.width - 12, 0);
  });
});

describe("formatOffset", () => {
  it.each([
    [0, "0 s"],
    [850, "850 ms"],
    [12_500, "12.5 s"],
    [200_000, "3 min 20 s"],
    [120_000, "2 min"],
    // Seconds that round up to a whole minute carry over: never "1 min 60 s".
    [119_600, "2 min"],
  ])("%d ms is %s", (ms, text) => {
    expect(formatOffset(ms)).toBe(text);
  });
});
