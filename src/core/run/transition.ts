import { formatDuration } from "../workflow/duration.js";
import { PR_ONLY_KINDS } from "../workflow/workflow.schema.js";
import { type ConditionView, ifVerdict } from "./if-condition.js";
import type { StepPlan } from "./plan.js";
import { indexPlan, type PlanIndex } from "./plan-index.js";
import type { RunCommand, RunEvent, Transition } from "./run-event.js";
import {
  isTerminal,
  type RunState,
  type RunStatus,
  type StepState,
  TERMINAL_RUN_STATES,
} from "./run-state.js";
import type { StepTable } from "./step-table.js";
import { whenMismatch } from "./when.js";

export interface TransitionOptions {
  /** First retry waits this long; each further retry doubles it. */
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  /** How many times a step may lose its worker (lease expired) before it fails. */
  readonly maxLostLeases: number;
}

export const DEFAULT_TRANSITION_OPTIONS: TransitionOptions = {
  retryBaseMs: 1000,
  retryMaxMs: 60_000,
  maxLostLeases: 3,
};

/** Exponential backoff before retry number `attempt` (1-based): base, 2×base, 4×base … capped. */
export function retryDelay(attempt: number, opts: TransitionOptions = DEFAULT_TRANSITION_OPTIONS): number {
  return Math.min(opts.retryBaseMs * 2 ** Math.max(0, attempt - 1), opts.retryMaxMs);
}

/** The changes one transition makes, gathered before the new frozen state is built. */
interface Draft {
  readonly run: RunState;
  readonly index: PlanIndex;
  readonly opts: TransitionOptions;
  /** The current event's time. */
  at: number;
  readonly changed: Map<string, StepState>;
  readonly commands: RunCommand[];
  /** Steps that became terminal: their dependants may now be decidable. */
  readonly settled: string[];
  tokens: number;
  status: RunStatus;
  reason: string | null;
}

function get(d: Draft, id: string): StepState | undefined {
  return d.changed.get(id) ?? d.run.steps.get(id);
}

/** Every step's current state, in plan order: one pass over an array, never a lookup per step. */
function current(d: Draft): readonly StepState[] {
  const base = d.run.steps.values();
  return d.changed.size === 0 ? base : base.map((s) => d.changed.get(s.id) ?? s);
}

function put(d: Draft, id: string, patch: Partial<StepState>): void {
  const prev = get(d, id);
  if (!prev) return;
  const next = Object.freeze({ ...prev, ...patch });
  d.changed.set(id, next);
  if (!isTerminal(prev.status) && isTerminal(next.status)) d.settled.push(id);
}

function plan(d: Draft, id: string): StepPlan | undefined {
  return d.index.step.get(id);
}

const RELEASE = { leaseOwner: null, leaseExpiresAt: null } as const;

/**
 * A need that stops its dependants: failed (without `continue_on_error`), cancelled, or skipped because
 * something it needed stopped it. A step skipped by `when`, `if:` or by hand does not stop its dependants, even
 * when a need of a hand-skipped step fails later, so the skip's own reason decides, not its needs.
 */
function blocks(d: Draft, id: string): boolean {
  const s = get(d, id);
  if (!s) return false;
  if (s.status === "failed") return !plan(d, id)?.continueOnError;
  if (s.status === "cancelled") return true;
  return s.status === "skipped" && !isConditionSkip(s.reason) && !s.reason?.startsWith("skipped by @");
}

/** Skipped by `when` or `if:`: the step was not wanted, nothing went wrong. */
function isConditionSkip(reason: string | null): boolean {
  return !!reason && (reason.startsWith("when:") || reason.startsWith("if:"));
}

/** `if:` reads the draft: steps changed by this transition and its tokens count already. */
function conditionView(d: Draft): ConditionView {
  return { facts: d.run.facts, tokens: d.run.tokens + d.tokens, step: (id) => get(d, id) };
}

