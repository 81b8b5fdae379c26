import { expect } from "vitest";
import { planWorkflow, type RunPlan } from "../../src/core/run/plan.js";
import type { RunCommand, RunEvent, Transition } from "../../src/core/run/run-event.js";
import { newRunState, type RunFacts, type RunState, type StepState } from "../../src/core/run/run-state.js";
import {
  DEFAULT_TRANSITION_OPTIONS,
  type TransitionOptions,
  transition,
} from "../../src/core/run/transition.js";
import type { Step, StepKind, WorkflowFile } from "../../src/core/workflow/workflow.schema.js";

/**
 * A step in short: `"id:kind"`, optionally `"id:kind<dep1,dep2"` for `depends_on`; or a full `Step`.
 * Kinds that require `with` (checks, deploy) or `prompt` (agent) get a placeholder.
 */
export type StepSpec = string | Step;

export interface PhaseSpec {
  readonly needs?: readonly string[];
  readonly name?: string;
  readonly steps: readonly StepSpec[];
}

export type PhasesSpec = Readonly<Record<string, readonly StepSpec[] | PhaseSpec>>;

export function step(spec: string, extra: Record<string, unknown> = {}): Step {
  const m = /^([^:]+):([a-z]+)(?:<(.*))?$/.exec(spec);
  if (!m) throw new Error(`bad step spec ${spec}`);
  const [, id, uses, deps] = m as unknown as [string, string, StepKind, string | undefined];
  const base: Record<string, unknown> = { id, uses };
  if (deps) base.depends_on = deps.split(",");
  if (uses === "checks") base.with = { checks: ["ci / test"] };
  if (uses === "deploy") base.with = { environment: "staging" };
  if (uses === "agent") base.prompt = "Summarise {{ pr.title }}";
  return { ...base, ...extra } as Step;
}

/** A one-workflow file (workflow id `w`) from a compact phase description. */
export function workflowFile(
  phases: PhasesSpec,
  rest: Omit<WorkflowFile, "version" | "workflows"> = {},
): WorkflowFile {
  const out: Record<string, { name?: string; depends_on?: string[]; steps: Step[] }> = {};
  for (const [id, p] of Object.entries(phases)) {
    const spec: PhaseSpec = Array.isArray(p) ? { steps: p } : (p as PhaseSpec);
    out[id] = {
      ...(spec.name ? { name: spec.name } : {}),
      ...(spec.needs ? { depends_on: [...spec.needs] } : {}),
      steps: spec.steps.map((s) => (typeof s === "string" ? step(s) : s)),
    };
  }
  return { version: 1, ...rest, workflows: { w: { phases: out } } };
}

export function planOf(phases: PhasesSpec, rest: Omit<WorkflowFile, "version" | "workflows"> = {}): RunPlan {
  return planWorkflow(workflowFile(phases, rest), "w");
}

export const HEAD = "abc1234def5678abc1234def5678abc1234def56";

export function facts(overrides: Partial<RunFacts> = {}): RunFacts {
  return {
    source: "pull_request",
    repo: "acme/app",
    number: 7,
    headSha: HEAD,
    baseRef: "main",
    author: "alice",
    labels: ["agents"],
    changedFiles: ["src/app.ts", "README.md"],
    title: "Add a thing",
    ...overrides,
  };
}

export const T0 = 1_000_000;

export function queuedRun(plan: RunPlan, f: Partial<RunFacts> = {}): RunState {
  return newRunState({ id: "run-1", plan, facts: facts(f), createdAt: T0 });
}

/** A run after `start` at T0. */
export function startedRun(plan: RunPlan, f: Partial<RunFacts> = {}): RunState {
  return transition(queuedRun(plan, f), { type: "start", at: T0 }).state;
}

export function st(run: RunState, id: string): StepState {
  const s = run.steps.get(id)!;
  if (!s) throw new Error(`no step ${id}`);
  return s;
}

export function statuses(run: RunState): Record<string, string> {
  return Object.fromEntries(run.steps.values().map((s) => [s.id, s.status]));
}

export function ofType<T extends RunCommand["type"]>(
  commands: readonly RunCommand[],
  type: T,
): Extract<RunCommand, { type: T }>[] {
  return commands.filter((c): c is Extract<RunCommand, { type: T }> => c.type === type);
}

export function executed(commands: readonly RunCommand[]): string[] {
  return ofType(commands, "execute").map((c) => c.stepId);
}

/**
 * Drives one run through events and keeps every transition, so tests read as a script. The worker and attempt
 * of results default to whoever holds the step now.
 */
export class Driver {
  state: RunState;
  last: Transition;
  readonly history: Transition[] = [];

  constructor(
    start: RunState,
    readonly opts: TransitionOptions = DEFAULT_TRANSITION_OPTIONS,
  ) {
    this.state = start;
    this.last = { state: start, commands: [] };
  }

  static started(plan: RunPlan, f: Partial<RunFacts> = {}, opts?: TransitionOptions): Driver {
    const d = new Driver(queuedRun(plan, f), opts);
    d.send({ type: "start", at: T0 });
    return d;
  }

  send(event: RunEvent): Transition {
    this.last = transition(this.state, event, this.opts);
    this.history.push(this.last);
    this.state = this.last.state;
    return this.last;
  }

  step(id: string): StepState {
    return st(this.state, id);
  }

  claim(at: number, extra: { worker?: string; leaseMs?: number; limit?: number } = {}): Transition {
    const { worker = "w1", leaseMs = 30_000, limit } = extra;
    return this.send({ type: "claim", at, worker, leaseMs, ...(limit === undefined ? {} : { limit }) });
  }

  private holder(id: string): { worker: string; attempt: number } {
    const s = this.step(id);
    expect(s.status, `step ${id} should be running`).toBe("running");
    return { worker: s.leaseOwner ?? "?", attempt: s.attempts };
  }

  succeed(id: string, at: number, extra: { tokens?: number; summary?: string } = {}): Transition {
    return this.send({
      type: "step-succeeded",
      at,
      stepId: id,
      ...this.holder(id),
      output: { summary: extra.summary ?? `${id} ok` },
      ...(extra.tokens === undefined ? {} : { tokens: extra.tokens }),
    });
  }

  fail(
    id: string,
    at: number,
    extra: { retryable?: boolean; tokens?: number; error?: string } = {},
  ): Transition {
    return this.send({
      type: "step-failed",
      at,
      stepId: id,
      ...this.holder(id),
      error: extra.error ?? `${id} broke`,
      ...(extra.retryable === undefined ? {} : { retryable: extra.retryable }),
      ...(extra.tokens === undefined ? {} : { tokens: extra.tokens }),
    });
  }

  wait(id: string, at: number, waitingFor: "approval" | "deployment" | "checks"): Transition {
    return this.send({ type: "step-waiting", at, stepId: id, ...this.holder(id), waitingFor });
  }

  /** Every command of every transition so far. */
  allCommands(): RunCommand[] {
    return this.history.flatMap((t) => t.commands);
  }
}

/** Freezes an object graph in place, so any mutation by the code under test throws (ESM is strict mode). */
export function deepFreeze<T>(value: T, seen = new Set<unknown>()): T {
  if (!value || typeof value !== "object" || seen.has(value)) return value;
  seen.add(value);
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v, seen);
  return value;
}
