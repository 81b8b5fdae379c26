import { describe, expect, test } from "vitest";
import { planWorkflow, type RunPlan, type StepPlan } from "../../../src/core/run/plan.js";
import type { RunCommand, RunEvent } from "../../../src/core/run/run-event.js";
import {
  isTerminal,
  type RunState,
  type StepState,
  TERMINAL_RUN_STATES,
} from "../../../src/core/run/run-state.js";
import { type TransitionOptions, transition } from "../../../src/core/run/transition.js";
import {
  AGENT_KINDS,
  STEP_KINDS,
  type Step,
  type StepKind,
  type WorkflowFile,
} from "../../../src/core/workflow/workflow.schema.js";
import { mulberry32 } from "../../helpers/mulberry32.js";
import { deepFreeze, HEAD, ofType, queuedRun, step, T0 } from "../helpers.js";

/** Seeded choices, so a failing schedule can be replayed from its seed. */
class Rng {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }
}

const KINDS: readonly StepKind[] = STEP_KINDS;
const AGENTS = AGENT_KINDS;

/**
 * A random acyclic workflow. Phases and steps get a hidden rank; dependencies only point to lower ranks, so the
 * graph is acyclic, while phases and steps are declared in shuffled order (plan order is not topological).
 */
function randomPlan(rng: Rng): RunPlan {
  const phaseCount = rng.int(1, 6);
  const stepCount = rng.int(5, 60);
  const sizes = Array.from({ length: phaseCount }, () => 1);
  for (let i = phaseCount; i < stepCount; i++) sizes[rng.int(0, phaseCount - 1)]! += 1;

  const phases: Record<string, { depends_on?: string[]; steps: Step[] }> = {};
  const declared: [string, { depends_on?: string[]; steps: Step[] }][] = [];
  let rank = 0;
  for (let p = 0; p < phaseCount; p++) {
    const needs = Array.from({ length: p }, (_, i) => `p${i}`).filter(() => rng.chance(0.3));
    const steps: Step[] = [];
    for (let k = 0; k < sizes[p]!; k++, rank++) {
      const uses = rng.pick(KINDS);
      const deps = new Set<string>();
      if (rank > 0) for (let n = rng.int(0, 2); n > 0; n--) deps.add(`s${rng.int(0, rank - 1)}`);
      const extra: Record<string, unknown> = {};
      if (deps.size > 0) extra.depends_on = [...deps];
      if (rng.chance(0.15)) extra.continue_on_error = true;
      if (AGENTS.has(uses) && rng.chance(0.6)) extra.retries = rng.int(0, 2);
      if (rng.chance(0.08))
        extra.when = { paths: ["docs/**"] }; // never matches
      else if (rng.chance(0.05)) extra.when = { paths: ["src/**"] };
      if (rng.chance(0.1)) extra.timeout = "2m";
      steps.push(step(`s${rank}:${uses}`, extra));
    }
    declared.push([
      `p${p}`,
      { ...(needs.length > 0 ? { depends_on: needs } : {}), steps: rng.shuffle(steps) },
    ]);
  }
  for (const [id, phase] of rng.shuffle(declared)) phases[id] = phase;
  const file: WorkflowFile = {
    version: 1,
    settings: { max_parallel: rng.int(1, 4) },
    workflows: { w: { phases } },
  };
  return planWorkflow(file, "w");
}

/** A need that lets its dependant start: succeeded, failed with continue_on_error, or skipped by `when` or hand. */
function needIsOk(s: StepState, p: StepPlan): boolean {
  if (s.status === "succeeded") return true;
  if (s.status === "failed") return p.continueOnError;
  return (
    s.status === "skipped" &&
    (s.reason?.startsWith("when: ") === true || s.reason?.startsWith("skipped by @") === true)
  );
}

function blocking(s: StepState, p: StepPlan): boolean {
  return isTerminal(s.status) && !needIsOk(s, p);
}

const SKIP_REASON =
  /^(when: (labels|paths|authors|base) did not match|skipped by @\S+: .+|(step|phase) "[^"]+" (failed|was cancelled))$/;

interface Sim {
  seed: number;
  rng: Rng;
  /** How often attempts fail and gates reject, drawn per run so that some runs go all the way through. */
  failRate: number;
  plan: RunPlan;
  byId: Map<string, StepPlan>;
  opts: TransitionOptions;
  state: RunState;
  now: number;
  /** Retries that reopened a finished run. */
  reopened: number;
  events: number;
  finishes: number;
}

