import { readdir, readFile, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type EvalCounts, evalMetrics, type MatchResult, matchFindings } from "../../core/eval/eval-match.js";
import {
  caseResult,
  type EvalRow,
  type EvalSummary,
  type EvalThresholds,
  type EvalTrial,
  summarizeEval,
  thresholdFailures,
  type WorkflowFinding,
} from "../../core/eval/eval-summary.js";
import type { ExpectedFinding } from "../../core/eval/expected-finding.js";
import type { RunPlan } from "../../core/run/plan.js";
import { formatDuration } from "../../core/workflow/duration.js";
import { type LoadedCase, parseCase, runEval } from "../../engine/eval-runner.js";
import { selectProvider } from "../../llm/select-provider.js";
import {
  allowedModels,
  chooseWorkflow,
  DEFAULT_WORKFLOW_PATH,
  loadWorkflowFile,
  UsageError,
} from "../load-workflow.js";
import { type Io, paint, table } from "../output.js";

// The runner lives in the engine (the `eval` step kind runs it too); its names stay importable from here.
export { type LoadedCase, onModel, type RunEvalOptions, runEval } from "../../engine/eval-runner.js";

/** Where `phasegate eval` looks for cases when no folder is given. */
export const DEFAULT_EVALS_DIR = ".agents/evals";

export interface EvalOptions {
  readonly workflow?: string;
  readonly file?: string;
  readonly json?: boolean;
  readonly minPrecision?: string;
  readonly minRecall?: string;
}

/**
 * `phasegate eval [dir]`: runs the workflow's agent steps over labelled cases and prints, per step and model,
 * what they found, flagged wrongly and missed, with precision, recall, F1, tokens and model latency.
 * 1. check the thresholds, load the workflow and pick its agent steps;
 * 2. read and check every case before running any (all errors at once, exit 2);
 * 3. run each case through each step on each of its models, a progress line per case;
 * 4. print the table (or `--json`); exit 1 when a step failed or the workflow is below a threshold.
 */
export async function evalCommand(dir: string | undefined, opts: EvalOptions, io: Io): Promise<number> {
  const thresholds: EvalThresholds = {
    ...(opts.minPrecision !== undefined && {
      minPrecision: ratioOption("--min-precision", opts.minPrecision),
    }),
    ...(opts.minRecall !== undefined && { minRecall: ratioOption("--min-recall", opts.minRecall) }),
  };
  const loaded = await loadWorkflowFile(resolve(io.cwd, opts.file ?? DEFAULT_WORKFLOW_PATH), io.env);
  if (loaded.ok === false) {
    for (const e of loaded.errors) io.err(`${e}\n`);
    return 1;
  }
  if (loaded.ok === "missing" && opts.file !== undefined) throw new UsageError(`${opts.file}: no such file`);
  const plan = chooseWorkflow(loaded.ok === true ? loaded.file : null, opts.workflow, io.env);
  if (!plan.steps.some((s) => s.isAgent)) {
    throw new UsageError(
      `workflow "${plan.workflowId}" has no agent steps (review, security, tests, agent) to evaluate`,
    );
  }

  const where = dir ?? DEFAULT_EVALS_DIR;
  const read = await readCases(resolve(io.cwd, where), where);
  if (!read.ok) {
    for (const e of read.errors) io.err(`${e}\n`);
    io.err(`phasegate: ${plural(read.errors.length, "error")} in the cases of ${where}\n`);
    return 2;
  }

  const provider = selectProvider(io.env);
  const log = opts.json ? io.err : io.out;
  const agentSteps = plan.steps.filter((s) => s.isAgent);
  log(
    `${paint(io, "bold", plan.name)}: ${plural(agentSteps.length, "agent step")} on ${plural(read.cases.length, "case")} · ${provider.label}\n`,
  );
  const trials = await runEval({
    plan,
    cases: read.cases,
    provider,
    allowedModels: allowedModels(io.env) ?? [],
    onCase: (c, caseTrials, ms, index) =>
      log(`${caseLine(io, c, caseTrials, { ms, index, of: read.cases.length })}\n`),
  });

  const summary = summarizeEval(read.cases, trials);
  const failures = thresholdFailures(summary.overall, thresholds);
  const failed = trials.filter((t) => t.error !== null);
  if (opts.json) {
    io.out(
      `${JSON.stringify(jsonResult(plan, provider.label, read.cases, trials, summary, thresholds), null, 2)}\n`,
    );
  } else {
    io.out(report(io, plan, read.cases, trials, summary, thresholds));
  }
  return failures.length > 0 || failed.length > 0 ? 1 : 0;
}

