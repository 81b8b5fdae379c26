import type { StepPlan } from "../run/plan.js";
import type { CodeOwnersFile } from "./codeowners.js";

/** What an approval step asks for, from its plan, plus when it started waiting. */
export interface GateSpec {
  readonly stepId: string;
  /** Approvals needed (default 1). */
  readonly count: number;
  /** Logins and `@org/team`s, `"codeowners"`, or null for anyone with write access. */
  readonly from: readonly string[] | "codeowners" | null;
  /** Accept APPROVED reviews given on an older head SHA. */
  readonly stale: boolean;
  /** Epoch ms the step started waiting: earlier slash commands do not count. */
  readonly waitingSince: number;
  /**
   * Set when the gate was re-opened (GitHub refused the merge): approving reviews submitted at or before it do
   * not count, so the gate needs a fresh approval. Null otherwise.
   */
  readonly reviewsSince: number | null;
  /**
   * Set for a gate after a `merge` step, to when the merge was made: only reviews submitted after it count (earlier
   * ones approved the merge, not what follows it). Null otherwise.
   */
  readonly afterMerge: number | null;
  /**
   * Set while `with.escalate` applies (an open finding at or above its `on`): why, for the summary, e.g.
   * `escalated: 1 high finding open — needs 2 approvals from @acme/security`. `count` and `from` are then the
   * escalated ones (`escalatedGate`).
   */
  readonly escalated?: string;
}

/** A repository permission as the collaborators API reports it (`role_name`), `none` when not a collaborator. */
export type RepoPermission = "admin" | "maintain" | "write" | "triage" | "read" | "none";

/** One PR review. COMMENTED reviews do not change a reviewer's approval state, as on GitHub. */
export interface GateReview {
  readonly login: string;
  readonly state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED";
  readonly commitId: string;
  /** Epoch ms. */
  readonly submittedAt: number;
  readonly bot: boolean;
}

/** One `/agents approve|reject [step] [reason]` comment (or button click). */
export interface GateCommand {
  readonly login: string;
  readonly verb: "approve" | "reject";
  /** The step named, or null when none was. */
  readonly stepId: string | null;
  readonly reason: string | null;
  /** Epoch ms. */
  readonly at: number;
  readonly bot: boolean;
}

/** Plain facts the adapter fetched at evaluation time; nothing here is trusted from the PR's own content. */
export interface GateFacts {
  readonly headSha: string;
  readonly author: string;
  /** Who pushed the head commit; null when unknown. */
  readonly lastPusher: string | null;
  readonly changedFiles: readonly string[];
  readonly reviews: readonly GateReview[];
  readonly commands: readonly GateCommand[];
  /** This is the only gate waiting in the run, so commands that name no step are meant for it. */
  readonly onlyWaitingGate: boolean;
  /** Login (any case) → permission; a login missing here has none. */
  readonly permissions: Readonly<Record<string, RepoPermission>>;
  /** `org/slug` or `@org/slug` (any case) → member logins, for every team the gate or CODEOWNERS names. */
  readonly teams: Readonly<Record<string, readonly string[]>>;
  /** CODEOWNERS from the default branch, parsed; null when the repo has none. */
  readonly codeowners: CodeOwnersFile | null;
}

/** Why a user's approval, rejection or requested changes did not count. */
export interface IgnoredUser {
  readonly login: string;
  readonly reason: string;
}

export type GateVerdict =
  | { readonly open: true; readonly approvers: readonly string[]; readonly sha: string }
  | {
      readonly open: false;
      /** An eligible `/agents reject`: the step fails. */
      readonly rejected: { readonly by: string; readonly reason: string } | null;
      /** Eligible reviewers whose latest review requests changes: the gate keeps waiting. */
      readonly changesRequestedBy: readonly string[];
      /** Approvals that count so far. */
      readonly approvers: readonly string[];
      /** For the check-run summary, e.g. `needs 1 more approval from @acme/maintainers on abc1234`. */
      readonly missing: string;
      /** Who may approve, e.g. `@acme/maintainers or @octocat`, `code owners`, `anyone with write access`. */
      readonly eligible: string;
      /** Changed files with a code owner among whom nobody approved (`from: codeowners` only). */
      readonly uncovered: readonly string[];
      readonly ignored: readonly IgnoredUser[];
    };

/** When reviews start counting for a gate; see `GateSpec`. */
export interface ReviewsFrom {
  readonly reviewsSince?: number | null;
  readonly afterMerge?: number | null;
}

/**
 * The gate an approval step asks for, with the schema's defaults applied.
 *
 * @example gateSpec({ id: "ok", with: { count: 2 } }, Date.now()) // { stepId: "ok", count: 2, from: null, stale: false, … }
 */
export function gateSpec(
  step: Pick<StepPlan, "id" | "with">,
  waitingSince: number,
  since: ReviewsFrom = {},
): GateSpec {
  const w = step.with;
  return Object.freeze({
    stepId: step.id,
    count: typeof w.count === "number" && w.count >= 1 ? w.count : 1,
    from: w.from === "codeowners" ? "codeowners" : Array.isArray(w.from) ? w.from.map(String) : null,
    stale: w.stale === true,
    waitingSince,
    reviewsSince: since.reviewsSince ?? null,
    afterMerge: since.afterMerge ?? null,
  });
}

/** The reviews a gate may count: after a merge, only those submitted after it. */
export function reviewsFor(gate: GateSpec, reviews: readonly GateReview[]): readonly GateReview[] {
  const since = gate.afterMerge;
  return since === null ? reviews : reviews.filter((r) => r.submittedAt > since);
}

/** Is this command meant for this gate: it names the step, or names none while this is the only waiting gate? */
export function commandTargets(c: GateCommand, gate: GateSpec, onlyWaitingGate: boolean): boolean {
  return c.stepId === null ? onlyWaitingGate : c.stepId.toLowerCase() === gate.stepId.toLowerCase();
}
