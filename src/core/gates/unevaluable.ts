/** The PR as GitHub reports it at evaluation time (an issue counts as open, on its run's head). */
export interface SubjectNow {
  readonly headSha: string;
  readonly open: boolean;
  readonly merged: boolean;
}

/** Why a run's gates cannot be evaluated now. */
export type Unevaluable =
  /** Closed without merging: its runs are cancelled, nothing they wait for can happen. */
  | { readonly why: "closed" }
  /** The head moved on (or another head was merged): a newer run takes over. */
  | { readonly why: "moved"; readonly headSha: string };

/**
 * Why a run's gates cannot be evaluated against the PR as it is now, or null when they can: on the run's head
 * SHA while the PR is open, and on that same SHA once it was merged (a merged PR's head no longer moves, so a
 * closed PR's state never stops gates after a merge).
 *
 * @example unevaluable(run.facts.headSha, { headSha: run.facts.headSha, open: false, merged: true }) // null
 */
export function unevaluable(runHeadSha: string, now: SubjectNow): Unevaluable | null {
  if (!now.open && !now.merged) return { why: "closed" };
  if (now.headSha !== runHeadSha) return { why: "moved", headSha: now.headSha };
  return null;
}