/** A `--min-precision`/`--min-recall` value: a ratio from 0 to 1. */
function ratioOption(name: string, text: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new UsageError(`${name} must be a number from 0 to 1 (such as 0.8), got "${text}"`);
  }
  return value;
}

type ReadCases = { ok: true; cases: LoadedCase[] } | { ok: false; errors: string[] };

/**
 * Every sub-folder of `dir` (hidden ones aside) is a case with `change.diff` and `expected.yaml`; other files
 * are ignored. A missing folder is a usage error; problems inside cases are collected, every one with its place.
 */
export async function readCases(dir: string, shown: string): Promise<ReadCases> {
  const info = await stat(dir).catch(() => null);
  if (!info) throw new UsageError(`${shown}: no such folder`);
  if (!info.isDirectory()) throw new UsageError(`${shown}: not a folder`);
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isDirectory() && !e.name.startsWith("."))
    .map((e) => e.name)
    .sort();
  if (names.length === 0) {
    throw new UsageError(`${shown}: no cases (a case is a folder with change.diff and expected.yaml)`);
  }
  const cases: LoadedCase[] = [];
  const errors: string[] = [];
  for (const name of names) {
    const [diff, expected] = await Promise.all(
      ["change.diff", "expected.yaml"].map((f) => readFile(join(dir, name, f), "utf8").catch(() => null)),
    );
    const parsed = parseCase(name, { diff: diff ?? null, expected: expected ?? null }, (file) =>
      join(shown, name, file),
    );
    if (parsed.ok) cases.push(parsed.case);
    else errors.push(...parsed.errors);
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, cases };
}

function caseLine(
  io: Io,
  c: LoadedCase,
  trials: readonly EvalTrial[],
  at: { ms: number; index: number; of: number },
): string {
  const r = caseResult(c, trials);
  const failed = trials.filter((t) => t.error !== null).length;
  const clean = r.misses === 0 && r.falsePositives === 0 && failed === 0;
  const mark = clean ? paint(io, "green", "✓") : paint(io, "red", "✗");
  const found =
    c.expected.length === 0 ? "nothing expected" : `${r.truePositives} of ${c.expected.length} found`;
  return [
    `${mark} ${c.name} ${paint(io, "gray", `${at.index}/${at.of} · ${formatDuration(at.ms)}`)} ${found}`,
    plural(r.falsePositives, "false positive"),
    // What failed and why is listed under the table, once.
    ...(failed > 0 ? [paint(io, "red", `${plural(failed, "step")} failed`)] : []),
  ].join(" · ");
}

