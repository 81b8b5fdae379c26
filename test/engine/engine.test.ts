import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, expect, test } from "vitest";
import { planWorkflow } from "../../src/core/run/plan.js";
import { newRunState, type RunState } from "../../src/core/run/run-state.js";
import type { Step, WorkflowFile } from "../../src/core/workflow/workflow.schema.js";
import { Engine, type EngineOptions } from "../../src/engine/engine.js";
import type { StepExecutor, StepResult } from "../../src/engine/ports.js";
import { forEachDatabase } from "../db/databases.js";

const FACTS = {
  source: "local" as const,
  repo: "acme/app",
  number: 7,
  headSha: "a".repeat(40),
  baseRef: "main",
  author: "alice",
  labels: [],
  changedFiles: ["src/a.ts"],
  title: "A change",
};

function run(
  id: string,
  phases: Record<string, { depends_on?: string[]; steps: Step[] }>,
  maxParallel = 4,
): RunState {
  const file: WorkflowFile = {
    version: 1,
    settings: { max_parallel: maxParallel },
    workflows: { w: { phases } },
  };
  return newRunState({ id, plan: planWorkflow(file, "w"), facts: FACTS, createdAt: Date.now() });
}

/** Records when each step's executor ran, so tests can see overlap and counts. */
function recorder(behave: (stepId: string, attempt: number, signal: AbortSignal) => Promise<StepResult>) {
  const spans: { id: string; start: number; end: number }[] = [];
  let running = 0;
  let maxRunning = 0;
  const executor: StepExecutor = async ({ step, attempt, signal }) => {
    const start = performance.now();
    running++;
    maxRunning = Math.max(maxRunning, running);
    try {
      return await behave(step.id, attempt, signal);
    } finally {
      running--;
      spans.push({ id: step.id, start, end: performance.now() });
    }
  };
  return { executor, spans, maxRunning: () => maxRunning };
}

const ok = (ms: number) => async (): Promise<StepResult> => {
  await sleep(ms);
  return { outcome: "succeeded", output: { summary: "ok" } };
};

const engines: Engine[] = [];

function engine(
  opts: Omit<EngineOptions, "transitionOptions"> & Partial<Pick<EngineOptions, "transitionOptions">>,
) {
  const e = new Engine({
    pollMs: 50,
    transitionOptions: { retryBaseMs: 20, retryMaxMs: 100, maxLostLeases: 3 },
    ...opts,
  });
  engines.push(e);
  e.start();
  return e;
}

