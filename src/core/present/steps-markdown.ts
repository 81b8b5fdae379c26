import type { StepPlan } from "../run/plan.js";
import { indexPlan } from "../run/plan-index.js";
import type { RunState, StepState } from "../run/run-state.js";
import { formatDuration } from "../workflow/duration.js";
import { cellText, codeSpan } from "./markdown-escape.js";

/** 12345 → "12,345", the same on every machine (no locale). */
export function groupDigits(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

function stateText(s: StepState, p: StepPlan | undefined): string {
  switch (s.status) {
    case "ready":
      return s.attempts > 0 ? "retrying" : "queued";
    case "waiting":
      return `waiting for ${s.waitingFor ?? "an event"}`;
    case "failed":
      return p?.continueOnError ? "failed (continue_on_error)" : "failed";
    default:
      return s.status;
  }
}

function resultText(s: StepState): string {
  switch (s.status) {
    case "failed":
      return [s.error, s.output?.summary].filter(Boolean).join(" · ");
    case "skipped":
    case "cancelled":
      return s.reason ?? "";
    case "ready":
      return s.error ? `retrying after: ${s.error}` : "";
    default:
      return s.output?.summary ?? "";
  }
}

/**
 * A Markdown table of steps: state, duration, tokens and a one-line result, every cell escaped.
 *
 * @example stepsTable(run, ["code-review"])
 * // | step | state | duration | tokens | result |
 * // | --- | --- | --- | --- | --- |
 * // | `code-review` | succeeded | 1m30s | 12,345 | 3 findings (1 high, 2 low) |
 */
export function stepsTable(run: RunState, stepIds: readonly string[]): string {
  const index = indexPlan(run.plan);
  const rows = stepIds.map((id) => {
    const s = run.steps.get(id);
    const p = index.step.get(id);
    if (!s) return `| ${codeSpan(id)} | unknown | — | — | — |`;
    const name = p && p.name !== id ? ` ${cellText(p.name, 80)}` : "";
    const duration =
      s.startedAt !== null && s.finishedAt !== null ? formatDuration(s.finishedAt - s.startedAt) : "—";
    const tokens = p?.isAgent ? groupDigits(s.tokens) : "—";
    const result = cellText(resultText(s)) || "—";
    return `| ${codeSpan(id)}${name} | ${stateText(s, p)} | ${duration} | ${tokens} | ${result} |`;
  });
  return ["| step | state | duration | tokens | result |", "| --- | --- | --- | --- | --- |", ...rows].join(
    "\n",
  );
}
