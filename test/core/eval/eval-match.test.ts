import { describe, expect, test } from "vitest";
import {
  evalMetrics,
  LINE_TOLERANCE,
  matchDistance,
  matchFindings,
} from "../../../src/core/eval/eval-match.js";
import type { ExpectedFinding } from "../../../src/core/eval/expected-finding.js";
import type { Finding } from "../../../src/core/findings/finding.js";
import type { Severity } from "../../../src/core/workflow/workflow.schema.js";

/** An expected item: `line` a number, `[start, end]`, or null for the whole file. */
function expected(
  file: string,
  line: number | [number, number] | null,
  severity: Severity,
  about: string[] = [],
): ExpectedFinding {
  const lines =
    line === null
      ? null
      : typeof line === "number"
        ? { start: line, end: line }
        : { start: line[0], end: line[1] };
  return { file, lines, severity, about };
}

function finding(
  file: string,
  line: number | null,
  severity: Severity,
  title = "Problem",
  body = "",
): Finding {
  return { file, line, severity, title, body };
}

/** Counts only, for compact expectations. */
function counts(e: ExpectedFinding[], f: Finding[]) {
  const r = matchFindings(e, f);
  return { tp: r.truePositives, fp: r.falsePositives, missed: r.misses };
}

describe("matchDistance: one finding against one expected item", () => {
  const sql = expected("src/db.ts", 10, "high");

  test("within 3 lines either side matches, at the distance; 4 lines away does not", () => {
    expect(LINE_TOLERANCE).toBe(3);
    expect(matchDistance(sql, finding("src/db.ts", 10, "high"))).toBe(0);
    expect(matchDistance(sql, finding("src/db.ts", 13, "high"))).toBe(3);
    expect(matchDistance(sql, finding("src/db.ts", 7, "high"))).toBe(3);
    expect(matchDistance(sql, finding("src/db.ts", 14, "high"))).toBeNull();
    expect(matchDistance(sql, finding("src/db.ts", 6, "high"))).toBeNull();
  });

  test("a range counts from its nearer end, 0 inside it", () => {
    const range = expected("src/db.ts", [10, 14], "medium");
    expect(matchDistance(range, finding("src/db.ts", 12, "medium"))).toBe(0);
    expect(matchDistance(range, finding("src/db.ts", 14, "medium"))).toBe(0);
    expect(matchDistance(range, finding("src/db.ts", 17, "medium"))).toBe(3);
    expect(matchDistance(range, finding("src/db.ts", 7, "medium"))).toBe(3);
    expect(matchDistance(range, finding("src/db.ts", 18, "medium"))).toBeNull();
    expect(matchDistance(range, finding("src/db.ts", 6, "medium"))).toBeNull();
  });

  test("a lower severity does not match; the same or a higher one does", () => {
    expect(matchDistance(sql, finding("src/db.ts", 10, "medium"))).toBeNull();
    expect(matchDistance(sql, finding("src/db.ts", 10, "low"))).toBeNull();
    expect(matchDistance(sql, finding("src/db.ts", 10, "blocker"))).toBe(0);
    expect(matchDistance(expected("a.ts", 1, "low"), finding("a.ts", 1, "medium"))).toBe(0);
  });

  test("another file never matches", () => {
    expect(matchDistance(sql, finding("src/db.test.ts", 10, "high"))).toBeNull();
  });

  test("about: one keyword in the title or the body, in any case; none of them: no match", () => {
    const about = expected("src/db.ts", 10, "high", ["sql", "injection"]);
    expect(matchDistance(about, finding("src/db.ts", 10, "high", "SQL built from user input"))).toBe(0);
    expect(
      matchDistance(about, finding("src/db.ts", 10, "high", "Unsafe query", "Possible INJECTION.")),
    ).toBe(0);
    expect(
      matchDistance(about, finding("src/db.ts", 10, "high", "Unused variable", "`rows` is unused")),
    ).toBeNull();
  });

  test("an item without a line is about the file: any finding on it matches; a finding without a line matches only such an item", () => {
    const whole = expected("src/discount.ts", null, "medium", ["test"]);
    expect(
      matchDistance(whole, finding("src/discount.ts", null, "medium", "Changed without a test change")),
    ).toBe(0);
    expect(matchDistance(whole, finding("src/discount.ts", 250, "high", "No test covers this"))).toBe(0);
    expect(matchDistance(sql, finding("src/db.ts", null, "high"))).toBeNull();
  });
});

