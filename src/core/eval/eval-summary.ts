import type { Finding } from "../findings/finding.js";
import {
  addCounts,
  type EvalCounts,
  type EvalMetrics,
  evalMetrics,
  type MatchResult,
  matchFindings,
  NO_COUNTS,
} from "./eval-match.js";
import type { ExpectedFinding } from "./expected-finding.js";

/** A labelled change: its name (the folder) and what a good review finds in it. */
export interface EvalCase {
  readonly name: string;
  readonly expected: readonly ExpectedFinding[];
}

/** One agent step on one model over one case: what it flagged and what that cost. */
export interface EvalTrial {
  readonly caseName: string;
  readonly step: string;
  readonly kind: string;
  readonly model: string;
  /** The step's default model (its persona's `model`, or the first of its `models`): the workflow row uses it. */
  readonly isDefault: boolean;
  readonly findings: readonly Finding[];
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** Time spent waiting for the model, summed over the step's calls (0 with the heuristic provider). */
  readonly latencyMs: number;
  /** The step failed (a provider error, a timeout, a refusal): its findings are what it had. */
  readonly error: string | null;
}

/** A finding of the workflow row, with the step that made it. */
export interface WorkflowFinding extends Finding {
  readonly step: string;
}

/** Counts, metrics and cost of one step on one model over every case; `step` null for the workflow row. */
export interface EvalRow extends EvalCounts, EvalMetrics {
  readonly step: string | null;
  readonly kind: string | null;
  readonly model: string | null;
  readonly cases: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly tokens: number;
  readonly latencyMs: number;
  readonly errors: number;
}

export interface EvalSummary {
  /** One row per step and model, in the workflow's order, each step's models in the order the persona lists them. */
  readonly rows: readonly EvalRow[];
  /** The workflow as one reviewer: every step on its default model, findings together. Thresholds apply here. */
  readonly overall: EvalRow;
}

/**
 * The workflow's findings on one case: every step's on its default model, an exact repeat (same file, line,
 * severity and title, such as the secret scan that `review` and `security` both run) counted once. Two findings
 * about one problem with different titles stay two: the second would be a second comment on the PR.
 */
export function workflowFindings(trials: readonly EvalTrial[]): WorkflowFinding[] {
  const seen = new Set<string>();
  return trials
    .filter((t) => t.isDefault)
    .flatMap((t) => t.findings.map((f) => ({ ...f, step: t.step })))
    .filter((f) => {
      const key = `${f.file}\0${f.line}\0${f.severity}\0${f.title}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

/** The workflow's result on one case (see `workflowFindings`): `findings` are what the indexes point at. */
export function caseResult(
  evalCase: EvalCase,
  trials: readonly EvalTrial[],
): MatchResult & { readonly findings: readonly WorkflowFinding[] } {
  const findings = workflowFindings(trials.filter((t) => t.caseName === evalCase.name));
  return { ...matchFindings(evalCase.expected, findings), findings };
}

/**
 * Sums trials per step and model, matching each trial's findings against its case's expected items (so a step
 * that only looks for secrets misses the SQL injection: rows say what each step finds on its own), and scores
 * the workflow as a whole.
 */
export function summarizeEval(cases: readonly EvalCase[], trials: readonly EvalTrial[]): EvalSummary {
  const expectedOf = new Map(cases.map((c) => [c.name, c.expected]));
  const groups = new Map<string, EvalTrial[]>();
  for (const t of trials) {
    const key = `${t.step}\0${t.model}`;
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }
  const rows = [...groups.values()].map((group) => {
    const counts = group
      .map((t) => matchFindings(expectedOf.get(t.caseName) ?? [], t.findings))
      .reduce<EvalCounts>(addCounts, NO_COUNTS);
    const first = group[0]!;
    return row({ step: first.step, kind: first.kind, model: first.model }, counts, group);
  });
  const defaults = trials.filter((t) => t.isDefault);
  const overall = cases.map((c) => caseResult(c, defaults)).reduce<EvalCounts>(addCounts, NO_COUNTS);
  return { rows, overall: row({ step: null, kind: null, model: null }, overall, defaults) };
}

function row(
  id: Pick<EvalRow, "step" | "kind" | "model">,
  counts: EvalCounts,
  trials: readonly EvalTrial[],
): EvalRow {
  const promptTokens = sum(trials, (t) => t.promptTokens);
  const completionTokens = sum(trials, (t) => t.completionTokens);
  return {
    ...id,
    cases: new Set(trials.map((t) => t.caseName)).size,
    truePositives: counts.truePositives,
    falsePositives: counts.falsePositives,
    misses: counts.misses,
    ...evalMetrics(counts),
    promptTokens,
    completionTokens,
    tokens: promptTokens + completionTokens,
    latencyMs: sum(trials, (t) => t.latencyMs),
    errors: trials.filter((t) => t.error !== null).length,
  };
}

function sum(trials: readonly EvalTrial[], of: (t: EvalTrial) => number): number {
  return trials.reduce((n, t) => n + of(t), 0);
}

/** The thresholds `--min-precision` and `--min-recall` ask for; absent ones are not checked. */
export interface EvalThresholds {
  readonly minPrecision?: number;
  readonly minRecall?: number;
}

/** Which thresholds the workflow row is below, as sentences; empty when it passes. */
export function thresholdFailures(overall: EvalMetrics, t: EvalThresholds): string[] {
  const below: string[] = [];
  if (t.minPrecision !== undefined && overall.precision < t.minPrecision) {
    below.push(`precision ${ratio(overall.precision)} is below --min-precision ${t.minPrecision}`);
  }
  if (t.minRecall !== undefined && overall.recall < t.minRecall) {
    below.push(`recall ${ratio(overall.recall)} is below --min-recall ${t.minRecall}`);
  }
  return below;
}

/** 0.6666… → "0.666": cut, not rounded, so a figure just under a threshold never prints as equal to it. */
function ratio(x: number): string {
  return String(Math.floor(x * 1000 + 1e-9) / 1000);
}
