import { FINDING_STATES, type FindingState } from "../learning/profiles.js";

/**
 * Findings by state, as `/agents status` and the dashboard show them: every state, in lifecycle order.
 *
 * @example stateCounts({ open: 3, useful: 1, wrong: 1, addressed: 2, dismissed: 0 }) // → "open 3 · useful 1 · wrong 1 · addressed 2 · dismissed 0"
 */
export function stateCounts(counts: Readonly<Record<FindingState, number>>): string {
  return FINDING_STATES.map((s) => `${s} ${counts[s] ?? 0}`).join(" · ");
}