/** Why a step is skipped for this blocking need: a skipped need passes on its own reason, which names the root. */
function skipReason(d: Draft, p: StepPlan, blocker: string): string {
  const b = get(d, blocker);
  if (b?.status === "skipped" && b.reason) return b.reason;
  return `${p.needReasons[blocker]} ${b?.status === "cancelled" ? "was cancelled" : "failed"}`;
}

/**
 * Decides every queued step whose needs are all finished (the steps its `if:` names among them): ready, skipped
 * by a failure, by `when`, or by `if:` (checked after `when`), or failed by an `if:` that cannot be evaluated.
 */
function settle(d: Draft, candidates: Iterable<string>): void {
  const work = [...candidates];
  for (let id = work.pop(); id !== undefined; id = work.pop()) {
    const s = get(d, id);
    const p = plan(d, id);
    if (!s || !p || s.status !== "queued") continue;
    if (p.needs.some((n) => !isTerminal(get(d, n)?.status ?? "queued"))) continue;
    const blocker = p.needs.find((n) => blocks(d, n));
    if (blocker !== undefined) {
      put(d, id, { status: "skipped", reason: skipReason(d, p, blocker), finishedAt: d.at });
    } else {
      const mismatch = p.when ? whenMismatch(p.when, d.run.facts) : null;
      // A workflow with both triggers, started from an issue: steps that need a PR pass as skipped.
      if (d.run.facts.source === "issue" && PR_ONLY_KINDS.has(p.kind))
        put(d, id, { status: "skipped", reason: "when: not a pull request", finishedAt: d.at });
      else if (mismatch)
        put(d, id, { status: "skipped", reason: `when: ${mismatch} did not match`, finishedAt: d.at });
      else {
        const verdict = p.if === undefined ? null : ifVerdict(p.if, conditionView(d));
        if (verdict === null || verdict.run) put(d, id, { status: "ready", notBefore: null });
        else if ("error" in verdict) put(d, id, { status: "failed", error: verdict.error, finishedAt: d.at });
        else put(d, id, { status: "skipped", reason: verdict.reason, finishedAt: d.at });
      }
    }
    if (get(d, id)?.status === "skipped") work.push(...(d.index.dependants.get(id) ?? []));
  }
}

function canRetry(p: StepPlan, s: StepState): boolean {
  return s.attempts < p.retries + 1;
}

/** A failed attempt: back to `ready` after a backoff while retries remain, else `failed`. */
function failAttempt(
  d: Draft,
  id: string,
  error: string,
  retryable: boolean,
  extra: Partial<StepState> = {},
): void {
  const s = get(d, id);
  const p = plan(d, id);
  if (!s || !p) return;
  if (retryable && canRetry(p, s)) {
    const notBefore = d.at + retryDelay(s.attempts, d.opts);
    put(d, id, { ...extra, ...RELEASE, status: "ready", notBefore, error, waitingFor: null });
  } else {
    put(d, id, { ...extra, ...RELEASE, status: "failed", error, finishedAt: d.at, waitingFor: null });
  }
}

/** Is this result from the worker and attempt that currently hold the step? Late or foreign results are ignored. */
function holds(s: StepState | undefined, worker: string, attempt: number): s is StepState {
  return s?.status === "running" && s.leaseOwner === worker && s.attempts === attempt;
}

function timeOut(d: Draft, id: string): void {
  const s = get(d, id);
  const p = plan(d, id);
  if (!s || !p || (s.status !== "running" && s.status !== "waiting") || p.timeoutMs === null) return;
  if (s.status === "running") d.commands.push({ type: "abort", stepId: id, reason: "timed out" });
  failAttempt(d, id, `timed out after ${formatDuration(p.timeoutMs)}`, s.status === "running" && p.isAgent);
}

function deadline(d: Draft, s: StepState): number | null {
  const timeout = plan(d, s.id)?.timeoutMs ?? null;
  return timeout === null || s.startedAt === null ? null : s.startedAt + timeout;
}

