import { type Audience, audience, loginKey, uncoveredFiles, whyIneligible } from "./gate-eligibility.js";
import {
  commandTargets,
  type GateFacts,
  type GateReview,
  type GateSpec,
  type GateVerdict,
  type IgnoredUser,
  reviewsFor,
} from "./gate-facts.js";

export type { GateFacts, GateSpec, GateVerdict } from "./gate-facts.js";

const short = (sha: string) => sha.slice(0, 7);
const MAX_FILES_NAMED = 5;

/** What one evaluation gathers before it decides. */
interface Tally {
  /** login key → who approved and when first (epoch ms). */
  readonly approvals: Map<string, { login: string; at: number }>;
  readonly changesRequested: string[];
  rejected: { by: string; reason: string } | null;
  /** login key → the first reason that user's approval, rejection or requested changes was not counted. */
  readonly ignored: Map<string, IgnoredUser>;
}

function ignore(t: Tally, login: string, reason: string): void {
  if (!t.ignored.has(loginKey(login))) t.ignored.set(loginKey(login), { login, reason });
}

function approve(t: Tally, login: string, at: number): void {
  const prev = t.approvals.get(loginKey(login));
  if (!prev || at < prev.at) t.approvals.set(loginKey(login), { login, at });
}

/**
 * Each reviewer's latest review that carries a decision. COMMENTED reviews are left out because on GitHub a
 * comment after an approval leaves the approval standing; a dismissed review has state DISMISSED and so no decision.
 */
function latestDecisions(reviews: readonly GateReview[]): GateReview[] {
  const latest = new Map<string, GateReview>();
  const inOrder = reviews
    .map((r, i) => ({ r, i }))
    .sort((a, b) => a.r.submittedAt - b.r.submittedAt || a.i - b.i);
  for (const { r } of inOrder) if (r.state !== "COMMENTED") latest.set(loginKey(r.login), r);
  return [...latest.values()];
}

function tallyReviews(t: Tally, gate: GateSpec, facts: GateFacts, who: Audience): void {
  for (const r of latestDecisions(reviewsFor(gate, facts.reviews))) {
    if (r.state === "DISMISSED") continue;
    const why = whyIneligible(r.login, r.bot, facts, who);
    if (why) ignore(t, r.login, why);
    else if (r.state === "CHANGES_REQUESTED") t.changesRequested.push(r.login);
    else if (gate.reviewsSince !== null && r.submittedAt <= gate.reviewsSince)
      ignore(t, r.login, "approved before the merge was refused; approve again");
    else if (!gate.stale && r.commitId !== facts.headSha)
      ignore(t, r.login, `approved ${short(r.commitId)}, not the head ${short(facts.headSha)}`);
    else approve(t, r.login, r.submittedAt);
  }
}

function tallyCommands(t: Tally, gate: GateSpec, facts: GateFacts, who: Audience): void {
  const mine = facts.commands
    .filter((c) => commandTargets(c, gate, facts.onlyWaitingGate))
    .sort((a, b) => a.at - b.at);
  for (const c of mine) {
    const why = whyIneligible(c.login, c.bot, facts, who);
    if (why) ignore(t, c.login, why);
    else if (c.at <= gate.waitingSince)
      ignore(t, c.login, `${c.verb === "approve" ? "approved" : "rejected"} before the gate started waiting`);
    else if (c.verb === "approve") approve(t, c.login, c.at);
    else t.rejected ??= { by: c.login, reason: c.reason?.trim() ?? "" };
  }
}

function fileList(files: readonly string[]): string {
  const named = files.slice(0, MAX_FILES_NAMED).join(", ");
  return files.length > MAX_FILES_NAMED ? `${named} and ${files.length - MAX_FILES_NAMED} more` : named;
}

/** The one line a check-run summary shows, e.g. `needs 1 more approval from @acme/maintainers on abc1234`. */
function missingText(
  t: Tally,
  gate: GateSpec,
  facts: GateFacts,
  who: Audience,
  uncovered: readonly string[],
): string {
  if (t.rejected) return `rejected by @${t.rejected.by}${t.rejected.reason ? `: ${t.rejected.reason}` : ""}`;
  const parts: string[] = [];
  if (t.changesRequested.length > 0)
    parts.push(`changes requested by ${t.changesRequested.map((l) => `@${l}`).join(", ")}`);
  const more = Math.max(0, gate.count - t.approvals.size);
  const approvals = `${more} more approval${more === 1 ? "" : "s"}`;
  const from = who.describe === "anyone with write access" ? "" : ` from ${who.describe}`;
  if (more > 0 && uncovered.length > 0)
    parts.push(`needs ${approvals} from code owners, covering ${fileList(uncovered)}`);
  else if (more > 0) parts.push(`needs ${approvals}${from}`);
  else if (uncovered.length > 0) parts.push(`needs approval from code owners of ${fileList(uncovered)}`);
  const reopened = gate.reviewsSince !== null ? " (the merge was refused: approve again)" : "";
  const merged = gate.afterMerge !== null ? " (reviews from before the merge do not count)" : "";
  const on = facts.headSha ? ` on ${short(facts.headSha)}` : ""; // issue runs have no commit
  const escalated = gate.escalated ? ` (${gate.escalated})` : "";
  return `${parts.join("; ")}${on}${escalated}${reopened}${merged}`;
}

/**
 * Decides an approval gate from facts fetched at evaluation time (`workflow-file.md`, "Approval gates"):
 * enough approvals (APPROVED reviews on the head SHA, or on any SHA with `stale`, by each user's latest
 * decision, and for a gate after a merge only reviews submitted after it; or `/agents approve` after the gate
 * started waiting), each from someone who is not the author, not the last pusher, not a bot, has write access and
 * is in `from`; with `from: codeowners`, the approvers cover every owned changed file; and no eligible reviewer
 * requests changes or said `/agents reject`. A gate escalated by an open finding (`escalatedGate`) is judged by
 * its escalated `count` and `from`, and what is missing says why: `… on abc1234 (escalated: 1 high finding open —
 * needs 2 approvals from @acme/security)`.
 *
 * @example evaluateGate(gateSpec(step, waitingSince), facts) // { open: false, missing: "needs 1 more approval on abc1234", … }
 */
export function evaluateGate(gate: GateSpec, facts: GateFacts): GateVerdict {
  const who = audience(gate, facts);
  const t: Tally = { approvals: new Map(), changesRequested: [], rejected: null, ignored: new Map() };
  tallyReviews(t, gate, facts, who);
  tallyCommands(t, gate, facts, who);

  const approvers = [...t.approvals.values()]
    .sort((a, b) => a.at - b.at || loginKey(a.login).localeCompare(loginKey(b.login)))
    .map((a) => a.login);
  const uncovered = uncoveredFiles(who, approvers, facts);
  const open =
    !t.rejected &&
    t.changesRequested.length === 0 &&
    approvers.length >= gate.count &&
    uncovered.length === 0;
  if (open) return Object.freeze({ open: true, approvers, sha: facts.headSha });
  return Object.freeze({
    open: false,
    rejected: t.rejected,
    changesRequestedBy: t.changesRequested,
    approvers,
    missing: missingText(t, gate, facts, who, uncovered),
    eligible: who.describe,
    uncovered,
    // Someone whose other approval counted was not ignored after all.
    ignored: [...t.ignored.entries()].filter(([key]) => !t.approvals.has(key)).map(([, u]) => u),
  });
}