/** The table, the workflow's figures and their verdict, then what the workflow missed and flagged wrongly. */
function report(
  io: Io,
  plan: RunPlan,
  cases: readonly LoadedCase[],
  trials: readonly EvalTrial[],
  summary: EvalSummary,
  thresholds: EvalThresholds,
): string {
  const rows = [
    ["STEP", "KIND", "MODEL", "TP", "FP", "MISSED", "PRECISION", "RECALL", "F1", "TOKENS", "LATENCY"],
  ];
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
    formatDuration(r.latencyMs),
  ];
  for (const r of summary.rows) rows.push(cells(r, r.step ?? "", r.kind ?? "", r.model ?? ""));
  rows.push(cells(summary.overall, "all steps", "", "default"));
  const o = summary.overall;
  const expected = cases.reduce((n, c) => n + c.expected.length, 0);
  const lines = [
    "",
    table(rows),
    "",
    `${plan.workflowId} as a whole (every step on its default model): precision ${o.precision.toFixed(2)} · recall ${o.recall.toFixed(2)} · F1 ${o.f1.toFixed(2)} on ${plural(cases.length, "case")} with ${plural(expected, "expected finding")}`,
  ];
  const failures = thresholdFailures(o, thresholds);
  const asked = [
    ...(thresholds.minPrecision !== undefined ? [`--min-precision ${thresholds.minPrecision}`] : []),
    ...(thresholds.minRecall !== undefined ? [`--min-recall ${thresholds.minRecall}`] : []),
  ];
  for (const f of failures) lines.push(`${paint(io, "red", "✗")} ${f}`);
  if (asked.length > 0 && failures.length === 0)
    lines.push(`${paint(io, "green", "✓")} meets ${asked.join(" and ")}`);
  const failed = trials.filter((t) => t.error !== null);
  if (failed.length > 0) {
    lines.push(`${paint(io, "red", "✗")} ${plural(failed.length, "step")} failed:`);
    for (const t of failed) lines.push(`  ${t.caseName}: ${t.step} on ${t.model}: ${t.error}`);
  }
  const details = cases.flatMap((c) => outcomeRows(c, caseResult(c, trials)));
  if (details.length > 0) {
    lines.push("", "Missed and false positives (every step on its default model):");
    lines.push(
      ...table(details)
        .split("\n")
        .map((row) => `  ${row}`),
    );
  }
  return `${lines.join("\n")}\n`;
}

function outcomeRows(c: LoadedCase, r: MatchResult & { findings: readonly WorkflowFinding[] }): string[][] {
  return [
    ...r.missed.map((i) => {
      const e = c.expected[i]!;
      return ["missed", c.name, place(e.file, e), e.severity, e.about.join(", ")];
    }),
    ...r.unmatched.map((j) => {
      const f = r.findings[j]!;
      return [
        "false positive",
        c.name,
        `${f.file}${f.line ? `:${f.line}` : ""}`,
        f.severity,
        `${f.title} (${f.step})`,
      ];
    }),
  ];
}

function place(file: string, e: ExpectedFinding): string {
  if (!e.lines) return file;
  return e.lines.start === e.lines.end
    ? `${file}:${e.lines.start}`
    : `${file}:${e.lines.start}-${e.lines.end}`;
}

/** `--json`: the rows and the workflow row, and per case what was found, missed and flagged wrongly. */
export function jsonResult(
  plan: RunPlan,
  provider: string,
  cases: readonly LoadedCase[],
  trials: readonly EvalTrial[],
  summary: EvalSummary,
  thresholds: EvalThresholds,
) {
  const failures = thresholdFailures(summary.overall, thresholds);
  return {
    workflow: plan.workflowId,
    provider,
    rows: summary.rows,
    overall: summary.overall,
    thresholds: {
      minPrecision: thresholds.minPrecision ?? null,
      minRecall: thresholds.minRecall ?? null,
      failures,
    },
    passed: failures.length === 0 && trials.every((t) => t.error === null),
    cases: cases.map((c) => {
      const r = caseResult(c, trials);
      return {
        name: c.name,
        expected: c.expected,
        ...counts(r),
        ...evalMetrics(r),
        found: r.pairs.map((p) => ({
          expected: p.expected,
          distance: p.distance,
          finding: r.findings[p.finding],
        })),
        missed: r.missed.map((i) => c.expected[i]),
        unexpected: r.unmatched.map((j) => r.findings[j]),
        trials: trials
          .filter((t) => t.caseName === c.name)
          .map((t) => ({
            step: t.step,
            model: t.model,
            findings: t.findings.length,
            ...counts(matchFindings(c.expected, t.findings)),
            promptTokens: t.promptTokens,
            completionTokens: t.completionTokens,
            latencyMs: t.latencyMs,
            error: t.error,
          })),
      };
    }),
  };
}

function counts(r: EvalCounts): EvalCounts {
  return { truePositives: r.truePositives, falsePositives: r.falsePositives, misses: r.misses };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