function claim(d: Draft, e: Extract<RunEvent, { type: "claim" }>): void {
  const all = current(d);
  let agentSlots =
    d.run.plan.maxParallel - all.filter((s) => s.status === "running" && plan(d, s.id)?.isAgent).length;
  let budget = e.limit ?? Number.POSITIVE_INFINITY;
  for (const s of all) {
    if (budget <= 0) break;
    if (s.status !== "ready" || (s.notBefore !== null && s.notBefore > e.at)) continue;
    const p = plan(d, s.id);
    if (!p) continue;
    if (p.needs.some((n) => !isTerminal(get(d, n)?.status ?? "queued"))) {
      // A need was reopened (a retry) after this step became ready: it waits for that need again.
      put(d, s.id, { status: "queued", notBefore: null });
      continue;
    }
    if (p.isAgent) {
      if (agentSlots <= 0) continue;
      agentSlots--;
    }
    budget--;
    const attempt = s.attempts + 1;
    const leaseExpiresAt = e.at + e.leaseMs;
    put(d, s.id, {
      status: "running",
      attempts: attempt,
      leaseOwner: e.worker,
      leaseExpiresAt,
      startedAt: e.at,
      finishedAt: null,
      notBefore: null,
    });
    d.commands.push({ type: "execute", stepId: s.id, attempt, leaseExpiresAt });
  }
}

/** Stops every unfinished step (cancel, supersede). */
function stopAll(d: Draft, reason: string): void {
  for (const s of current(d)) {
    if (isTerminal(s.status)) continue;
    if (s.status === "running") d.commands.push({ type: "abort", stepId: s.id, reason });
    put(d, s.id, { ...RELEASE, status: "cancelled", reason, finishedAt: d.at, waitingFor: null });
  }
  d.status = "cancelled";
  d.reason = reason;
}

/** `/agents retry [step]`: failed steps run again; steps skipped because of them wait again. */
function retry(d: Draft, stepId: string | undefined): void {
  const targets = current(d)
    .filter((s) => s.status === "failed" && (stepId === undefined || s.id === stepId))
    .map((s) => s.id);
  if (targets.length === 0) return;
  // Re-queue everything downstream that was skipped because of a failure; `settle` decides it again.
  const downstream = new Set<string>();
  const work = [...targets];
  for (let id = work.pop(); id !== undefined; id = work.pop()) {
    for (const dep of d.index.dependants.get(id) ?? []) {
      if (downstream.has(dep)) continue;
      const s = get(d, dep);
      if (s?.status === "skipped" && blocks(d, dep)) {
        downstream.add(dep);
        work.push(dep);
      }
    }
  }
  for (const id of targets) {
    put(d, id, {
      status: "queued",
      notBefore: null,
      finishedAt: null,
      error: null,
      reason: null,
      output: null,
    });
  }
  for (const id of downstream) put(d, id, { status: "queued", reason: null, finishedAt: null });
  // A `continue_on_error` failure let its dependants go ahead: those not started yet, and targets that need
  // another target, wait for it to finish again. An `if:` decided on the failure is decided again.
  for (const id of targets) {
    for (const dep of d.index.dependants.get(id) ?? []) {
      const s = get(d, dep);
      if (s?.status === "ready") put(d, dep, { status: "queued", notBefore: null });
      else if (s?.status === "skipped" && s.reason?.startsWith("if:"))
        put(d, dep, { status: "queued", reason: null, finishedAt: null });
    }
  }
  settle(d, targets);
  if (TERMINAL_RUN_STATES.has(d.status)) {
    d.status = "running";
    d.reason = null;
  }
}

function sameData(
  a: Readonly<Record<string, unknown>> | undefined,
  b: Readonly<Record<string, unknown>> | undefined,
): boolean {
  if (!b) return true;
  return Object.entries(b).every(([k, v]) => JSON.stringify(a?.[k]) === JSON.stringify(v));
}

