import type { Insertable, Selectable, Updateable } from "kysely";
import type { RunPlan, StepPlan } from "../core/run/plan.js";
import type { RunState, StepState } from "../core/run/run-state.js";
import { StepTable } from "../core/run/step-table.js";
import type { RunDocumentsTable, RunsTable, StepsTable } from "./schema.js";

export type RunRow = Selectable<RunsTable>;
export type StepRow = Selectable<StepsTable>;

const stepPlans = new WeakMap<RunPlan, ReadonlyMap<string, StepPlan>>();

/** The plan's steps by id, built once per plan object (plans are immutable and shared by a run's states). */
function stepPlanOf(plan: RunPlan, id: string): StepPlan | undefined {
  let byId = stepPlans.get(plan);
  if (!byId) {
    byId = new Map(plan.steps.map((s) => [s.id, s]));
    stepPlans.set(plan, byId);
  }
  return byId.get(id);
}

/** When a running or waiting step times out (the rule `transition` applies); null if it cannot. */
export function deadlineOf(step: StepState, plan: StepPlan | undefined): number | null {
  if (step.status !== "running" && step.status !== "waiting") return null;
  const timeout = plan?.timeoutMs ?? null;
  return timeout === null || step.startedAt === null ? null : step.startedAt + timeout;
}

/** The run's columns that change with its state (everything but `plan`/`facts` and what derives from them). */
export function runStateColumns(run: RunState) {
  return {
    status: run.status,
    reason: run.reason,
    tokens: run.tokens,
    version: run.version,
    started_at: run.startedAt,
    finished_at: run.finishedAt,
  };
}

/**
 * The run columns that differ between two states, `version` always. Unchanged columns stay out of the UPDATE:
 * SQLite rewrites every index on a column named in SET (`status` is indexed) even when the value is the same.
 */
export function changedRunColumns(prev: RunState, next: RunState): Updateable<RunsTable> {
  const set: { -readonly [K in keyof RunsTable]?: RunsTable[K] } = { version: next.version };
  if (next.status !== prev.status) set.status = next.status;
  if (next.reason !== prev.reason) set.reason = next.reason;
  if (next.tokens !== prev.tokens) set.tokens = next.tokens;
  if (next.startedAt !== prev.startedAt) set.started_at = next.startedAt;
  if (next.finishedAt !== prev.finishedAt) set.finished_at = next.finishedAt;
  if (next.createdAt !== prev.createdAt) set.created_at = next.createdAt;
  if (next.facts !== prev.facts) Object.assign(set, runFactsColumns(next));
  if (next.plan !== prev.plan) set.workflow_id = next.plan.workflowId;
  return set;
}

/** The run's plan and facts as JSON, or null when neither changed between two states. */
export function changedDocument(prev: RunState, next: RunState): Updateable<RunDocumentsTable> | null {
  if (next.facts === prev.facts && next.plan === prev.plan) return null;
  return {
    ...(next.facts !== prev.facts ? { facts: JSON.stringify(next.facts) } : {}),
    ...(next.plan !== prev.plan ? { plan: JSON.stringify(next.plan) } : {}),
  };
}

/** A new run's plan and facts. */
export function toRunDocument(run: RunState): Insertable<RunDocumentsTable> {
  return { run_id: run.id, plan: JSON.stringify(run.plan), facts: JSON.stringify(run.facts) };
}

/** The columns copied from `facts`, for filters. */
export function runFactsColumns(run: RunState) {
  const f = run.facts;
  return {
    repo: f.repo,
    number: f.number,
    source: f.source,
    head_sha: f.headSha,
    base_ref: f.baseRef,
  };
}

/** A new run's row. */
export function toRunRow(run: RunState): Insertable<RunsTable> {
  return {
    id: run.id,
    created_at: run.createdAt,
    ...runStateColumns(run),
    ...runFactsColumns(run),
    workflow_id: run.plan.workflowId,
  };
}

/** Every column of a step row, in the order `toStepRow` builds them (compiled upserts bind in this order). */
export const STEP_COLUMNS = [
  "run_id",
  "step_id",
  "phase_id",
  "kind",
  "status",
  "attempts",
  "not_before",
  "lease_owner",
  "lease_expires_at",
  "started_at",
  "finished_at",
  "waiting_for",
  "output",
  "error",
  "reason",
  "tokens",
  "deadline_at",
] as const satisfies readonly (keyof StepsTable)[];

/** A step's row: its state, what the plan says of it (`phase_id`, `kind`) and its timeout deadline. */
export function toStepRow(run: RunState, step: StepState): Insertable<StepsTable> {
  const plan = stepPlanOf(run.plan, step.id);
  if (!plan) throw new Error(`run "${run.id}" has step "${step.id}" that its plan does not define`);
  return {
    run_id: run.id,
    step_id: step.id,
    phase_id: plan.phaseId,
    kind: plan.kind,
    status: step.status,
    attempts: step.attempts,
    not_before: step.notBefore,
    lease_owner: step.leaseOwner,
    lease_expires_at: step.leaseExpiresAt,
    started_at: step.startedAt,
    finished_at: step.finishedAt,
    waiting_for: step.waitingFor,
    output: step.output === null ? null : JSON.stringify(step.output),
    error: step.error,
    reason: step.reason,
    tokens: step.tokens,
    deadline_at: deadlineOf(step, plan),
  };
}

/** Step columns that copy the plan or derive from the state: not needed to rebuild a `StepState`. */
const DERIVED_STEP_COLUMNS = ["run_id", "phase_id", "kind", "deadline_at"] as const;
type StateColumn = Exclude<(typeof STEP_COLUMNS)[number], (typeof DERIVED_STEP_COLUMNS)[number]>;

/** The step columns a `StepState` is rebuilt from: every column but the derived ones, so the two lists cannot drift. */
export const STEP_STATE_COLUMNS: readonly StateColumn[] = STEP_COLUMNS.filter(
  (c): c is StateColumn => !(DERIVED_STEP_COLUMNS as readonly string[]).includes(c),
);

export type StepStateRow = Pick<StepRow, (typeof STEP_STATE_COLUMNS)[number]>;

/** The frozen `StepState` a row stores. */
export function toStepState(row: StepStateRow): StepState {
  return Object.freeze({
    id: row.step_id,
    status: row.status,
    attempts: row.attempts,
    notBefore: row.not_before,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    waitingFor: row.waiting_for,
    output: row.output === null ? null : JSON.parse(row.output),
    error: row.error,
    reason: row.reason,
    tokens: row.tokens,
  });
}

/** Rebuilds a run exactly as stored; steps keep the plan's order (rows the plan lacks come last). */
export function toRunState(
  row: RunRow,
  doc: Pick<Selectable<RunDocumentsTable>, "plan" | "facts">,
  stepRows: readonly StepStateRow[],
): RunState {
  const plan: RunPlan = JSON.parse(doc.plan);
  const byId = new Map(stepRows.map((r) => [r.step_id, r]));
  const states: StepState[] = [];
  for (const p of plan.steps) {
    const r = byId.get(p.id);
    if (r) states.push(toStepState(r));
    byId.delete(p.id);
  }
  for (const r of byId.values()) states.push(toStepState(r));
  return Object.freeze({
    id: row.id,
    status: row.status,
    plan,
    facts: JSON.parse(doc.facts),
    steps: StepTable.of(states),
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    reason: row.reason,
    tokens: row.tokens,
    version: row.version,
  });
}