/** `expect` is too slow for the hot loop: check plainly, fail with a message built only when needed. */
function check(ok: boolean, message: () => string): void {
  if (!ok) expect.fail(message());
}

function checkTransition(
  sim: Sim,
  prev: RunState,
  event: RunEvent,
  next: RunState,
  commands: readonly RunCommand[],
) {
  const ctx = `seed ${sim.seed}, ${event.type} #${sim.events}`;
  const { plan, byId } = sim;
  check(Object.isFrozen(next) && Object.isFrozen(next.steps), () => `${ctx}: state not frozen`);

  let runningAgents = 0;
  let tokens = 0;
  let allTerminal = true;
  const changedPhases = new Set<string>();
  const started: string[] = [];
  for (const p of plan.steps) {
    const before = prev.steps.get(p.id)!;
    const after = next.steps.get(p.id)!;
    check(Object.isFrozen(after), () => `${ctx}: ${p.id} not frozen`);
    tokens += after.tokens;
    if (!isTerminal(after.status)) allTerminal = false;
    if (after.status === "running" && p.isAgent) runningAgents++;
    if (after !== before) changedPhases.add(p.phaseId);
    check(after.attempts >= before.attempts, () => `${ctx}: ${p.id} attempts went down`);

    // A succeeded step never changes again (retry only touches failed steps and what they skipped).
    check(
      before.status !== "succeeded" || after === before,
      () => `${ctx}: ${p.id} changed after it succeeded`,
    );
    // Any other finished step changes only through retry.
    check(
      !isTerminal(before.status) || after === before || event.type === "retry",
      () => `${ctx}: ${p.id} ${before.status} → ${after.status}`,
    );
    if (after.status === "running" && before.status !== "running") {
      started.push(p.id);
      check(event.type === "claim", () => `${ctx}: ${p.id} started outside a claim`);
      for (const n of p.needs) {
        check(
          needIsOk(next.steps.get(n)!, byId.get(n)!),
          () => `${ctx}: ${p.id} started before ${n} was done`,
        );
      }
    }
  }
  check(
    runningAgents <= plan.maxParallel,
    () => `${ctx}: ${runningAgents} agent steps > ${plan.maxParallel}`,
  );
  check(next.tokens === tokens, () => `${ctx}: run tokens ${next.tokens} ≠ sum of step tokens ${tokens}`);

  const execute = ofType(commands, "execute").map((c) => `${c.stepId}#${c.attempt}`);
  const expected = started.map((id) => `${id}#${next.steps.get(id)!.attempts}`);
  check(execute.join() === expected.join(), () => `${ctx}: execute ${execute} ≠ started ${expected}`);
  const reported = [...new Set(ofType(commands, "phase-changed").map((c) => c.phaseId))].sort();
  check(reported.join() === [...changedPhases].sort().join(), () => `${ctx}: phase-changed ${reported}`);

  const finished = ofType(commands, "run-finished");
  const nowTerminal = TERMINAL_RUN_STATES.has(next.status);
  const finishedNow = nowTerminal && !TERMINAL_RUN_STATES.has(prev.status);
  check(
    finished.length === (finishedNow ? 1 : 0) && (!finishedNow || finished[0]?.status === next.status),
    () => `${ctx}: run-finished ${JSON.stringify(finished)} for ${prev.status} → ${next.status}`,
  );
  check(
    next.status === "queued" || nowTerminal === allTerminal,
    () => `${ctx}: ${next.status} with open steps`,
  );
  if (next.status === "succeeded" || next.status === "failed") {
    const failed = plan.steps.some((p) => next.steps.get(p.id)!.status === "failed" && !p.continueOnError);
    check(next.status === (failed ? "failed" : "succeeded"), () => `${ctx}: ${next.status}`);
  }
}

function send(sim: Sim, event: RunEvent): void {
  const prev = sim.state;
  const { state, commands } = transition(prev, event, sim.opts);
  sim.events++;
  checkTransition(sim, prev, event, state, commands);
  sim.finishes += ofType(commands, "run-finished").length;
  sim.state = state;
}