/** Approval steps among `id`'s needs, transitively: the gates a merge stands behind. */
function gatesBehind(d: Draft, id: string): string[] {
  const seen = new Set<string>();
  const work = [...(plan(d, id)?.needs ?? [])];
  for (let n = work.pop(); n !== undefined; n = work.pop()) {
    if (seen.has(n)) continue;
    seen.add(n);
    work.push(...(plan(d, n)?.needs ?? []));
  }
  return d.run.plan.steps.filter((p) => seen.has(p.id) && p.kind === "approval").map((p) => p.id);
}

/** 405/409 on merge: the step fails with GitHub's message; its passed gates wait again for fresh approvals. */
function refuseMerge(d: Draft, e: Extract<RunEvent, { type: "merge-refused" }>): void {
  const s = get(d, e.stepId);
  if (!holds(s, e.worker, e.attempt)) return;
  const reopened = gatesBehind(d, e.stepId).filter((g) => get(d, g)?.status === "succeeded");
  put(d, e.stepId, {
    ...RELEASE,
    status: "failed",
    error: e.error,
    finishedAt: e.at,
    output: {
      summary: `merge refused: ${e.error}`,
      data: { refused: true, reopened },
    },
  });
  for (const g of reopened) {
    put(d, g, {
      status: "waiting",
      waitingFor: "approval",
      startedAt: e.at,
      finishedAt: null,
      output: {
        summary: `approve again: the merge was refused (${e.error})`,
        data: { reopenedAt: e.at },
      },
    });
    d.commands.push({ type: "await", stepId: g, waitingFor: "approval" });
  }
}

/** A refused merge whose re-opened gates all passed again runs again. */
function rerunRefusedMerges(d: Draft): void {
  for (const s of current(d)) {
    if (s.status !== "failed" || s.output?.data?.refused !== true) continue;
    const gates = s.output.data.reopened;
    if (!Array.isArray(gates) || gates.length === 0) continue;
    if (gates.every((g) => get(d, String(g))?.status === "succeeded")) retry(d, s.id);
  }
}

