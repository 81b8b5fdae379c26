import { data, Evaluator } from "@actions/expressions";
import { counts } from "../findings/finding.js";
import { type ParsedCondition, parseCondition } from "../workflow/condition.js";
import { SEVERITIES } from "../workflow/workflow.schema.js";
import type { RunFacts, StepState, StepStatus } from "./run-state.js";

/** What an `if:` reads: the run's facts and tokens, and the current state of each step. */
export interface ConditionView {
  readonly facts: RunFacts;
  readonly tokens: number;
  readonly step: (id: string) => StepState | undefined;
}

/** Run the step, skip it with the reason, or fail it: the expression could not be evaluated. */
export type IfVerdict =
  | { readonly run: true }
  | { readonly run: false; readonly reason: string }
  | { readonly run: false; readonly error: string };

/** Skip reasons show in tables and check runs: a long expression is cut here. */
const MAX_SHOWN = 200;
const cache = new Map<string, ParsedCondition>();
const MAX_CACHED = 1000;

function parsed(expression: string): ParsedCondition {
  let r = cache.get(expression);
  if (!r) {
    if (cache.size >= MAX_CACHED) cache.clear();
    // Names were checked when the file was validated; here only the tree and the named steps are needed.
    r = parseCondition(expression, null);
    cache.set(expression, r);
  }
  return r;
}

/**
 * Evaluates a step's `if:` (the plan's expression) with GitHub's expression library, once the steps it names
 * have finished. Truthy runs the step; falsy skips it with `if: <expression> was false`; an expression that
 * cannot be parsed or evaluated (`fromJSON('{')`) fails it, as GitHub fails a job whose `if:` errors.
 *
 * @example ifVerdict("steps.quick.findings.total > 0", view) // { run: false, reason: "if: steps.quick.findings.total > 0 was false" }
 */
export function ifVerdict(expression: string, view: ConditionView): IfVerdict {
  const r = parsed(expression);
  if (!r.ok) return { run: false, error: `if: ${r.problems[0]?.message ?? "invalid expression"}` };
  let result: data.ExpressionData;
  try {
    result = new Evaluator(r.condition.tree, conditionContext(view, r.condition.steps)).evaluate();
  } catch (err) {
    return {
      run: false,
      error: `if: could not evaluate: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  if (truthy(result)) return { run: true };
  return { run: false, reason: `if: ${shown(r.condition.expression)} was false` };
}

/** On one line and at most MAX_SHOWN characters. */
function shown(expression: string): string {
  const line = expression.replace(/\s+/g, " ").trim();
  return line.length > MAX_SHOWN ? `${line.slice(0, MAX_SHOWN - 1)}…` : line;
}

/** GitHub's truthiness: false, 0, NaN, '' and null are false; everything else, arrays and objects too, true. */
function truthy(d: data.ExpressionData): boolean {
  switch (d.kind) {
    case data.Kind.Null:
      return false;
    case data.Kind.Boolean:
      return (d as data.BooleanData).value;
    case data.Kind.Number: {
      const n = (d as data.NumberData).value;
      return n !== 0 && !Number.isNaN(n);
    }
    case data.Kind.String:
      return (d as data.StringData).value !== "";
    default:
      return true;
  }
}

const OUTCOMES: Partial<Record<StepStatus, string>> = {
  succeeded: "success",
  failed: "failure",
  skipped: "skipped",
  cancelled: "cancelled",
};

/**
 * The expression context: `steps` (only the named ones), `pr`, `issue` and `run`. A PR run (or a local one)
 * fills `pr` and leaves `issue` empty; an issue run the other way round. Unknown values are null.
 */
export function conditionContext(view: ConditionView, steps: readonly string[]): data.Dictionary {
  const f = view.facts;
  const isIssue = f.source === "issue";
  const none = new data.Null();
  return dict({
    steps: dict(Object.fromEntries(steps.map((id) => [id, stepContext(view.step(id))]))),
    pr: dict({
      author: isIssue ? none : str(f.author),
      labels: isIssue ? list([]) : list(f.labels),
      base: isIssue ? none : str(f.baseRef),
      additions: isIssue ? none : num(f.additions),
      deletions: isIssue ? none : num(f.deletions),
      files: isIssue ? list([]) : list(f.changedFiles),
    }),
    issue: dict({
      author: isIssue ? str(f.author) : none,
      labels: list(isIssue ? f.labels : []),
    }),
    run: dict({ tokens: new data.NumberData(view.tokens) }),
  });
}

/** `outcome` and `findings` counted as `fail_on` counts them: held-back and cleared findings do not count. */
function stepContext(s: StepState | undefined): data.Dictionary {
  const findings = (s?.output?.findings ?? []).filter(counts);
  const bySeverity = Object.fromEntries(
    SEVERITIES.map((sev) => [sev, new data.NumberData(findings.filter((f) => f.severity === sev).length)]),
  );
  const outcome = s ? OUTCOMES[s.status] : undefined;
  return dict({
    outcome: outcome === undefined ? new data.Null() : new data.StringData(outcome),
    findings: dict({ ...bySeverity, total: new data.NumberData(findings.length) }),
  });
}

function dict(values: Record<string, data.ExpressionData>): data.Dictionary {
  return new data.Dictionary(...Object.entries(values).map(([key, value]) => ({ key, value })));
}

function list(values: readonly string[]): data.Array {
  return new data.Array(...values.map((v) => new data.StringData(v)));
}

function str(value: string | null): data.ExpressionData {
  return value === null ? new data.Null() : new data.StringData(value);
}

function num(value: number | undefined): data.ExpressionData {
  return value === undefined ? new data.Null() : new data.NumberData(value);
}