/** A result for the step from the wrong worker or an old attempt: must change nothing. */
function noise(sim: Sim): void {
  const s = sim.rng.pick(sim.state.steps.values());
  const wrongWorker = sim.rng.chance(0.5);
  const event: RunEvent = {
    type: "step-succeeded",
    at: sim.now,
    stepId: s.id,
    worker: wrongWorker ? "intruder" : (s.leaseOwner ?? "w1"),
    attempt: wrongWorker ? s.attempts : s.attempts - 1,
    output: { summary: "late" },
  };
  const t = transition(sim.state, event, sim.opts);
  expect(t.state, `foreign result for ${s.id} (${s.status})`).toBe(sim.state);
  expect(t.commands).toEqual([]);
}

function finish(sim: Sim, s: StepState): void {
  const { rng } = sim;
  const p = sim.byId.get(s.id)!;
  const held = { at: sim.now, stepId: s.id, worker: s.leaseOwner!, attempt: s.attempts } as const;
  const tokens = p.isAgent ? rng.int(0, 500) : 0;
  const park =
    p.kind === "approval"
      ? "approval"
      : p.kind === "deploy"
        ? "deployment"
        : p.kind === "checks"
          ? "checks"
          : null;
  if (park && rng.chance(0.7)) send(sim, { type: "step-waiting", ...held, waitingFor: park });
  else if (p.kind === "tests" && rng.chance(0.1))
    send(sim, { type: "step-waiting", ...held, waitingFor: "checks" });
  else if (rng.chance(sim.failRate)) {
    send(sim, { type: "step-failed", ...held, error: "boom", retryable: rng.chance(0.7), tokens });
  } else send(sim, { type: "step-succeeded", ...held, output: { summary: "ok" }, tokens });
}

function resolve(sim: Sim, s: StepState): void {
  const ok = !sim.rng.chance(sim.failRate);
  if (s.waitingFor === "approval") {
    send(
      sim,
      ok
        ? { type: "gate-approved", at: sim.now, stepId: s.id, by: ["octocat"], sha: HEAD }
        : { type: "gate-rejected", at: sim.now, stepId: s.id, by: "octocat", reason: "no" },
    );
  } else {
    send(sim, { type: "step-resolved", at: sim.now, stepId: s.id, ok, ...(ok ? {} : { error: "red" }) });
  }
}

/** What the engine does when time passes: tick, then take back expired leases. */
function advance(sim: Sim): void {
  sim.now += sim.rng.chance(0.85) ? sim.rng.int(1, 5_000) : sim.rng.int(1, 20) * 60_000;
  send(sim, { type: "tick", at: sim.now });
  // A per-step timer may fire too, possibly one left over from an earlier attempt.
  const timed = sim.state.steps.values().filter((s) => s.status === "running" || s.status === "waiting");
  if (timed.length > 0 && sim.rng.chance(0.3)) {
    send(sim, { type: "step-timed-out", at: sim.now, stepId: sim.rng.pick(timed).id });
  }
  for (const s of sim.state.steps.values()) {
    if (s.status === "running" && s.leaseExpiresAt !== null && s.leaseExpiresAt <= sim.now) {
      send(sim, { type: "lease-expired", at: sim.now, stepId: s.id });
    }
  }
}

function simulate(seed: number): Sim {
  const rng = new Rng(seed);
  const plan = deepFreeze(randomPlan(rng));
  const sim: Sim = {
    seed,
    rng,
    failRate: rng.next() * 0.25,
    plan,
    byId: new Map(plan.steps.map((p) => [p.id, p])),
    opts: { retryBaseMs: 1000, retryMaxMs: 8000, maxLostLeases: rng.int(0, 2) },
    state: queuedRun(plan),
    now: T0,
    reopened: 0,
    events: 0,
    finishes: 0,
  };
  send(sim, { type: "start", at: T0 });

  while (sim.events < 20_000) {
    if (TERMINAL_RUN_STATES.has(sim.state.status)) {
      if (sim.state.status !== "failed" || sim.reopened >= 2 || !rng.chance(0.3)) break;
      sim.reopened++;
      const failed = sim.state.steps.values().filter((s) => s.status === "failed");
      const one = rng.chance(0.5) ? rng.pick(failed).id : undefined;
      send(sim, { type: "retry", at: sim.now, by: "dave", ...(one ? { stepId: one } : {}) });
      continue;
    }
    const steps = sim.state.steps.values();
    const ready = steps.filter((s) => s.status === "ready" && (s.notBefore ?? 0) <= sim.now);
    const running = steps.filter((s) => s.status === "running");
    const waiting = steps.filter((s) => s.status === "waiting");
    const open = steps.filter((s) => !isTerminal(s.status));
    const r = rng.next();
    if (r < 0.003) {
      send(
        sim,
        rng.chance(0.5)
          ? { type: "cancel", at: sim.now, by: "erin", reason: "stop" }
          : { type: "supersede", at: sim.now, bySha: "feedbeef00" },
      );
    } else if (r < 0.02 && open.length > 0) {
      send(sim, { type: "step-skipped", at: sim.now, stepId: rng.pick(open).id, by: "carol", reason: "meh" });
    } else if (r < 0.06) {
      noise(sim);
    } else if (r < 0.065 && steps.some((s) => s.status === "failed")) {
      send(sim, { type: "retry", at: sim.now, by: "dave" }); // e.g. a continue_on_error failure, mid-run
    } else if (r < 0.35 && ready.length > 0) {
      const limit = rng.chance(0.3) ? rng.int(1, 3) : undefined;
      send(sim, {
        type: "claim",
        at: sim.now,
        worker: rng.pick(["w1", "w2", "w3"]),
        leaseMs: 30_000,
        ...(limit === undefined ? {} : { limit }),
      });
    } else if (r < 0.7 && running.length > 0) {
      finish(sim, rng.pick(running));
    } else if (r < 0.85 && waiting.length > 0) {
      resolve(sim, rng.pick(waiting));
    } else {
      advance(sim);
    }
  }
  return sim;
}