describe("matchFindings: each expected item and each finding used once", () => {
  test("a finding at the ±3 boundary is found; one at 4 lines is a miss and a false positive", () => {
    expect(counts([expected("a.ts", 10, "high")], [finding("a.ts", 13, "high")])).toEqual({
      tp: 1,
      fp: 0,
      missed: 0,
    });
    expect(counts([expected("a.ts", 10, "high")], [finding("a.ts", 14, "high")])).toEqual({
      tp: 0,
      fp: 1,
      missed: 1,
    });
  });

  test("a severity too low is a miss and a false positive; a higher one is found", () => {
    expect(counts([expected("a.ts", 10, "high")], [finding("a.ts", 10, "medium")])).toEqual({
      tp: 0,
      fp: 1,
      missed: 1,
    });
    expect(counts([expected("a.ts", 10, "medium")], [finding("a.ts", 10, "blocker")])).toEqual({
      tp: 1,
      fp: 0,
      missed: 0,
    });
  });

  test("a clean case with a finding: one false positive, precision 0, recall 1 (nothing to miss), F1 0", () => {
    const r = matchFindings([], [finding("a.ts", 3, "low", "TODO added")]);
    expect(r).toMatchObject({ truePositives: 0, falsePositives: 1, misses: 0, unmatched: [0], missed: [] });
    expect(evalMetrics(r)).toEqual({ precision: 0, recall: 1, f1: 0 });
  });

  test("one finding between two expected items is found once: the first item (tie), the second is missed", () => {
    const r = matchFindings(
      [expected("a.ts", 10, "high"), expected("a.ts", 12, "high")],
      [finding("a.ts", 11, "high")],
    );
    expect(r).toMatchObject({ truePositives: 1, falsePositives: 0, misses: 1, missed: [1] });
    expect(r.pairs).toEqual([{ expected: 0, finding: 0, distance: 1 }]);
  });

  test("two findings on one expected item: the closer one is found, the other is a false positive", () => {
    const r = matchFindings(
      [expected("a.ts", 10, "high")],
      [finding("a.ts", 12, "high"), finding("a.ts", 10, "high")],
    );
    expect(r.pairs).toEqual([{ expected: 0, finding: 1, distance: 0 }]);
    expect(r).toMatchObject({ truePositives: 1, falsePositives: 1, misses: 0, unmatched: [0] });
  });

  test("greedy by distance, not a maximum matching: the closest pair is taken even when it strands another item", () => {
    // Item 10 takes the finding on 9 (1 line); item 6 could only have used that finding; the finding on 13 is
    // 3 lines from item 10, which is taken. A maximum matching would have found both.
    const r = matchFindings(
      [expected("a.ts", 10, "high"), expected("a.ts", 6, "high")],
      [finding("a.ts", 9, "high"), finding("a.ts", 13, "high")],
    );
    expect(r.pairs).toEqual([{ expected: 0, finding: 0, distance: 1 }]);
    expect(r).toMatchObject({ truePositives: 1, falsePositives: 1, misses: 1, missed: [1], unmatched: [1] });
  });

  test("several items and findings pair up by distance", () => {
    const r = matchFindings(
      [expected("a.ts", 10, "high"), expected("a.ts", 13, "high"), expected("b.ts", null, "medium")],
      [
        finding("a.ts", 14, "high"),
        finding("a.ts", 11, "high"),
        finding("b.ts", null, "medium"),
        finding("c.ts", 1, "low"),
      ],
    );
    expect(r.pairs).toEqual([
      { expected: 0, finding: 1, distance: 1 },
      { expected: 1, finding: 0, distance: 1 },
      { expected: 2, finding: 2, distance: 0 },
    ]);
    expect(
      counts(
        [expected("a.ts", 10, "high"), expected("a.ts", 13, "high"), expected("b.ts", null, "medium")],
        [
          finding("a.ts", 14, "high"),
          finding("a.ts", 11, "high"),
          finding("b.ts", null, "medium"),
          finding("c.ts", 1, "low"),
        ],
      ),
    ).toEqual({ tp: 3, fp: 1, missed: 0 });
  });
});

describe("evalMetrics", () => {
  test("precision, recall and F1 of summed counts", () => {
    const m = evalMetrics({ truePositives: 2, falsePositives: 1, misses: 2 });
    expect(m.precision).toBeCloseTo(2 / 3, 12);
    expect(m.recall).toBe(0.5);
    expect(m.f1).toBeCloseTo(4 / 7, 12);
  });

  test("0/0: nothing flagged and nothing expected is 1, 1, 1", () => {
    expect(evalMetrics({ truePositives: 0, falsePositives: 0, misses: 0 })).toEqual({
      precision: 1,
      recall: 1,
      f1: 1,
    });
  });

  test("0/0: nothing flagged but something expected is precision 1, recall 0, F1 0", () => {
    expect(evalMetrics({ truePositives: 0, falsePositives: 0, misses: 3 })).toEqual({
      precision: 1,
      recall: 0,
      f1: 0,
    });
  });

  test("only false positives and misses: 0, 0 and F1 0 (not NaN)", () => {
    expect(evalMetrics({ truePositives: 0, falsePositives: 2, misses: 1 })).toEqual({
      precision: 0,
      recall: 0,
      f1: 0,
    });
  });
});