function apply(d: Draft, e: RunEvent): void {
  switch (e.type) {
    case "start":
      if (d.status !== "queued") return;
      d.status = "running";
      settle(
        d,
        d.run.plan.steps.filter((p) => p.needs.length === 0).map((p) => p.id),
      );
      return;
    case "claim":
      claim(d, e);
      return;
    case "step-succeeded": {
      const s = get(d, e.stepId);
      if (!holds(s, e.worker, e.attempt)) return;
      d.tokens += e.tokens ?? 0;
      put(d, e.stepId, {
        ...RELEASE,
        status: "succeeded",
        output: e.output,
        finishedAt: e.at,
        tokens: s.tokens + (e.tokens ?? 0),
      });
      return;
    }
    case "step-failed": {
      const s = get(d, e.stepId);
      if (!holds(s, e.worker, e.attempt)) return;
      d.tokens += e.tokens ?? 0;
      failAttempt(d, e.stepId, e.error, e.retryable ?? true, {
        tokens: s.tokens + (e.tokens ?? 0),
        ...(e.output ? { output: e.output } : {}),
      });
      return;
    }
    case "step-waiting": {
      if (!holds(get(d, e.stepId), e.worker, e.attempt)) return;
      put(d, e.stepId, {
        ...RELEASE,
        status: "waiting",
        waitingFor: e.waitingFor,
        ...(e.output ? { output: e.output } : {}),
      });
      d.commands.push({ type: "await", stepId: e.stepId, waitingFor: e.waitingFor });
      return;
    }
    case "step-resolved": {
      const s = get(d, e.stepId);
      if (s?.status !== "waiting" || s.waitingFor === "approval") return;
      const output = e.output ? { output: e.output } : {};
      if (e.ok) put(d, e.stepId, { ...output, status: "succeeded", finishedAt: e.at, waitingFor: null });
      else failAttempt(d, e.stepId, e.error ?? "failed", false, output);
      return;
    }
    case "step-timed-out": {
      // The event names no attempt: a timer of an earlier attempt must not cut the current one short.
      const s = get(d, e.stepId);
      const due = s ? deadline(d, s) : null;
      if (due !== null && due <= e.at) timeOut(d, e.stepId);
      return;
    }
    case "tick":
      for (const s of current(d)) {
        if (s.status !== "running" && s.status !== "waiting") continue;
        const due = deadline(d, s);
        if (due !== null && due <= e.at) timeOut(d, s.id);
      }
      return;
    case "lease-expired": {
      const s = get(d, e.stepId);
      const p = plan(d, e.stepId);
      if (!s || !p || s.status !== "running" || s.leaseExpiresAt === null || s.leaseExpiresAt > e.at) return;
      const error = `lost its worker (lease expired) on attempt ${s.attempts}`;
      if (s.attempts < p.retries + 1 + d.opts.maxLostLeases) {
        put(d, e.stepId, { ...RELEASE, status: "ready", notBefore: null, error });
      } else {
        put(d, e.stepId, { ...RELEASE, status: "failed", error, finishedAt: e.at });
      }
      return;
    }
    case "step-skipped": {
      const s = get(d, e.stepId);
      if (!s || isTerminal(s.status)) return;
      if (s.status === "running") d.commands.push({ type: "abort", stepId: e.stepId, reason: "skipped" });
      put(d, e.stepId, {
        ...RELEASE,
        status: "skipped",
        reason: `skipped by @${e.by}: ${e.reason}`,
        finishedAt: e.at,
        waitingFor: null,
      });
      return;
    }
    case "gate-approved": {
      const s = get(d, e.stepId);
      if (s?.status !== "waiting" || s.waitingFor !== "approval") return;
      const who = e.by.map((b) => `@${b}`).join(", ");
      put(d, e.stepId, {
        status: "succeeded",
        finishedAt: e.at,
        waitingFor: null,
        output: {
          summary: `approved by ${who}${e.sha ? ` on ${e.sha.slice(0, 7)}` : ""}`,
          data: { approvers: [...e.by], sha: e.sha },
        },
      });
      rerunRefusedMerges(d);
      return;
    }
    case "gate-evaluated": {
      const s = get(d, e.stepId);
      if (s?.status !== "waiting" || s.waitingFor !== "approval") return;
      if (s.output?.summary === e.summary && sameData(s.output?.data, e.data)) return;
      const data = { ...s.output?.data, ...e.data };
      put(d, e.stepId, { output: { summary: e.summary, data } });
      return;
    }
    case "merge-refused":
      refuseMerge(d, e);
      return;
    case "step-noted": {
      const s = get(d, e.stepId);
      if (!s) return;
      const output = s.output ?? { summary: "" };
      put(d, e.stepId, {
        output: { ...output, summary: e.summary, data: { ...output.data, ...e.data } },
      });
      return;
    }
    case "gate-rejected": {
      const s = get(d, e.stepId);
      if (s?.status !== "waiting" || s.waitingFor !== "approval") return;
      const error = `rejected by @${e.by}${e.reason ? `: ${e.reason}` : ""}`;
      put(d, e.stepId, { status: "failed", error, finishedAt: e.at, waitingFor: null });
      return;
    }
    case "retry":
      retry(d, e.stepId);
      return;
    case "cancel":
      if (!TERMINAL_RUN_STATES.has(d.status))
        stopAll(d, e.by ? `cancelled by @${e.by}: ${e.reason}` : e.reason);
      return;
    case "supersede":
      if (!TERMINAL_RUN_STATES.has(d.status)) stopAll(d, `superseded by ${e.bySha.slice(0, 7)}`);
      return;
  }
}

/** Running while any step can still move on its own, waiting while only outside events can move it. */
function deriveStatus(d: Draft, steps: StepTable<StepState>): RunStatus {
  if (d.status === "queued" || d.status === "cancelled") return d.status;
  let open = false;
  let active = false;
  let failed = false;
  for (const s of steps.values()) {
    if (!isTerminal(s.status)) open = true;
    if (s.status === "ready" || s.status === "running") active = true;
    if (s.status === "failed" && !plan(d, s.id)?.continueOnError) failed = true;
  }
  if (!open) return failed ? "failed" : "succeeded";
  return active ? "running" : "waiting";
}