function checkFinal(sim: Sim): void {
  const { state, plan, byId } = sim;
  expect(TERMINAL_RUN_STATES.has(state.status), `run ended as ${state.status}`).toBe(true);
  // run-finished once per finish: the first, and once more after each retry reopened the run.
  expect(sim.finishes).toBe(1 + sim.reopened);
  for (const p of plan.steps) {
    const s = state.steps.get(p.id)!;
    expect(isTerminal(s.status), `${p.id} ended as ${s.status}`).toBe(true);
    if (s.status === "failed") expect(s.error, p.id).not.toBeNull();
    if (s.status === "cancelled") expect(s.reason).toBe(state.reason);
    if (s.status !== "skipped") continue;
    expect(s.reason ?? "", p.id).toMatch(SKIP_REASON);
    const root = /^(step|phase) "([^"]+)" (failed|was cancelled)$/.exec(s.reason ?? "");
    if (!root) continue;
    // The reason names the root cause, which is still there.
    const named =
      root[1] === "step" ? [root[2]!] : (plan.phases.find((ph) => ph.id === root[2])?.steps ?? []);
    const want = root[3] === "failed" ? "failed" : "cancelled";
    expect(
      named.some((id) => {
        const n = state.steps.get(id)!;
        return n.status === want && (want === "cancelled" || !byId.get(id)!.continueOnError);
      }),
      `${p.id}: ${s.reason}`,
    ).toBe(true);
    if (state.status !== "cancelled") {
      expect(
        p.needs.some((n) => blocking(state.steps.get(n)!, byId.get(n)!)),
        `${p.id} skipped without cause`,
      ).toBe(true);
    }
  }
  if (state.status !== "cancelled") {
    // Nothing with all needs fine was skipped for a failure; nothing with a blocking need ran.
    for (const p of plan.steps) {
      const s = state.steps.get(p.id)!;
      const blocked = p.needs.some((n) => blocking(state.steps.get(n)!, byId.get(n)!));
      if (!blocked) expect(/^(step|phase) "/.test(s.reason ?? ""), `${p.id}: ${s.reason}`).toBe(false);
      if (blocked) expect(s.attempts === 0 || s.reason?.startsWith("skipped by @"), p.id).toBeTruthy();
    }
  }
}

describe("transition on random workflows", () => {
  test("200 random DAGs driven by a random worker keep every invariant and finish", () => {
    const outcomes = { succeeded: 0, failed: 0, cancelled: 0 } as Record<string, number>;
    let events = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const sim = simulate(seed);
      checkFinal(sim);
      outcomes[sim.state.status] = (outcomes[sim.state.status] ?? 0) + 1;
      events += sim.events;
    }
    // The simulation explores every ending, so the invariants above were tested against each.
    expect(outcomes.succeeded).toBeGreaterThan(10);
    expect(outcomes.failed).toBeGreaterThan(10);
    expect(outcomes.cancelled).toBeGreaterThan(0);
    expect(events).toBeGreaterThan(200 * 20);
  });
});
