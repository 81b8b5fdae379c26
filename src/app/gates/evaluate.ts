import type { CodeOwnersFile } from "../../core/gates/codeowners.js";
import { escalatedGate, escalateOf, type LedgerMarks, runFindings } from "../../core/gates/escalation.js";
import { loginKey } from "../../core/gates/gate-eligibility.js";
import { type GateSpec, gateSpec, type RepoPermission } from "../../core/gates/gate-facts.js";
import { gateLookups } from "../../core/gates/gate-lookups.js";
import { evaluateGate, type GateFacts, type GateVerdict } from "../../core/gates/gates.js";
import { mergedBefore } from "../../core/gates/merged-before.js";
import { type Unevaluable, unevaluable } from "../../core/gates/unevaluable.js";
import type { StepPlan } from "../../core/run/plan.js";
import { type RunState, TERMINAL_RUN_STATES } from "../../core/run/run-state.js";
import { isTeamMember, repoPermission } from "../permissions/repo-access.js";
import { inRunOrder } from "../runs/run-order.js";
import type { AppServices } from "../services.js";
import { codeownersFile } from "./codeowners-file.js";
import { GATE_OPENED_PREFIX, gateCommands } from "./gate-commands.js";
import { itemReviews, itemState } from "./pr-snapshot.js";

/** One waiting gate's verdict, and the spec it was judged by. */
export interface GateOutcome {
  readonly stepId: string;
  readonly gate: GateSpec;
  readonly verdict: GateVerdict;
}

/** What one evaluation of a run's gates decided, or why it could not look at them. */
export interface GateEvaluation {
  readonly outcomes: readonly GateOutcome[];
  /** Set when nothing was evaluated because of the PR's state (closed without merging, head moved on). */
  readonly skipped: Unevaluable | null;
}

const NOTHING: GateEvaluation = { outcomes: [], skipped: null };

function waitingApprovals(run: RunState): StepPlan[] {
  return run.plan.steps.filter((p) => {
    const s = run.steps.get(p.id);
    return p.kind === "approval" && s?.status === "waiting" && s.waitingFor === "approval";
  });
}

/** The gate the step asks for now: escalated while the run has an open finding at or above `escalate.on`. */
function specOf(run: RunState, step: StepPlan, ledger: LedgerMarks): GateSpec {
  const s = run.steps.get(step.id);
  const reopenedAt = s?.output?.data?.reopenedAt;
  const gate = gateSpec(step, s?.startedAt ?? run.createdAt, {
    reviewsSince: typeof reopenedAt === "number" ? reopenedAt : null,
    afterMerge: mergedBefore(run, step.id),
  });
  return escalatedGate(gate, escalateOf(step.with), runFindings(run), ledger);
}

/**
 * What the PR's findings ledger says of each fingerprint (one query), read only when a waiting gate has
 * `escalate`: a finding judged wrong, dismissed or addressed there stops escalating.
 */
async function ledgerMarks(s: AppServices, run: RunState, steps: readonly StepPlan[]): Promise<LedgerMarks> {
  if (run.facts.number === null || !steps.some((p) => escalateOf(p.with))) return new Map();
  const rows = await s.findings.forPr(run.facts.repo, run.facts.number);
  return new Map(rows.map((r) => [r.fingerprint, { state: r.state, clears: r.clears }]));
}

/** Permissions and team memberships of exactly the people and teams the gates' verdicts depend on. */
async function lookUp(
  s: AppServices,
  run: RunState,
  users: readonly string[],
  teams: readonly string[],
): Promise<Pick<GateFacts, "permissions" | "teams">> {
  const gh = run.facts.github;
  if (!gh) return { permissions: {}, teams: {} };
  const repo = { installationId: gh.installationId, owner: gh.owner, name: gh.name };
  const permissions: Record<string, RepoPermission> = {};
  await Promise.all(
    users.map(async (u) => {
      permissions[u] = await repoPermission(s, repo, u);
    }),
  );
  // Only users with write access can count, so only they need a membership lookup.
  const writers = users.filter((u) => ["admin", "maintain", "write"].includes(permissions[u] ?? "none"));
  const members: Record<string, string[]> = {};
  await Promise.all(
    teams.map(async (t) => {
      const found = await Promise.all(writers.map((u) => isTeamMember(s, gh.installationId, t, u)));
      members[t] = writers.filter((_, i) => found[i]);
    }),
  );
  return { permissions, teams: members };
}

/** `approved by review`, `approved by command` or `approved by review and command`, for the audit trail. */
function openedBy(approvers: readonly string[], facts: GateFacts, gate: GateSpec): string {
  const byCommand = new Set(
    facts.commands
      .filter((c) => c.verb === "approve" && c.stepId?.toLowerCase() === gate.stepId.toLowerCase())
      .map((c) => loginKey(c.login)),
  );
  const commands = approvers.filter((a) => byCommand.has(loginKey(a))).length;
  const how = commands === 0 ? "review" : commands === approvers.length ? "command" : "review and command";
  return `${GATE_OPENED_PREFIX}${how}${gate.escalated ? ` (${gate.escalated})` : ""}`;
}

