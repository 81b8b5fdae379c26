import { cellText } from "../present/markdown-escape.js";
import type { EvalMetrics } from "./eval-match.js";
import type { EvalRow, EvalSummary } from "./eval-summary.js";

/** How far (as a ratio: 5 points) the PR's precision or recall may fall below the default branch's. */
export const MAX_DROP = 0.05;

/** Float noise: 0.75 − 0.70 is 0.05000000000000004, which is exactly 5 points. */
const EPSILON = 1e-9;

/** An `eval` step's `with.min_precision` and `with.min_recall`; absent ones are not checked. */
export interface EvalGateThresholds {
  readonly minPrecision?: number;
  readonly minRecall?: number;
}

/**
 * Why the PR's agent settings may not pass, as sentences; empty when they pass. The PR side's workflow row fails
 * below a threshold, or more than `MAX_DROP` below the default branch's (exactly 5 points below passes). The 0/0
 * conventions of `evalMetrics` apply on both sides: no findings at all is precision 1, nothing expected is recall 1.
 *
 * @example evalGateFailures({ precision: 0.67, recall: 0.5, f1: 0.57 }, { precision: 0.67, recall: 0.75, f1: 0.71 }, {})
 * // → ["recall 0.50 is 25 points below the default branch's 0.75"]
 */
export function evalGateFailures(pr: EvalMetrics, base: EvalMetrics, t: EvalGateThresholds): string[] {
  const failures: string[] = [];
  const check = (name: "precision" | "recall", min: number | undefined) => {
    const value = pr[name];
    if (min !== undefined && value < min - EPSILON) {
      failures.push(`${name} ${ratio(value, min)} is below min_${name} ${min}`);
    }
    const drop = base[name] - value;
    if (drop > MAX_DROP + EPSILON) {
      failures.push(
        `${name} ${ratio(value)} is ${points(drop)} points below the default branch's ${ratio(base[name])}`,
      );
    }
  };
  check("precision", t.minPrecision);
  check("recall", t.minRecall);
  return failures;
}

/** `PR: precision 0.67 · recall 0.50 — default branch: precision 0.67 · recall 0.75` */
export function evalGateSummary(pr: EvalMetrics, base: EvalMetrics): string {
  const side = (m: EvalMetrics) => `precision ${m.precision.toFixed(2)} · recall ${m.recall.toFixed(2)}`;
  return `PR: ${side(pr)} — default branch: ${side(base)}`;
}

/** One side of the comparison as the check run shows it. */
export interface EvalGateSide {
  /** `Pull request` or `Default branch`. */
  readonly title: string;
  /** Where its settings came from: a SHA or a branch. */
  readonly ref: string;
  readonly summary: EvalSummary;
}

/**
 * Both sides' tables in Markdown, for the step's `text` (the phase check run shows it): per step and model TP,
 * FP, missed, precision, recall, F1 and tokens, then the workflow row that the thresholds apply to.
 */
export function evalGateTables(sides: readonly EvalGateSide[]): string {
  return sides
    .map((side) => [`**${side.title}** (\`${side.ref}\`)`, "", evalTable(side.summary)].join("\n"))
    .join("\n\n");
}

const HEADER = ["step", "kind", "model", "TP", "FP", "missed", "precision", "recall", "F1", "tokens"];

function evalTable(summary: EvalSummary): string {
  const cells = (r: EvalRow, step: string, kind: string, model: string) => [
    step,
    kind,
    model,
    String(r.truePositives),
    String(r.falsePositives),
    String(r.misses),
    r.precision.toFixed(2),
    r.recall.toFixed(2),
    r.f1.toFixed(2),
    String(r.tokens),
  ];
  const rows = [
    ...summary.rows.map((r) => cells(r, r.step ?? "", r.kind ?? "", r.model ?? "")),
    cells(summary.overall, "all steps", "", "default"),
  ];
  return [HEADER, HEADER.map(() => "---"), ...rows]
    .map((row) => `| ${row.map((c) => cellText(c, 80)).join(" | ")} |`)
    .join("\n");
}

/**
 * A ratio with two decimals; under a threshold `below`, never shown as equal to it or above (0.7999 under 0.8
 * is "0.799", not "0.80").
 */
function ratio(x: number, below?: number): string {
  const shown = x.toFixed(2);
  if (below === undefined || Number(shown) < below) return shown;
  return (Math.floor(x * 1000) / 1000).toFixed(3);
}

/** A drop in points (0.251 → "25.1"), rounded up to a tenth: a drop over 5 points never shows as 5. */
function points(drop: number): string {
  return String(Math.ceil(drop * 1000 - 1e-6) / 10);
}