/**
 * The next moment after `now` at which this run needs attention without an outside event: a retry backoff
 * ending or a timeout falling due. Ready steps already due are not counted: they start as soon as a slot frees.
 * Expired leases are found by polling the store, which knows heartbeats this state may not have seen.
 */
export function nextWake(state: RunState, now: number): number | null {
  if (TERMINAL_RUN_STATES.has(state.status)) return null;
  const index = indexPlan(state.plan);
  let next: number | null = null;
  for (const s of state.steps.values()) {
    let due: number | null = null;
    if (s.status === "ready" && s.notBefore !== null && s.notBefore > now) due = s.notBefore;
    else if ((s.status === "running" || s.status === "waiting") && s.startedAt !== null) {
      const timeout = index.step.get(s.id)?.timeoutMs ?? null;
      due = timeout === null ? null : s.startedAt + timeout;
    }
    if (due !== null && (next === null || due < next)) next = due;
  }
  return next;
}

/**
 * The one place a run's state changes: the new state and what the engine must do. Pure and deterministic.
 * Takes one event or several: a batch is applied in order and builds the new state once.
 *
 * @example
 * let { state } = transition(run, { type: "start", at: now });
 * const { state: claimed, commands } = transition(state, { type: "claim", at: now, worker: "w1", leaseMs: 30_000 });
 * // commands: [{ type: "execute", stepId: "code-review", attempt: 1, leaseExpiresAt: … }, …]
 */
export function transition(
  run: RunState,
  events: RunEvent | readonly RunEvent[],
  opts: TransitionOptions = DEFAULT_TRANSITION_OPTIONS,
): Transition {
  const list: readonly RunEvent[] = Array.isArray(events) ? events : [events as RunEvent];
  const d: Draft = {
    run,
    index: indexPlan(run.plan),
    opts,
    at: list[0]?.at ?? run.createdAt,
    changed: new Map(),
    commands: [],
    settled: [],
    tokens: 0,
    status: run.status,
    reason: run.reason,
  };
  const wasTerminal = TERMINAL_RUN_STATES.has(run.status);
  for (const event of list) {
    // Only `retry` reopens a finished run, and never a cancelled one: its cancelled steps would count as done.
    // A note (a rollback after the run failed) applies to finished runs too.
    if (
      TERMINAL_RUN_STATES.has(d.status) &&
      event.type !== "step-noted" &&
      (event.type !== "retry" || d.status === "cancelled")
    )
      continue;
    d.at = event.at;
    const from = d.settled.length;
    apply(d, event);
    // Newly finished steps may unblock (or skip) their dependants, which may finish more steps in turn.
    for (let i = from; i < d.settled.length; i++) {
      settle(d, d.index.dependants.get(d.settled[i] as string) ?? []);
    }
  }
  if (d.changed.size === 0 && d.status === run.status && d.tokens === 0)
    return { state: run, commands: d.commands };

  // One copy of the step table per call, however many events: batching events keeps large runs cheap.
  const steps = run.steps.with(d.changed.values());
  const status = deriveStatus(d, steps);
  const finished = TERMINAL_RUN_STATES.has(status);
  const state: RunState = Object.freeze({
    ...run,
    status,
    steps,
    tokens: run.tokens + d.tokens,
    reason: d.reason,
    startedAt: run.startedAt ?? (status !== "queued" ? d.at : null),
    finishedAt: finished ? (run.finishedAt && wasTerminal ? run.finishedAt : d.at) : null,
  });
  const phases = new Set<string>();
  for (const id of d.changed.keys()) {
    const p = d.index.step.get(id);
    if (p) phases.add(p.phaseId);
  }
  const commands: RunCommand[] = [...d.commands];
  for (const phaseId of phases) commands.push({ type: "phase-changed", phaseId });
  if (finished && !wasTerminal) commands.push({ type: "run-finished", status });
  return { state, commands };
}
