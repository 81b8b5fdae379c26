import type { FindingState } from "../learning/profiles.js";

/** What a person (or a push) said about a posted finding. */
export type Judgement = Exclude<FindingState, "open">;

/** Where a judgement came from: a `/agents useful|wrong` reply, a 👍/👎, a resolved thread, a push. */
export type JudgementSource = "reply" | "reaction" | "thread" | "push";

/** A finding's state in the ledger, as far as judging it goes. */
export interface JudgedState {
  readonly state: FindingState;
  /** The state came from `useful`/`wrong` said by a person: inferred judgements never override it. */
  readonly explicit: boolean;
  readonly judgedAt: number | null;
}

export interface JudgementInput {
  readonly judgement: Judgement;
  readonly source: JudgementSource;
  readonly at: number;
}

/** Explicit judgements (`useful`/`wrong`) are said by a person; the rest are inferred from what happened. */
export function isExplicit(j: Judgement): boolean {
  return j === "useful" || j === "wrong";
}

/**
 * The spec's precedence, as the new state or null when the judgement changes nothing:
 * - the latest explicit judgement wins (an older 👍 read at close does not undo a newer `/agents wrong`);
 * - a resolved thread sets `addressed`/`dismissed` unless a person judged explicitly;
 * - a push addresses only a finding nobody judged yet.
 *
 * @example applyJudgement({ state: "wrong", explicit: true, judgedAt: 5 }, { judgement: "addressed", source: "push", at: 9 }) // → null
 */
export function applyJudgement(current: JudgedState, j: JudgementInput): JudgedState | null {
  if (isExplicit(j.judgement)) {
    if (current.explicit && current.judgedAt !== null && j.at < current.judgedAt) return null;
    return { state: j.judgement, explicit: true, judgedAt: j.at };
  }
  if (current.explicit) return null;
  if (j.source === "push" && current.state !== "open") return null;
  if (current.state === j.judgement) return null;
  return { state: j.judgement, explicit: false, judgedAt: j.at };
}

/**
 * Whether a `wrong`/`dismissed` judgement stops the finding counting toward `fail_on` and escalation on its PR:
 * only when the judge is neither the PR's author nor its last pusher. Nobody clears their own PR's findings.
 */
export function judgementClears(
  judgement: Judgement,
  judge: string,
  pr: { readonly author: string | null; readonly lastPusher: string | null },
): boolean {
  if (judgement !== "wrong" && judgement !== "dismissed") return false;
  const who = judge.toLowerCase();
  return who !== (pr.author ?? "").toLowerCase() && who !== (pr.lastPusher ?? "").toLowerCase();
}