forEachDatabase("engine", (db) => {
  // Registered after the database's own hooks, so it runs first: engines stop before their database closes.
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((e) => e.stop()));
  });

  test("runs a DAG to success, independent steps at the same time, dependants after their needs", async () => {
    const rec = recorder(ok(150));
    const e = engine({ store: db().store, executorFor: () => rec.executor });
    const r = run("diamond", {
      review: {
        steps: [
          { id: "a", uses: "review" },
          { id: "b", uses: "security" },
          { id: "c", uses: "tests" },
        ],
      },
      after: { depends_on: ["review"], steps: [{ id: "d", uses: "review" }] },
    });
    const done = e.settled(r.id);
    await e.createRun(r);
    const final = await done;
    expect(final.status).toBe("succeeded");
    const span = (id: string) => rec.spans.find((s) => s.id === id)!;
    // a, b and c overlap: each starts before the others end.
    for (const [x, y] of [
      ["a", "b"],
      ["a", "c"],
      ["b", "c"],
    ] as const) {
      expect(span(x).start).toBeLessThan(span(y).end);
      expect(span(y).start).toBeLessThan(span(x).end);
    }
    expect(span("d").start).toBeGreaterThanOrEqual(Math.max(span("a").end, span("b").end, span("c").end));
    const stored = await db().store.loadRun(r.id);
    expect(stored?.status).toBe("succeeded");
    expect(stored?.steps.get("d")?.status).toBe("succeeded");
  });

  test("never runs more agent steps at once than max_parallel; gates are not counted", async () => {
    const rec = recorder(ok(60));
    const e = engine({ store: db().store, executorFor: () => rec.executor });
    const steps: Step[] = Array.from({ length: 6 }, (_, i) => ({ id: `r${i}`, uses: "review" as const }));
    const r = run("parallel", { all: { steps } }, 2);
    const done = e.settled(r.id);
    await e.createRun(r);
    expect((await done).status).toBe("succeeded");
    expect(rec.maxRunning()).toBe(2);
    expect(rec.spans).toHaveLength(6);
  });

  test("retries a failing step with backoff, then succeeds", async () => {
    const rec = recorder(async (_id, attempt) =>
      attempt < 3
        ? { outcome: "failed", error: `flaky ${attempt}`, retryable: true }
        : { outcome: "succeeded", output: { summary: "third time" } },
    );
    const e = engine({ store: db().store, executorFor: () => rec.executor });
    const r = run("retry", { p: { steps: [{ id: "flaky", uses: "review", retries: 2 }] } });
    const done = e.settled(r.id);
    await e.createRun(r);
    const final = await done;
    expect(final.status).toBe("succeeded");
    expect(final.steps.get("flaky")).toMatchObject({
      attempts: 3,
      status: "succeeded",
      output: { summary: "third time" },
    });
    // Backoff: the second attempt waited ≥ 20 ms after the first, the third ≥ 40 ms after the second.
    const [a1, a2, a3] = rec.spans;
    expect(a2!.start - a1!.end).toBeGreaterThanOrEqual(15);
    expect(a3!.start - a2!.end).toBeGreaterThanOrEqual(35);
  });

  test("times out a hung step, aborting its executor, and fails it after its retries", async () => {
    const aborted: string[] = [];
    const rec = recorder(
      (id, attempt, signal) =>
        new Promise<StepResult>((resolve) => {
          signal.addEventListener("abort", () => {
            aborted.push(`${id}#${attempt}`);
            resolve({ outcome: "failed", error: "aborted", retryable: true });
          });
        }),
    );
    const e = engine({ store: db().store, executorFor: () => rec.executor });
    const r = run("timeout", {
      p: { steps: [{ id: "hang", uses: "review", timeout: "150ms", retries: 1 }] },
      q: { depends_on: ["p"], steps: [{ id: "after", uses: "review" }] },
    });
    const done = e.settled(r.id);
    await e.createRun(r);
    const final = await done;
    expect(final.status).toBe("failed");
    expect(final.steps.get("hang")).toMatchObject({
      status: "failed",
      attempts: 2,
      error: "timed out after 150ms",
    });
    expect(final.steps.get("after")).toMatchObject({ status: "skipped", reason: 'phase "p" failed' });
    expect(aborted).toEqual(["hang#1", "hang#2"]);
  });

  test("parks an approval gate until it is approved, then merges", async () => {
    const rec = recorder(ok(5));
    const gate: StepExecutor = async () => ({ outcome: "waiting", waitingFor: "approval" });
    const e = engine({
      store: db().store,
      executorFor: (_run, id) => (id === "approval" ? gate : rec.executor),
    });
    const r = run("gate", {
      review: { steps: [{ id: "code-review", uses: "review" }] },
      approve: { depends_on: ["review"], steps: [{ id: "approval", uses: "approval" }] },
      merge: { depends_on: ["approve"], steps: [{ id: "merge", uses: "merge" }] },
    });
    const waiting = e.settled(r.id, true);
    await e.createRun(r);
    const parked = await waiting;
    expect(parked.status).toBe("waiting");
    expect(parked.steps.get("approval")).toMatchObject({ status: "waiting", waitingFor: "approval" });
    expect(parked.steps.get("merge")?.status).toBe("queued");

    const done = e.settled(r.id);
    await e.submit(r.id, {
      type: "gate-approved",
      at: Date.now(),
      stepId: "approval",
      by: ["bob"],
      sha: FACTS.headSha,
    });
    const final = await done;
    expect(final.status).toBe("succeeded");
    expect(final.steps.get("approval")?.output?.summary).toBe("approved by @bob on aaaaaaa");
    expect(rec.spans.map((s) => s.id)).toEqual(["code-review", "merge"]);
  });

  test("cancelling a run aborts its running steps and stores every step cancelled", async () => {
    const aborted: string[] = [];
    const rec = recorder(
      (id, _a, signal) =>
        new Promise<StepResult>((resolve) =>
          signal.addEventListener("abort", () => {
            aborted.push(id);
            resolve({ outcome: "failed", error: "aborted", retryable: true });
          }),
        ),
    );
    const e = engine({ store: db().store, executorFor: () => rec.executor });
    const r = run("cancel", {
      p: {
        steps: [
          { id: "a", uses: "review" },
          { id: "b", uses: "review", depends_on: ["a"] },
        ],
      },
    });
    await e.createRun(r);
    await sleep(50);
    await e.submit(r.id, { type: "cancel", at: Date.now(), by: "carol", reason: "not needed" });
    const stored = await db().store.loadRun(r.id);
    expect(stored?.status).toBe("cancelled");
    expect(stored?.steps.get("a")).toMatchObject({
      status: "cancelled",
      reason: "cancelled by @carol: not needed",
    });
    expect(stored?.steps.get("b")?.status).toBe("cancelled");
    expect(aborted).toEqual(["a"]);
  });

  test("a stopped engine releases its leases: another takes the step over at once, not after leaseMs", async () => {
    const starts: string[] = [];
    const hang: StepExecutor = ({ signal }) =>
      new Promise((resolve) => {
        starts.push("first");
        signal.addEventListener("abort", () =>
          resolve({ outcome: "failed", error: "aborted", retryable: true }),
        );
      });
    const first = engine({ store: db().store, executorFor: () => hang, workerId: "first", leaseMs: 60_000 });
    const r = run("handover", { p: { steps: [{ id: "a", uses: "review" }] } });
    await first.createRun(r);
    await first.stop();
    const stored = await db().store.loadRun(r.id);
    expect(stored?.steps.get("a")).toMatchObject({ status: "running", leaseOwner: "first" });
    expect(stored?.steps.get("a")?.leaseExpiresAt).toBeLessThanOrEqual(Date.now());

    const hooks: string[] = [];
    const second = engine({
      store: await db().openStore(),
      executorFor: () => ok(5),
      workerId: "second",
      leaseMs: 60_000,
      onLeaseExpired: (_, stepId) => hooks.push(`lease-expired ${stepId}`),
      onStepFinished: (run, stepId) => hooks.push(`finished ${stepId} ${run.steps.get(stepId)?.status}`),
    });
    const done = second.settled(r.id);
    const t0 = Date.now();
    await second.pollDue();
    const final = await done;
    await second.idle();
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(final.steps.get("a")).toMatchObject({ status: "succeeded", attempts: 2, leaseOwner: null });
    expect(starts).toEqual(["first"]);
    // The hooks fire once each: the reclaim, then the step's one finish.
    expect(hooks).toEqual(["lease-expired a", "finished a succeeded"]);
  });

  test("two engines on one database run each step exactly once", async () => {
    const counts = new Map<string, number>();
    const executor: StepExecutor = async ({ step }) => {
      counts.set(step.id, (counts.get(step.id) ?? 0) + 1);
      await sleep(20);
      return { outcome: "succeeded", output: { summary: "ok" } };
    };
    const other = await db().openStore();
    const e1 = engine({ store: db().store, executorFor: () => executor, workerId: "one" });
    const e2 = engine({ store: other, executorFor: () => executor, workerId: "two", pollMs: 10 });
    const steps: Step[] = [];
    for (let i = 0; i < 20; i++) {
      steps.push({ id: `s${i}`, uses: "review", ...(i >= 4 ? { depends_on: [`s${i - 4}`] } : {}) });
    }
    const r = run("shared", { all: { steps } }, 8);
    const done = e1.settled(r.id);
    await e1.createRun(r);
    await e2.pollDue();
    expect((await done).status).toBe("succeeded");
    expect([...counts.values()]).toEqual(Array(20).fill(1));
  });
});
