import { describe, expect, test } from "vitest";
import { formatDuration, parseDuration } from "../../../src/core/workflow/duration.js";

describe("parseDuration", () => {
  test.each([
    ["250ms", 250],
    ["1s", 1000],
    ["90s", 90_000],
    ["10m", 600_000],
    ["30m", 1_800_000],
    ["1h", 3_600_000],
    ["36h", 129_600_000],
  ])("%s → %i", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  test.each(["", "10", "0s", "01s", "1.5m", "-1s", "10d", "10 m", " 10m", "10m ", "10M", "1h30m"])(
    "refuses %j",
    (text) => {
      expect(() => parseDuration(text)).toThrow(`not a duration: ${JSON.stringify(text)}`);
    },
  );
});

describe("formatDuration", () => {
  test.each([
    [0, "0ms"],
    [850, "850ms"],
    [999, "999ms"],
    [1000, "1s"],
    [1499, "1s"],
    [59_000, "59s"],
    [59_499, "59s"],
    [59_500, "1m"],
    [60_000, "1m"],
    [90_000, "1m30s"],
    [600_000, "10m"],
    [3_599_000, "59m59s"],
    [3_600_000, "1h"],
    [3_630_000, "1h"],
    [5_400_000, "1h30m"],
    [86_400_000, "24h"],
  ])("%i → %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  test("round-trips single-unit durations; compound output is for display only", () => {
    for (const text of ["250ms", "5s", "10m", "2h"]) expect(formatDuration(parseDuration(text))).toBe(text);
    expect(formatDuration(parseDuration("90s"))).toBe("1m30s");
    expect(() => parseDuration("1m30s")).toThrow();
  });
});
