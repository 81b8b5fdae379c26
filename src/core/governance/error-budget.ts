import type { ErrorBudget } from "../run/plan.js";

/** One step's model work as the budget counts it: `error` is the message after retries, null on success. */
export interface BudgetEvent {
  readonly at: number;
  readonly error: string | null;
}

/** Why a persona-and-model is suspended now, or null when the budget holds. */
export type BudgetVerdict = { readonly reason: string } | null;

/** `24 h`, `90 min`, `45 s`: a window as the suspension message says it. */
export function windowText(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 1000)} s`;
}

function shorten(message: string): string {
  const one = message.replace(/\s+/g, " ").trim();
  return one.length > 120 ? `${one.slice(0, 117)}…` : one;
}

/**
 * The spec's error budget over `events` (oldest first, those since the budget was last reset): more than
 * `maxErrors` errors within `windowMs` of `now`, or the same error message more than `maxRepeats` times in a row
 * (a success ends a run of repeats), suspends.
 *
 * @example budgetVerdict(nineErrors, DEFAULT_ERROR_BUDGET, now) // → { reason: "9 errors in 24 h (last: …)" }
 */
export function budgetVerdict(
  events: readonly BudgetEvent[],
  budget: ErrorBudget,
  now: number,
): BudgetVerdict {
  const recent = events.filter((e) => e.at > now - budget.windowMs && e.at <= now);
  const errors = recent.filter((e) => e.error !== null);
  const last = errors.at(-1)?.error ?? null;
  if (errors.length > budget.maxErrors && last !== null) {
    return { reason: `${errors.length} errors in ${windowText(budget.windowMs)} (last: ${shorten(last)})` };
  }
  let repeats = 0;
  for (let i = recent.length - 1; i >= 0; i--) {
    const e = recent[i] as BudgetEvent;
    if (e.error === null || e.error !== last) break;
    repeats++;
  }
  if (last !== null && repeats > budget.maxRepeats) {
    return { reason: `the same error ${repeats} times in a row: ${shorten(last)}` };
  }
  return null;
}

/** `14:05 UTC`, or `2026-12-08 14:05 UTC` when not on `now`'s day. */
export function untilText(until: number, now: number): string {
  const iso = new Date(until).toISOString();
  const time = `${iso.slice(11, 16)} UTC`;
  return iso.slice(0, 10) === new Date(now).toISOString().slice(0, 10) ? time : `${iso.slice(0, 10)} ${time}`;
}

/**
 * The spec's message for a suspended persona-and-model.
 *
 * @example suspensionMessage("reviewer", "gpt-4o-mini", { until, reason: "9 errors in 24 h (last: …)" }, now)
 * // → 'agent "reviewer" (gpt-4o-mini) suspended until 14:05 UTC: 9 errors in 24 h (last: …)'
 */
export function suspensionMessage(
  persona: string,
  model: string,
  s: { readonly until: number; readonly reason: string },
  now: number,
): string {
  return `agent "${persona}" (${model}) suspended until ${untilText(s.until, now)}: ${s.reason}`;
}
