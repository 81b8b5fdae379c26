import { describe, expect, test } from "vitest";
import {
  type Finding,
  failsVerdict,
  severityRank,
  sortFindings,
} from "../../../src/core/findings/finding.js";

const f = (severity: Finding["severity"], file = "a.ts", line: number | null = 1): Finding => ({
  file,
  line,
  severity,
  title: `${severity} in ${file}:${line}`,
  body: "",
});

describe("findings", () => {
  test("severityRank: blocker worst, low least", () => {
    expect(["blocker", "high", "medium", "low"].map((s) => severityRank(s as Finding["severity"]))).toEqual([
      0, 1, 2, 3,
    ]);
  });

  test("failsVerdict fails at or above fail_on; never never fails", () => {
    expect(failsVerdict([f("high")], "high")).toBe(true);
    expect(failsVerdict([f("blocker")], "high")).toBe(true);
    expect(failsVerdict([f("medium"), f("low")], "high")).toBe(false);
    expect(failsVerdict([f("low")], "low")).toBe(true);
    expect(failsVerdict([f("blocker")], "never")).toBe(false);
    expect(failsVerdict([], "low")).toBe(false);
  });

  test("sortFindings: worst first, then file, then line (file-level first); input untouched", () => {
    const input = [f("low", "a.ts", 1), f("high", "b.ts", 9), f("high", "b.ts", null), f("high", "a.ts", 5)];
    const copy = [...input];
    expect(sortFindings(input).map((x) => x.title)).toEqual([
      "high in a.ts:5",
      "high in b.ts:null",
      "high in b.ts:9",
      "low in a.ts:1",
    ]);
    expect(input).toEqual(copy);
  });
});