async function apply(s: AppServices, run: RunState, o: GateOutcome, facts: GateFacts): Promise<void> {
  const at = s.now();
  const v = o.verdict;
  if (v.open) {
    const after = await s.engine.submit(run.id, {
      type: "gate-approved",
      at,
      stepId: o.stepId,
      by: v.approvers,
      sha: v.sha,
    });
    if (after.steps.get(o.stepId)?.status !== "succeeded") return;
    await s.store.appendAudit({
      runId: run.id,
      at,
      actor: v.approvers.join(", "),
      action: "approve",
      stepId: o.stepId,
      sha: v.sha,
      reason: openedBy(v.approvers, facts, o.gate),
    });
  } else if (v.rejected) {
    await s.engine.submit(run.id, {
      type: "gate-rejected",
      at,
      stepId: o.stepId,
      by: v.rejected.by,
      reason: v.rejected.reason,
    });
  } else {
    await s.engine.submit(run.id, {
      type: "gate-evaluated",
      at,
      stepId: o.stepId,
      summary: v.missing,
      data: { eligible: v.eligible, approvers: [...v.approvers], uncovered: [...v.uncovered] },
    });
  }
}

async function evaluateNow(s: AppServices, runId: string): Promise<GateEvaluation> {
  const run = await s.store.loadRun(runId);
  if (!run?.facts.github || TERMINAL_RUN_STATES.has(run.status)) return NOTHING;
  const steps = waitingApprovals(run);
  if (steps.length === 0) return NOTHING;

  // 1. What GitHub says now. A moved head means a synchronize will supersede this run, and a PR closed unmerged
  //    has its runs cancelled: leave it alone. A merged PR's gates go on, on the SHA that was merged.
  const item = await itemState(s, run);
  const skipped = unevaluable(run.facts.headSha, item);
  if (skipped) {
    s.log.debug(
      { runId, head: item.headSha, open: item.open, merged: item.merged, why: skipped.why },
      "gates not evaluated: the PR closed or moved on",
    );
    return { outcomes: [], skipped };
  }
  // 2. Reviews, commands from the audit trail; the findings ledger only when a gate can escalate (its escalated
  //    `count` and `from` apply while a finding at or above `escalate.on` is open); CODEOWNERS only when a gate
  //    asks for code owners.
  const reviews = await itemReviews(s, run);
  const commands = gateCommands(await s.store.listAudit(runId));
  const ledger = await ledgerMarks(s, run, steps);
  const specs = steps.map((p) => specOf(run, p, ledger));
  const codeowners: CodeOwnersFile | null = specs.some((g) => g.from === "codeowners")
    ? await codeownersFile(s, run)
    : null;
  const known = {
    // Equal to the PR's head now; once merged, the SHA that was merged.
    headSha: run.facts.headSha,
    author: item.author,
    lastPusher: run.facts.github.lastPusher,
    changedFiles: run.facts.changedFiles,
    reviews,
    commands,
    onlyWaitingGate: steps.length === 1,
    codeowners,
  };
  // 3. Permissions and teams of only the people and teams that matter, then the verdicts.
  const outcomes: GateOutcome[] = [];
  for (const gate of specs) {
    const lookups = gateLookups(gate, known);
    const facts: GateFacts = { ...known, ...(await lookUp(s, run, lookups.users, lookups.teams)) };
    const outcome = { stepId: gate.stepId, gate, verdict: evaluateGate(gate, facts) };
    await apply(s, run, outcome, facts);
    outcomes.push(outcome);
  }
  return { outcomes, skipped: null };
}

/**
 * Evaluates every approval gate of the run that waits, on facts re-read from GitHub (spec "Approval gates"), and
 * applies the verdicts: `gate-approved` (audited), `gate-rejected`, or `gate-evaluated` with what is missing.
 * Evaluations of one run happen one at a time. Returns the verdicts, or why there are none, for replies to
 * commands.
 */
export function evaluateWaitingGates(s: AppServices, runId: string): Promise<GateEvaluation> {
  return inRunOrder(s, runId, () => evaluateNow(s, runId));
}

const scheduled = new WeakMap<AppServices, Set<string>>();

/**
 * Evaluates the run's gates in the background. Changes that arrive while an evaluation is queued and not yet
 * started share it: it reads the run as it is when it starts.
 */
export function scheduleEvaluation(s: AppServices, runId: string): void {
  let pending = scheduled.get(s);
  if (!pending) {
    pending = new Set();
    scheduled.set(s, pending);
  }
  if (pending.has(runId)) return;
  pending.add(runId);
  const work = inRunOrder(s, runId, () => {
    pending.delete(runId);
    return evaluateNow(s, runId);
  });
  s.background.track(
    work.catch((err) => s.log.error({ err, runId }, "evaluating approval gates failed; they keep waiting")),
  );
}

/**
 * After a judgement changed a finding's state on a PR (wrong, dismissed, addressed, or useful again): every open
 * run of the PR with a waiting gate that has `escalate` is evaluated again in the background, since the finding
 * may have stopped (or started again) escalating it. Other gates cannot change, and are left alone.
 */
export async function evaluateEscalatedGates(s: AppServices, repo: string, number: number): Promise<void> {
  try {
    for (const id of await s.github.runIdsFor(repo, number)) {
      const run = await s.store.loadRun(id);
      if (!run || TERMINAL_RUN_STATES.has(run.status)) continue;
      if (waitingApprovals(run).some((p) => escalateOf(p.with))) scheduleEvaluation(s, id);
    }
  } catch (err) {
    // The judgement stands; the gates are evaluated again on the next review, command or push.
    s.log.error({ err, repo, number }, "re-evaluating escalated gates after a judgement failed");
  }
}
