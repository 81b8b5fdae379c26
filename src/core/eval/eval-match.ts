import { type Finding, severityRank } from "../findings/finding.js";
import type { ExpectedFinding } from "./expected-finding.js";

/** How far (in lines) a finding may be from an expected line or range and still match it. */
export const LINE_TOLERANCE = 3;

/** What matching came to: found (true positives), flagged without being expected, expected and not found. */
export interface EvalCounts {
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly misses: number;
}

export interface EvalMetrics {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
}

/** Expected item `expected` was found by finding `finding`, `distance` lines away (0 inside a range). */
export interface EvalPair {
  readonly expected: number;
  readonly finding: number;
  readonly distance: number;
}

export interface MatchResult extends EvalCounts {
  readonly pairs: readonly EvalPair[];
  /** Indexes of findings that matched nothing: the false positives. */
  readonly unmatched: readonly number[];
  /** Indexes of expected items no finding matched: the misses. */
  readonly missed: readonly number[];
}

/**
 * How far `finding` is from `expected` when it matches it, else null. A finding matches an expected item on the
 * same file, at the same or a higher severity, within `LINE_TOLERANCE` lines of its line or range, and — when the
 * item lists `about` keywords — with one of them in its title or body (case-insensitive). An item without a
 * line is about the whole file: any finding on the file is 0 lines away. A finding without a line (about its
 * whole file) matches only such an item: it does not say where the expected problem is.
 *
 * @example matchDistance({ file: "a.ts", lines: { start: 10, end: 14 }, severity: "medium", about: [] },
 *   { file: "a.ts", line: 17, severity: "high", title: "…", body: "…" }) // → 3
 */
export function matchDistance(expected: ExpectedFinding, finding: Finding): number | null {
  if (finding.file !== expected.file) return null;
  if (severityRank(finding.severity) > severityRank(expected.severity)) return null;
  if (expected.about.length > 0) {
    const text = `${finding.title}\n${finding.body}`.toLowerCase();
    if (!expected.about.some((k) => text.includes(k))) return null;
  }
  if (expected.lines === null) return 0;
  if (finding.line === null) return null;
  const { start, end } = expected.lines;
  const distance = finding.line < start ? start - finding.line : finding.line > end ? finding.line - end : 0;
  return distance <= LINE_TOLERANCE ? distance : null;
}

/**
 * Pairs findings with expected items, each used at most once: greedily, closest pairs first (ties: the earlier
 * expected item, then the earlier finding). Findings left over are false positives, items left over are misses.
 * Greedy, not a maximum matching: a finding goes to the item it is closest to even when another item could
 * only have been matched by it. Predictable, and the same on every run.
 *
 * @example matchFindings([sqlOnLine12], [findingOn13, findingOn12]) // → 1 true positive (line 12), 1 false positive
 */
export function matchFindings(
  expected: readonly ExpectedFinding[],
  findings: readonly Finding[],
): MatchResult {
  const candidates: EvalPair[] = [];
  expected.forEach((e, i) => {
    findings.forEach((f, j) => {
      const distance = matchDistance(e, f);
      if (distance !== null) candidates.push({ expected: i, finding: j, distance });
    });
  });
  candidates.sort((a, b) => a.distance - b.distance || a.expected - b.expected || a.finding - b.finding);
  const usedExpected = new Set<number>();
  const usedFinding = new Set<number>();
  const pairs: EvalPair[] = [];
  for (const c of candidates) {
    if (usedExpected.has(c.expected) || usedFinding.has(c.finding)) continue;
    usedExpected.add(c.expected);
    usedFinding.add(c.finding);
    pairs.push(c);
  }
  const unmatched = findings.map((_, j) => j).filter((j) => !usedFinding.has(j));
  const missed = expected.map((_, i) => i).filter((i) => !usedExpected.has(i));
  return {
    truePositives: pairs.length,
    falsePositives: unmatched.length,
    misses: missed.length,
    pairs: pairs.sort((a, b) => a.expected - b.expected),
    unmatched,
    missed,
  };
}

export const NO_COUNTS: EvalCounts = Object.freeze({ truePositives: 0, falsePositives: 0, misses: 0 });

export function addCounts(a: EvalCounts, b: EvalCounts): EvalCounts {
  return {
    truePositives: a.truePositives + b.truePositives,
    falsePositives: a.falsePositives + b.falsePositives,
    misses: a.misses + b.misses,
  };
}

/**
 * Precision, recall and F1 of summed counts (micro-averaged over cases). The 0/0 cases: precision is 1 when
 * there were no findings (nothing flagged, nothing wrongly), recall is 1 when nothing was expected (nothing to
 * miss), and F1 is 0 when precision and recall are both 0. So a clean case left clean scores 1, 1, 1, and a
 * step that never flags anything scores precision 1 but recall 0 (F1 0) on cases with expected findings.
 */
export function evalMetrics(c: EvalCounts): EvalMetrics {
  const flagged = c.truePositives + c.falsePositives;
  const expected = c.truePositives + c.misses;
  const precision = flagged === 0 ? 1 : c.truePositives / flagged;
  const recall = expected === 0 ? 1 : c.truePositives / expected;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1 };
}
