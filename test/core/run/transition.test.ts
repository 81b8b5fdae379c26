import { describe, expect, test } from "vitest";
import { phaseStatus } from "../../../src/core/run/phase-status.js";
import type { RunEvent } from "../../../src/core/run/run-event.js";
import type { RunState, StepState } from "../../../src/core/run/run-state.js";
import {
  DEFAULT_TRANSITION_OPTIONS,
  nextWake,
  retryDelay,
  type TransitionOptions,
  transition,
} from "../../../src/core/run/transition.js";
import {
  Driver,
  deepFreeze,
  executed,
  HEAD,
  ofType,
  planOf,
  queuedRun,
  st,
  startedRun,
  statuses,
  step,
  T0,
} from "../helpers.js";

const FAST: TransitionOptions = { retryBaseMs: 100, retryMaxMs: 250, maxLostLeases: 1 };

describe("start", () => {
  test("steps with no needs become ready, the rest stay queued", () => {
    const plan = planOf({
      review: ["a:review", "b:security", "c:tests<a"],
      approve: { needs: ["review"], steps: ["g:approval"] },
    });
    const run = queuedRun(plan);
    expect(run.status).toBe("queued");

    const t = transition(run, { type: "start", at: T0 + 5 });

    expect(statuses(t.state)).toEqual({ a: "ready", b: "ready", c: "queued", g: "queued" });
    expect(t.state.status).toBe("running");
    expect(t.state.startedAt).toBe(T0 + 5);
    expect(t.state.finishedAt).toBeNull();
    expect(st(t.state, "a")).toEqual({ ...run.steps.get("a"), status: "ready", notBefore: null });
    // Only the phase whose steps changed is reported.
    expect(t.commands).toEqual([{ type: "phase-changed", phaseId: "review" }]);
  });

  test("a second start changes nothing", () => {
    const run = startedRun(planOf({ p: ["a:review"] }));
    const t = transition(run, { type: "start", at: T0 + 1 });
    expect(t.state).toBe(run);
    expect(t.commands).toEqual([]);
  });

  test("`when` skips with the name of the first key that did not match", () => {
    const plan = planOf({
      p: [
        step("l:review", { when: { labels: ["security"] } }),
        step("p:review", { when: { paths: ["docs/**"] } }),
        step("u:review", { when: { authors: ["bob"] } }),
        step("bs:review", { when: { base: ["release/*"] } }),
        step("all:review", {
          when: { labels: ["agents"], paths: ["src/**"], authors: ["alice"], base: ["main"] },
        }),
        // labels is checked before paths, so it names labels although both miss.
        step("two:review", { when: { paths: ["docs/**"], labels: ["nope"] } }),
      ],
    });
    const run = startedRun(plan);
    const reasons = Object.fromEntries(run.steps.values().map((s) => [s.id, [s.status, s.reason]]));
    expect(reasons).toEqual({
      l: ["skipped", "when: labels did not match"],
      p: ["skipped", "when: paths did not match"],
      u: ["skipped", "when: authors did not match"],
      bs: ["skipped", "when: base did not match"],
      all: ["ready", null],
      two: ["skipped", "when: labels did not match"],
    });
    expect(st(run, "p").finishedAt).toBe(T0);
  });

  test("a step skipped by `when` does not stop its dependants", () => {
    const plan = planOf({
      docs: [step("d:review", { when: { paths: ["docs/**"] } })],
      next: { needs: ["docs"], steps: ["n:agent"] },
    });
    const run = startedRun(plan);
    expect(statuses(run)).toEqual({ d: "skipped", n: "ready" });
  });

  test("a run whose every step is skipped by `when` succeeds at once", () => {
    const plan = planOf({ p: [step("a:review", { when: { labels: ["x"] } })] });
    const t = transition(queuedRun(plan), { type: "start", at: T0 });
    expect(t.state.status).toBe("succeeded");
    expect(t.state.finishedAt).toBe(T0);
    expect(t.commands).toEqual([
      { type: "phase-changed", phaseId: "p" },
      { type: "run-finished", status: "succeeded" },
    ]);
  });
});

describe("claim", () => {
  const mixed = () =>
    planOf(
      {
        review: ["a:review", "b:security", "c:tests", "d:agent"],
        gates: ["g:approval", "m:merge", "dp:deploy", "ck:checks"],
      },
      { settings: { max_parallel: 2 } },
    );

  test("takes a lease on each claimed step and asks to execute them in plan order", () => {
    const run = startedRun(mixed());
    const t = transition(run, { type: "claim", at: T0 + 10, worker: "w1", leaseMs: 5000 });
    const lease = T0 + 5010;

    // max_parallel 2 stops c and d; approval, merge, deploy and checks are not counted against it.
    expect(t.commands).toEqual([
      { type: "execute", stepId: "a", attempt: 1, leaseExpiresAt: lease },
      { type: "execute", stepId: "b", attempt: 1, leaseExpiresAt: lease },
      { type: "execute", stepId: "g", attempt: 1, leaseExpiresAt: lease },
      { type: "execute", stepId: "m", attempt: 1, leaseExpiresAt: lease },
      { type: "execute", stepId: "dp", attempt: 1, leaseExpiresAt: lease },
      { type: "execute", stepId: "ck", attempt: 1, leaseExpiresAt: lease },
      { type: "phase-changed", phaseId: "review" },
      { type: "phase-changed", phaseId: "gates" },
    ]);
    expect(st(t.state, "a")).toEqual({
      ...st(run, "a"),
      status: "running",
      attempts: 1,
      leaseOwner: "w1",
      leaseExpiresAt: lease,
      startedAt: T0 + 10,
      finishedAt: null,
      notBefore: null,
    });
    expect(statuses(t.state)).toMatchObject({ c: "ready", d: "ready" });
    expect(t.state.status).toBe("running");
  });

  test("running agent steps of any worker fill max_parallel; a finished one frees a slot", () => {
    const d = Driver.started(mixed());
    d.claim(T0 + 1, { worker: "w1" });
    const before = d.state;
    const again = d.claim(T0 + 2, { worker: "w2" });
    expect(again.state).toBe(before);
    expect(again.commands).toEqual([]);

    d.succeed("a", T0 + 3);
    expect(executed(d.claim(T0 + 4, { worker: "w2" }).commands)).toEqual(["c"]);
    expect(d.step("c").leaseOwner).toBe("w2");
    expect(d.step("d").status).toBe("ready");
  });

  test("max_parallel does not hold back non-agent steps", () => {
    const plan = planOf(
      { p: ["a:review", "b:review"], gates: ["g:approval", "m:merge", "dp:deploy", "ck:checks"] },
      { settings: { max_parallel: 1 } },
    );
    const d = Driver.started(plan);
    expect(executed(d.claim(T0 + 1, { limit: 1 }).commands)).toEqual(["a"]);
    // One agent runs (the cap): the next claim skips b and takes every non-agent step.
    expect(executed(d.claim(T0 + 2).commands)).toEqual(["g", "m", "dp", "ck"]);
  });

  test("`limit` claims at most that many, in plan order", () => {
    const d = Driver.started(mixed());
    expect(executed(d.claim(T0 + 1, { limit: 3 }).commands)).toEqual(["a", "b", "g"]);
    expect(executed(d.claim(T0 + 2, { limit: 1 }).commands)).toEqual(["m"]);
    expect(d.claim(T0 + 3, { limit: 0 }).commands).toEqual([]);
    expect(executed(d.claim(T0 + 4).commands)).toEqual(["dp", "ck"]);
  });

  test("nothing is claimable before start", () => {
    const run = queuedRun(mixed());
    const t = transition(run, { type: "claim", at: T0, worker: "w1", leaseMs: 1000 });
    expect(t.state).toBe(run);
    expect(t.commands).toEqual([]);
  });

  test("a step in backoff is claimed only once notBefore has come", () => {
    const d = Driver.started(planOf({ p: ["a:review"] }), {}, FAST);
    d.claim(T0);
    d.fail("a", T0 + 10);
    expect(d.step("a").notBefore).toBe(T0 + 110);

    const early = d.claim(T0 + 109);
    expect(early.commands).toEqual([]);
    expect(d.step("a").status).toBe("ready");
    expect(d.claim(T0 + 110).commands[0]).toEqual({
      type: "execute",
      stepId: "a",
      attempt: 2,
      leaseExpiresAt: T0 + 110 + 30_000,
    });
    expect(d.step("a").notBefore).toBeNull();
  });
});

describe("step-succeeded", () => {
  test("stores the output, releases the lease and makes dependants ready", () => {
    const d = Driver.started(planOf({ review: ["a:review", "b:security", "c:tests<a"] }));
    d.claim(T0 + 1);
    const before = d.step("a");
    const t = d.succeed("a", T0 + 50, { tokens: 120, summary: "2 findings (1 high)" });

    expect(d.step("a")).toEqual({
      ...before,
      status: "succeeded",
      output: { summary: "2 findings (1 high)" },
      finishedAt: T0 + 50,
      leaseOwner: null,
      leaseExpiresAt: null,
      tokens: 120,
    });
    expect(statuses(d.state)).toEqual({ a: "succeeded", b: "running", c: "ready" });
    expect(d.state.tokens).toBe(120);
    expect(t.commands).toEqual([{ type: "phase-changed", phaseId: "review" }]);
  });

  test("a step waits for every step of the phases its phase depends on", () => {
    const d = Driver.started(
      planOf({ review: ["a:review", "b:security"], approve: { needs: ["review"], steps: ["g:approval"] } }),
    );
    d.claim(T0 + 1);
    d.succeed("a", T0 + 2);
    expect(d.step("g").status).toBe("queued");
    const t = d.succeed("b", T0 + 3);
    expect(d.step("g").status).toBe("ready");
    expect(t.commands).toEqual([
      { type: "phase-changed", phaseId: "review" },
      { type: "phase-changed", phaseId: "approve" },
    ]);
  });

  test("step depends_on crosses phases, in either declaration order", () => {
    const d = Driver.started(
      planOf({
        first: ["y:review<z", "a:review", "b:security"],
        second: ["z:security", "x:agent<a"],
      }),
    );
    expect(statuses(d.state)).toEqual({ y: "queued", a: "ready", b: "ready", z: "ready", x: "queued" });
    d.claim(T0 + 1);
    d.succeed("a", T0 + 2);
    expect(d.step("x").status).toBe("ready"); // b still running: x waits only for a
    expect(d.step("y").status).toBe("queued");
    d.succeed("z", T0 + 3);
    expect(d.step("y").status).toBe("ready");
  });
});

describe("step-failed and retries", () => {
  test("retryDelay doubles from the base and is capped", () => {
    expect([1, 2, 3, 4, 6, 7, 10].map((n) => retryDelay(n))).toEqual([
      1000, 2000, 4000, 8000, 32_000, 60_000, 60_000,
    ]);
    expect(retryDelay(0)).toBe(1000);
    expect([1, 2, 3].map((n) => retryDelay(n, FAST))).toEqual([100, 200, 250]);
  });

  test("a failed attempt backs off exponentially, then fails after retries + 1 attempts", () => {
    const d = Driver.started(planOf({ p: [step("a:review", { retries: 3 })] }), {}, FAST);
    d.claim(T0);
    const running = d.step("a");

    let t = d.fail("a", T0 + 10, { error: "HTTP 503" });
    expect(d.step("a")).toEqual({
      ...running,
      status: "ready",
      notBefore: T0 + 110,
      error: "HTTP 503",
      leaseOwner: null,
      leaseExpiresAt: null,
    });
    expect(t.commands).toEqual([{ type: "phase-changed", phaseId: "p" }]);
    expect(d.state.status).toBe("running");

    d.claim(T0 + 110);
    expect(d.step("a").attempts).toBe(2);
    d.fail("a", T0 + 200);
    expect(d.step("a").notBefore).toBe(T0 + 400);

    d.claim(T0 + 400);
    d.fail("a", T0 + 500);
    expect(d.step("a").notBefore).toBe(T0 + 750); // capped at 250

    d.claim(T0 + 750);
    expect(d.step("a").attempts).toBe(4);
    t = d.fail("a", T0 + 800, { error: "HTTP 500" });
    expect(d.step("a")).toMatchObject({
      status: "failed",
      error: "HTTP 500",
      finishedAt: T0 + 800,
      notBefore: null,
    });
    expect(t.commands).toEqual([
      { type: "phase-changed", phaseId: "p" },
      { type: "run-finished", status: "failed" },
    ]);
    expect(d.state.status).toBe("failed");
    expect(d.state.finishedAt).toBe(T0 + 800);
  });

  test("agent steps get 2 retries by default with the default backoff", () => {
    const d = Driver.started(planOf({ p: ["a:review"] }));
    d.claim(T0);
    d.fail("a", T0 + 1);
    expect(d.step("a").notBefore).toBe(T0 + 1001);
    d.claim(T0 + 1001);
    d.fail("a", T0 + 1002);
    expect(d.step("a").notBefore).toBe(T0 + 3002);
    d.claim(T0 + 3002);
    d.fail("a", T0 + 3003);
    expect(d.step("a")).toMatchObject({ status: "failed", attempts: 3 });
  });

  test("retryable: false fails at once and keeps the verdict's output and tokens", () => {
    const d = Driver.started(planOf({ p: ["a:review"] }));
    d.claim(T0);
    const output = { summary: "1 finding (1 high)" };
    d.send({
      type: "step-failed",
      at: T0 + 9,
      stepId: "a",
      worker: "w1",
      attempt: 1,
      error: "findings at high",
      retryable: false,
      output,
      tokens: 42,
    });
    expect(d.step("a")).toMatchObject({
      status: "failed",
      attempts: 1,
      error: "findings at high",
      output,
      tokens: 42,
      leaseOwner: null,
    });
    expect(d.state.tokens).toBe(42);
  });

  test("non-agent steps and `retries: 0` fail on the first error", () => {
    const d = Driver.started(planOf({ p: ["m:merge", step("a:agent", { retries: 0 })] }));
    d.claim(T0);
    d.fail("m", T0 + 1);
    d.fail("a", T0 + 1);
    expect(statuses(d.state)).toEqual({ m: "failed", a: "failed" });
  });

  test("tokens add up per step across attempts and per run", () => {
    const d = Driver.started(planOf({ p: ["a:review", step("b:security", { retries: 0 })] }));
    d.claim(T0);
    d.fail("a", T0 + 1, { tokens: 100 });
    d.fail("b", T0 + 1, { tokens: 30 });
    d.claim(T0 + 5000);
    d.succeed("a", T0 + 5001, { tokens: 50 });
    expect(d.step("a").tokens).toBe(150);
    expect(d.step("b").tokens).toBe(30);
    expect(d.state.tokens).toBe(180);
  });
});

describe("late and foreign results are ignored", () => {
  const ignored = (run: RunState, event: RunEvent) => {
    const t = transition(run, event);
    expect(t.state).toBe(run);
    expect(t.commands).toEqual([]);
  };
  const ok = (stepId: string, worker: string, attempt: number, at = T0 + 100): RunEvent => ({
    type: "step-succeeded",
    at,
    stepId,
    worker,
    attempt,
    output: { summary: "late" },
  });

  test("from another worker, another attempt, or for a step that is not running", () => {
    const d = Driver.started(planOf({ p: ["a:review", "b:security"] }));
    ignored(d.state, ok("a", "w1", 1)); // not claimed yet
    d.claim(T0, { worker: "w1" });
    ignored(d.state, ok("a", "w2", 1));
    ignored(d.state, ok("a", "w1", 2));
    ignored(d.state, { type: "step-failed", at: T0 + 1, stepId: "a", worker: "w2", attempt: 1, error: "x" });
    ignored(d.state, {
      type: "step-waiting",
      at: T0 + 1,
      stepId: "a",
      worker: "w2",
      attempt: 1,
      waitingFor: "checks",
    });
    ignored(d.state, ok("nope", "w1", 1));

    d.fail("a", T0 + 1); // back to ready, in backoff
    ignored(d.state, ok("a", "w1", 1));
    d.claim(T0 + 2000, { worker: "w2" });
    ignored(d.state, ok("a", "w1", 1)); // the old attempt's worker
    ignored(d.state, ok("a", "w2", 1)); // the new worker with the old attempt

    d.succeed("b", T0 + 2001);
    ignored(d.state, ok("b", "w1", 1)); // a duplicate
  });
});

describe("skip propagation", () => {
  test("a failed phase skips everything downstream with the root's reason; independent steps run on", () => {
    const d = Driver.started(
      planOf({
        review: ["a:review", step("b:security", { retries: 0 })],
        approve: { needs: ["review"], steps: ["g:approval"] },
        merge: { needs: ["approve"], steps: ["m:merge"] },
        docs: ["s:agent"],
      }),
    );
    d.claim(T0);
    d.fail("b", T0 + 5);
    // A step is decided once all its needs are finished: g waits for a too.
    expect(statuses(d.state)).toEqual({ a: "running", b: "failed", g: "queued", m: "queued", s: "running" });
    expect(d.state.status).toBe("running");

    const t = d.succeed("a", T0 + 6);
    expect(d.step("g")).toMatchObject({
      status: "skipped",
      reason: 'phase "review" failed',
      finishedAt: T0 + 6,
    });
    expect(d.step("m")).toMatchObject({
      status: "skipped",
      reason: 'phase "review" failed',
      finishedAt: T0 + 6,
    });
    expect(d.step("s").status).toBe("running");
    expect(d.state.status).toBe("running");
    expect(t.commands).toEqual([
      { type: "phase-changed", phaseId: "review" },
      { type: "phase-changed", phaseId: "approve" },
      { type: "phase-changed", phaseId: "merge" },
    ]);

    const last = d.succeed("s", T0 + 7);
    expect(d.state.status).toBe("failed");
    expect(ofType(last.commands, "run-finished")).toEqual([{ type: "run-finished", status: "failed" }]);
  });

  test("through step depends_on the reason names the step that failed", () => {
    const d = Driver.started(
      planOf({ p: [step("x:review", { retries: 0 }), "y:agent<x", "z:merge<y", "w:security"] }),
    );
    d.claim(T0);
    d.fail("x", T0 + 1);
    expect(d.step("y").reason).toBe('step "x" failed');
    expect(d.step("z").reason).toBe('step "x" failed');
    expect(d.step("w").status).toBe("running");
  });

  test("a cancelled need skips its dependants with `was cancelled`", () => {
    // Only a stored state holds a cancelled step in a live run (cancel ends the run), so build one.
    const d = Driver.started(planOf({ p: ["x:review", "v:security", "y:agent<x,v", "z:merge<y"] }));
    d.claim(T0);
    const x: StepState = { ...d.step("x"), status: "cancelled", reason: "gone", leaseOwner: null };
    d.state = { ...d.state, steps: d.state.steps.with([x]) };
    d.succeed("v", T0 + 1);
    expect(d.step("y")).toMatchObject({ status: "skipped", reason: 'step "x" was cancelled' });
    expect(d.step("z")).toMatchObject({ status: "skipped", reason: 'step "x" was cancelled' });
  });
});

describe("continue_on_error", () => {
  test("the phase and its dependants proceed; the failure stays visible", () => {
    const d = Driver.started(
      planOf({
        review: ["a:review", step("b:security", { continue_on_error: true, retries: 0 }), "c:agent<b"],
        approve: { needs: ["review"], steps: ["g:approval"] },
      }),
    );
    d.claim(T0);
    d.succeed("a", T0 + 1);
    d.fail("b", T0 + 2, { error: "1 finding (1 blocker)" });
    expect(d.step("b")).toMatchObject({ status: "failed", error: "1 finding (1 blocker)" });
    expect(d.step("c").status).toBe("ready");
    d.claim(T0 + 3);
    d.succeed("c", T0 + 4);
    expect(d.step("g").status).toBe("ready");
    expect(phaseStatus(d.state, d.state.plan.phases[0]!)).toEqual({
      status: "completed",
      conclusion: "success",
    });

    d.claim(T0 + 5);
    d.wait("g", T0 + 6, "approval");
    d.send({ type: "gate-approved", at: T0 + 7, stepId: "g", by: ["octocat"], sha: HEAD });
    expect(d.state.status).toBe("succeeded");
    expect(d.step("b").status).toBe("failed");
  });
});

describe("gates and outside events", () => {
  const gated = () =>
    planOf({
      review: ["a:review"],
      approve: { needs: ["review"], steps: ["g:approval"] },
      merge: { needs: ["approve"], steps: ["m:merge"] },
    });
  const atGate = () => {
    const d = Driver.started(gated());
    d.claim(T0);
    d.succeed("a", T0 + 1);
    d.claim(T0 + 2);
    return d;
  };

  test("step-waiting parks the step, releases the lease and asks to await it", () => {
    const d = atGate();
    const t = d.wait("g", T0 + 3, "approval");
    expect(d.step("g")).toMatchObject({
      status: "waiting",
      waitingFor: "approval",
      leaseOwner: null,
      leaseExpiresAt: null,
      attempts: 1,
      startedAt: T0 + 2,
    });
    expect(t.commands).toEqual([
      { type: "await", stepId: "g", waitingFor: "approval" },
      { type: "phase-changed", phaseId: "approve" },
    ]);
    expect(d.state.status).toBe("waiting");
  });

  test("gate-approved passes a waiting approval and names the approvers and SHA", () => {
    const d = atGate();
    const early = transition(d.state, {
      type: "gate-approved",
      at: T0 + 3,
      stepId: "g",
      by: ["a"],
      sha: HEAD,
    });
    expect(early.state).toBe(d.state); // still running, not waiting

    d.wait("g", T0 + 3, "approval");
    d.send({ type: "gate-approved", at: T0 + 9, stepId: "g", by: ["a", "b"], sha: HEAD });
    expect(d.step("g")).toMatchObject({
      status: "succeeded",
      finishedAt: T0 + 9,
      waitingFor: null,
      output: { summary: "approved by @a, @b on abc1234", data: { approvers: ["a", "b"], sha: HEAD } },
    });
    expect(d.step("m").status).toBe("ready");
    expect(d.state.status).toBe("running");

    const again = transition(d.state, {
      type: "gate-approved",
      at: T0 + 10,
      stepId: "g",
      by: ["c"],
      sha: HEAD,
    });
    expect(again.state).toBe(d.state);
  });

  test("gate-rejected fails the gate for good and skips what follows", () => {
    const d = atGate();
    d.wait("g", T0 + 3, "approval");
    const t = d.send({ type: "gate-rejected", at: T0 + 4, stepId: "g", by: "bob", reason: "needs work" });
    expect(d.step("g")).toMatchObject({
      status: "failed",
      error: "rejected by @bob: needs work",
      finishedAt: T0 + 4,
    });
    expect(d.step("m")).toMatchObject({ status: "skipped", reason: 'phase "approve" failed' });
    expect(d.state.status).toBe("failed");
    expect(ofType(t.commands, "run-finished")).toHaveLength(1);
  });

  test("gate-rejected without a reason", () => {
    const d = atGate();
    d.wait("g", T0 + 3, "approval");
    d.send({ type: "gate-rejected", at: T0 + 4, stepId: "g", by: "bob", reason: "" });
    expect(d.step("g").error).toBe("rejected by @bob");
  });

  test("gate-evaluated stores what a waiting gate misses, and nothing when it did not change", () => {
    const d = atGate();
    d.wait("g", T0 + 3, "approval");
    const e = {
      type: "gate-evaluated",
      at: T0 + 4,
      stepId: "g",
      summary: "needs 1 more approval from @acme/maintainers on abc1234",
      data: { eligible: "@acme/maintainers" },
    } as const;
    const t = d.send(e);
    expect(d.step("g")).toMatchObject({ status: "waiting", output: { summary: e.summary, data: e.data } });
    expect(t.commands).toEqual([{ type: "phase-changed", phaseId: "approve" }]);
    expect(transition(d.state, { ...e, at: T0 + 5 }).state).toBe(d.state);
  });

  test("merge-refused fails the merge with GitHub's message and re-opens the gates behind it", () => {
    const d = atGate();
    d.wait("g", T0 + 3, "approval");
    d.send({ type: "gate-approved", at: T0 + 4, stepId: "g", by: ["bob"], sha: HEAD });
    d.claim(T0 + 5);
    const m = d.step("m");
    const t = d.send({
      type: "merge-refused",
      at: T0 + 6,
      stepId: "m",
      worker: m.leaseOwner ?? "",
      attempt: m.attempts,
      error: "Head branch was modified. Review and try the merge again.",
    });
    expect(d.step("m")).toMatchObject({
      status: "failed",
      error: "Head branch was modified. Review and try the merge again.",
      output: { data: { refused: true, reopened: ["g"] } },
    });
    expect(d.step("g")).toMatchObject({
      status: "waiting",
      waitingFor: "approval",
      startedAt: T0 + 6,
      finishedAt: null,
      output: { data: { reopenedAt: T0 + 6 } },
    });
    expect(t.commands).toContainEqual({ type: "await", stepId: "g", waitingFor: "approval" });
    expect(d.state.status).toBe("waiting");

    // Approved again: the merge runs again (a new attempt).
    d.send({ type: "gate-approved", at: T0 + 9, stepId: "g", by: ["bob"], sha: HEAD });
    expect(d.step("m")).toMatchObject({ status: "ready", error: null });
    d.claim(T0 + 10);
    expect(d.step("m")).toMatchObject({ status: "running", attempts: 2 });
  });

  test("step-noted changes a finished step's summary and data only", () => {
    const d = atGate();
    d.send({
      type: "step-noted",
      at: T0 + 5,
      stepId: "a",
      summary: "rolled back to 1234567",
      data: { rollbackSha: "1234567" },
    });
    expect(d.step("a")).toMatchObject({
      status: "succeeded",
      output: { summary: "rolled back to 1234567", data: { rollbackSha: "1234567" } },
    });
  });

  test("a workflow started from an issue skips the steps that need a pull request", () => {
    const d = Driver.started(
      planOf({ plan: ["draft:agent", "r:review"], ok: { needs: ["plan"], steps: ["g:approval"] } }),
      { source: "issue" },
    );
    expect(d.step("r")).toMatchObject({ status: "skipped", reason: "when: not a pull request" });
    expect(d.step("draft").status).toBe("ready");
  });

  test("merge-refused from a worker that lost the step changes nothing", () => {
    const d = atGate();
    d.wait("g", T0 + 3, "approval");
    d.send({ type: "gate-approved", at: T0 + 4, stepId: "g", by: ["bob"], sha: HEAD });
    d.claim(T0 + 5);
    const late = {
      type: "merge-refused",
      at: T0 + 6,
      stepId: "m",
      worker: "other",
      attempt: 1,
      error: "x",
    } as const;
    expect(transition(d.state, late).state).toBe(d.state);
  });

  test("gate events apply only to a step waiting for approval", () => {
    const d = Driver.started(planOf({ p: ["dp:deploy", "g:approval"] }));
    d.claim(T0);
    d.wait("dp", T0 + 1, "deployment");
    for (const e of [
      { type: "gate-approved", at: T0 + 2, stepId: "dp", by: ["a"], sha: HEAD },
      { type: "gate-rejected", at: T0 + 2, stepId: "dp", by: "a", reason: "no" },
      { type: "gate-rejected", at: T0 + 2, stepId: "g", by: "a", reason: "no" }, // running
    ] as const) {
      expect(transition(d.state, e).state).toBe(d.state);
    }
  });

  test("step-resolved finishes a step waiting on a deployment or checks", () => {
    const d = Driver.started(planOf({ ship: ["dp:deploy", "ck:checks", "ck2:checks", "after:merge<dp"] }));
    d.claim(T0);
    d.wait("dp", T0 + 1, "deployment");
    d.wait("ck", T0 + 1, "checks");
    d.wait("ck2", T0 + 1, "checks");
    expect(d.state.status).toBe("waiting");

    d.send({ type: "step-resolved", at: T0 + 5, stepId: "dp", ok: true, output: { summary: "deployed 42" } });
    expect(d.step("dp")).toMatchObject({
      status: "succeeded",
      output: { summary: "deployed 42" },
      finishedAt: T0 + 5,
      waitingFor: null,
    });
    expect(d.step("after").status).toBe("ready");

    d.send({ type: "step-resolved", at: T0 + 6, stepId: "ck", ok: false, error: "ci / test: failure" });
    expect(d.step("ck")).toMatchObject({ status: "failed", error: "ci / test: failure", waitingFor: null });
    d.send({ type: "step-resolved", at: T0 + 7, stepId: "ck2", ok: false });
    expect(d.step("ck2")).toMatchObject({ status: "failed", error: "failed" });
  });

  test("step-resolved ignores approvals and steps that are not waiting", () => {
    const d = Driver.started(planOf({ p: ["g:approval", "dp:deploy"] }));
    d.claim(T0);
    d.wait("g", T0 + 1, "approval");
    for (const stepId of ["g", "dp", "nope"]) {
      const t = transition(d.state, { type: "step-resolved", at: T0 + 2, stepId, ok: true });
      expect(t.state).toBe(d.state);
    }
  });
});

describe("timeouts", () => {
  const timed = () =>
    Driver.started(
      planOf({
        p: [
          "a:review",
          step("dp:deploy", { timeout: "90s" }),
          "g:approval",
          step("g2:approval", { timeout: "1h" }),
          "dw:deploy",
        ],
      }),
    );

  test("tick fires due timeouts: agent steps retry, deploys and gates fail, running ones are aborted", () => {
    const d = timed();
    d.claim(T0);
    d.wait("g", T0 + 1, "approval");
    d.wait("g2", T0 + 1, "approval");
    d.wait("dw", T0 + 1, "deployment");

    const quiet = d.send({ type: "tick", at: T0 + 89_999 });
    expect(quiet.commands).toEqual([]);

    let t = d.send({ type: "tick", at: T0 + 90_000 });
    expect(d.step("dp")).toMatchObject({
      status: "failed",
      error: "timed out after 1m30s",
      leaseOwner: null,
    });
    expect(t.commands).toEqual([
      { type: "abort", stepId: "dp", reason: "timed out" },
      { type: "phase-changed", phaseId: "p" },
    ]);

    t = d.send({ type: "tick", at: T0 + 600_000 });
    expect(d.step("a")).toMatchObject({
      status: "ready",
      error: "timed out after 10m",
      notBefore: T0 + 601_000,
    });
    expect(t.commands).toEqual([
      { type: "abort", stepId: "a", reason: "timed out" },
      { type: "phase-changed", phaseId: "p" },
    ]);

    t = d.send({ type: "tick", at: T0 + 1_800_000 });
    expect(d.step("dw")).toMatchObject({ status: "failed", error: "timed out after 30m", waitingFor: null });
    expect(ofType(t.commands, "abort")).toEqual([]);

    d.send({ type: "tick", at: T0 + 3_600_000 });
    expect(d.step("g2")).toMatchObject({ status: "failed", error: "timed out after 1h" });

    // An approval without `timeout` never times out.
    const g = d.step("g");
    d.send({ type: "tick", at: T0 + 10 * 365 * 86_400_000 });
    expect(d.step("g")).toBe(g);
    expect(
      transition(d.state, { type: "step-timed-out", at: T0 + 10 * 365 * 86_400_000, stepId: "g" }).state,
    ).toBe(d.state);
  });

  test("an agent step that keeps timing out fails after its retries", () => {
    const d = Driver.started(planOf({ p: [step("a:review", { timeout: "1m", retries: 1 })] }));
    d.claim(T0);
    d.send({ type: "tick", at: T0 + 60_000 });
    d.claim(T0 + 61_000);
    const t = d.send({ type: "tick", at: T0 + 121_000 });
    expect(d.step("a")).toMatchObject({ status: "failed", attempts: 2, error: "timed out after 1m" });
    expect(t.commands).toEqual([
      { type: "abort", stepId: "a", reason: "timed out" },
      { type: "phase-changed", phaseId: "p" },
      { type: "run-finished", status: "failed" },
    ]);
  });

  test("step-timed-out times out a running step whose deadline passed", () => {
    const d = Driver.started(planOf({ p: ["a:review", "m:merge"] }));
    d.claim(T0);
    const t = d.send({ type: "step-timed-out", at: T0 + 600_000, stepId: "a" });
    expect(d.step("a")).toMatchObject({ status: "ready", error: "timed out after 10m" });
    expect(t.commands[0]).toEqual({ type: "abort", stepId: "a", reason: "timed out" });
    d.send({ type: "step-timed-out", at: T0 + 300_000, stepId: "m" });
    expect(d.step("m")).toMatchObject({ status: "failed", error: "timed out after 5m" });
  });

  test("a stale step-timed-out does not cut short a newer attempt", () => {
    const d = Driver.started(planOf({ p: ["a:review"] }));
    d.claim(T0);
    d.fail("a", T0 + 1);
    d.claim(T0 + 500_000); // attempt 2, due at T0 + 1_100_000
    const t = d.send({ type: "step-timed-out", at: T0 + 600_000, stepId: "a" }); // attempt 1's timer
    expect(t.state.steps.get("a")).toMatchObject({ status: "running", attempts: 2 });
    expect(t.commands).toEqual([]);
    // Nor one for a step that is not running or waiting.
    expect(
      transition(startedRun(planOf({ p: ["a:review"] })), {
        type: "step-timed-out",
        at: T0 + 1e9,
        stepId: "a",
      }).commands,
    ).toEqual([]);
  });
});

describe("lease-expired", () => {
  test("only a really expired lease frees the step; it is ready at once and the old worker is ignored", () => {
    const d = Driver.started(planOf({ p: ["a:review"] }));
    d.claim(T0, { leaseMs: 1000 });
    expect(transition(d.state, { type: "lease-expired", at: T0 + 999, stepId: "a" }).state).toBe(d.state);

    const t = d.send({ type: "lease-expired", at: T0 + 1000, stepId: "a" });
    expect(d.step("a")).toMatchObject({
      status: "ready",
      attempts: 1,
      notBefore: null,
      leaseOwner: null,
      leaseExpiresAt: null,
      error: "lost its worker (lease expired) on attempt 1",
    });
    expect(t.commands).toEqual([{ type: "phase-changed", phaseId: "p" }]);

    const late = transition(d.state, {
      type: "step-succeeded",
      at: T0 + 1001,
      stepId: "a",
      worker: "w1",
      attempt: 1,
      output: { summary: "late" },
    });
    expect(late.state).toBe(d.state);
    expect(executed(d.claim(T0 + 1002, { worker: "w2" }).commands)).toEqual(["a"]);
    expect(d.step("a").attempts).toBe(2);
  });

  test("fails after retries + 1 + maxLostLeases attempts", () => {
    const lose = (d: Driver, at: number) => {
      d.claim(at, { leaseMs: 10 });
      d.send({ type: "lease-expired", at: at + 10, stepId: "a" });
    };
    // retries 2 (default) + 1 + maxLostLeases 3 (default) = 6 attempts.
    const d = Driver.started(planOf({ p: ["a:review"] }));
    for (let i = 1; i <= 5; i++) lose(d, T0 + i * 100);
    expect(d.step("a")).toMatchObject({ status: "ready", attempts: 5 });
    lose(d, T0 + 600);
    expect(d.step("a")).toMatchObject({
      status: "failed",
      attempts: 6,
      error: "lost its worker (lease expired) on attempt 6",
      finishedAt: T0 + 610,
    });

    // With custom options: a merge (no retries) and maxLostLeases 1 → 2 attempts.
    const m = Driver.started(planOf({ p: ["a:merge"] }), {}, FAST);
    lose(m, T0);
    expect(m.step("a").status).toBe("ready");
    lose(m, T0 + 100);
    expect(m.step("a")).toMatchObject({ status: "failed", attempts: 2 });
  });

  test("is ignored for steps that are not running", () => {
    const d = Driver.started(planOf({ p: ["g:approval"] }));
    const ready = d.state;
    expect(transition(ready, { type: "lease-expired", at: T0 + 1e9, stepId: "g" }).state).toBe(ready);
    d.claim(T0, { leaseMs: 10 });
    d.wait("g", T0 + 1, "approval");
    expect(transition(d.state, { type: "lease-expired", at: T0 + 1e9, stepId: "g" }).state).toBe(d.state);
  });
});

describe("step-skipped (by hand)", () => {
  test("records who and why; dependants proceed; a running step is aborted", () => {
    const d = Driver.started(
      planOf({
        review: ["a:review", "b:security<a", "c:agent"],
        next: { needs: ["review"], steps: ["n:merge"] },
      }),
    );
    d.claim(T0);
    let t = d.send({ type: "step-skipped", at: T0 + 1, stepId: "b", by: "carol", reason: "flaky" });
    expect(d.step("b")).toMatchObject({
      status: "skipped",
      reason: "skipped by @carol: flaky",
      finishedAt: T0 + 1,
    });
    expect(ofType(t.commands, "abort")).toEqual([]);

    t = d.send({ type: "step-skipped", at: T0 + 2, stepId: "a", by: "carol", reason: "slow" });
    expect(t.commands[0]).toEqual({ type: "abort", stepId: "a", reason: "skipped" });
    expect(d.step("a")).toMatchObject({ status: "skipped", leaseOwner: null, leaseExpiresAt: null });

    d.succeed("c", T0 + 3);
    expect(d.step("n").status).toBe("ready");
    expect(phaseStatus(d.state, d.state.plan.phases[0]!)).toEqual({
      status: "completed",
      conclusion: "success",
    });

    const again = transition(d.state, {
      type: "step-skipped",
      at: T0 + 4,
      stepId: "c",
      by: "x",
      reason: "y",
    });
    expect(again.state).toBe(d.state);
  });

  test("a step skipped by hand before its need failed still lets its dependants run", () => {
    const d = Driver.started(
      planOf({ p: [step("x:review", { retries: 0 }), "y:agent<x", "w:security", "z:merge<y,w"] }),
    );
    d.claim(T0);
    d.send({ type: "step-skipped", at: T0 + 1, stepId: "y", by: "carol", reason: "not needed" });
    d.fail("x", T0 + 2);
    d.succeed("w", T0 + 3);
    expect(d.step("z").status).toBe("ready");

    // Retrying x leaves the hand-skipped y alone.
    d.claim(T0 + 4);
    d.succeed("z", T0 + 5);
    expect(d.state.status).toBe("failed");
    d.send({ type: "retry", at: T0 + 6, by: "dave" });
    expect(d.step("y")).toMatchObject({ status: "skipped", reason: "skipped by @carol: not needed" });
  });
});

describe("retry", () => {
  const failedRun = () => {
    const d = Driver.started(
      planOf({
        review: [
          step("a:review", { retries: 0 }),
          "b:security",
          step("wh:agent", { when: { labels: ["nope"] } }),
        ],
        approve: { needs: ["review"], steps: ["g:approval"] },
        merge: { needs: ["approve"], steps: ["m:merge"] },
      }),
    );
    d.claim(T0);
    d.succeed("b", T0 + 1);
    d.fail("a", T0 + 2, { error: "boom" });
    expect(d.state.status).toBe("failed");
    return d;
  };

  test("re-queues failed steps and the steps skipped because of them; the run runs again", () => {
    const d = failedRun();
    const b = d.step("b");
    const t = d.send({ type: "retry", at: T0 + 10, by: "dave" });

    expect(d.step("a")).toMatchObject({
      status: "ready",
      attempts: 1,
      notBefore: null,
      finishedAt: null,
      error: null,
      reason: null,
      output: null,
    });
    expect(d.step("g")).toMatchObject({ status: "queued", reason: null, finishedAt: null });
    expect(d.step("m")).toMatchObject({ status: "queued", reason: null, finishedAt: null });
    expect(d.step("wh")).toMatchObject({ status: "skipped", reason: "when: labels did not match" });
    expect(d.step("b")).toBe(b);
    expect(d.state).toMatchObject({ status: "running", reason: null, finishedAt: null, startedAt: T0 });
    expect(t.commands).toEqual([
      { type: "phase-changed", phaseId: "review" },
      { type: "phase-changed", phaseId: "approve" },
      { type: "phase-changed", phaseId: "merge" },
    ]);

    expect(d.claim(T0 + 11).commands[0]).toMatchObject({ type: "execute", stepId: "a", attempt: 2 });
    d.succeed("a", T0 + 12);
    d.claim(T0 + 13);
    d.wait("g", T0 + 14, "approval");
    d.send({ type: "gate-approved", at: T0 + 15, stepId: "g", by: ["ann"], sha: HEAD });
    d.claim(T0 + 16);
    d.succeed("m", T0 + 17);
    expect(d.state).toMatchObject({ status: "succeeded", finishedAt: T0 + 17 });
    // One run-finished per finish: failed, then succeeded.
    expect(ofType(d.allCommands(), "run-finished")).toEqual([
      { type: "run-finished", status: "failed" },
      { type: "run-finished", status: "succeeded" },
    ]);
  });

  test("retry of one step leaves the other failures alone", () => {
    const d = Driver.started(
      planOf({
        p: [step("a:review", { retries: 0 }), step("b:security", { retries: 0 }), "c:agent<a", "e:agent<b"],
      }),
    );
    d.claim(T0);
    d.fail("a", T0 + 1);
    d.fail("b", T0 + 1);
    expect(d.state.status).toBe("failed");
    d.send({ type: "retry", at: T0 + 2, by: "dave", stepId: "a" });
    expect(statuses(d.state)).toEqual({ a: "ready", b: "failed", c: "queued", e: "skipped" });
    expect(d.state.status).toBe("running");
  });

  test("a retried step waits for a continue_on_error need retried with it", () => {
    const d = Driver.started(
      planOf({
        p: [step("a:review", { continue_on_error: true, retries: 0 }), step("b:security<a", { retries: 0 })],
      }),
    );
    d.claim(T0);
    d.fail("a", T0 + 1);
    d.claim(T0 + 2);
    d.fail("b", T0 + 3);
    expect(d.state.status).toBe("failed");

    d.send({ type: "retry", at: T0 + 4, by: "dave" });
    expect(statuses(d.state)).toEqual({ a: "ready", b: "queued" });
    expect(executed(d.claim(T0 + 5).commands)).toEqual(["a"]);
    d.succeed("a", T0 + 6);
    expect(d.step("b")).toMatchObject({ status: "ready", error: null });
  });

  test("a retry mid-run holds back the not yet started dependants of a continue_on_error failure", () => {
    const d = Driver.started(
      planOf({ p: [step("a:review", { continue_on_error: true, retries: 0 }), "b:security<a", "c:agent"] }),
    );
    d.claim(T0);
    d.fail("a", T0 + 1);
    expect(d.step("b").status).toBe("ready");
    d.send({ type: "retry", at: T0 + 2, by: "dave" });
    expect(statuses(d.state)).toEqual({ a: "ready", b: "queued", c: "running" });
    expect(d.state.status).toBe("running");
    expect(executed(d.claim(T0 + 3).commands)).toEqual(["a"]);
  });

  test("a dependant already running when its continue_on_error need is retried, then losing its lease, waits for that need", () => {
    const d = Driver.started(
      planOf({ p: [step("a:deploy", { continue_on_error: true }), step("b:merge<a")] }),
    );
    d.claim(T0);
    d.fail("a", T0 + 1);
    expect(executed(d.claim(T0 + 2).commands)).toEqual(["b"]);
    d.send({ type: "retry", at: T0 + 3, by: "dave" });
    expect(statuses(d.state)).toEqual({ a: "ready", b: "running" });
    d.send({ type: "lease-expired", at: T0 + 9e9, stepId: "b" });
    // One claim must not start b again beside a: b waits until a has finished again (found by the property test).
    expect(executed(d.claim(T0 + 9e9 + 1).commands)).toEqual(["a"]);
    expect(statuses(d.state)).toEqual({ a: "running", b: "queued" });
    d.succeed("a", T0 + 9e9 + 2);
    expect(executed(d.claim(T0 + 9e9 + 3).commands)).toEqual(["b"]);
  });

  test("retry with nothing to retry changes nothing", () => {
    const d = failedRun();
    for (const e of [
      { type: "retry", at: T0 + 3, by: "dave", stepId: "b" }, // succeeded
      { type: "retry", at: T0 + 3, by: "dave", stepId: "g" }, // skipped
      { type: "retry", at: T0 + 3, by: "dave", stepId: "nope" },
    ] as const) {
      const t = transition(d.state, e);
      expect(t.state).toBe(d.state);
      expect(t.commands).toEqual([]);
    }
    const ok = Driver.started(planOf({ p: ["m:merge"] }));
    ok.claim(T0);
    ok.succeed("m", T0 + 1);
    expect(transition(ok.state, { type: "retry", at: T0 + 2, by: "dave" }).state).toBe(ok.state);
  });

  test("a cancelled run cannot be retried back to life", () => {
    const d = Driver.started(planOf({ p: [step("a:review", { retries: 0 }), "b:security"] }));
    d.claim(T0);
    d.fail("a", T0 + 1);
    d.send({ type: "supersede", at: T0 + 2, bySha: "ffff000" });
    const t = transition(d.state, { type: "retry", at: T0 + 3, by: "dave" });
    expect(t.state).toBe(d.state);
    expect(t.commands).toEqual([]);
  });
});

describe("cancel and supersede", () => {
  const busy = () => {
    const d = Driver.started(
      planOf({
        review: ["a:review", "b:security", "c:tests<a"],
        approve: { needs: ["review"], steps: ["g:approval"] },
        ship: ["dp:deploy"],
      }),
    );
    d.claim(T0);
    d.succeed("a", T0 + 1);
    d.wait("dp", T0 + 2, "deployment");
    return d;
  };

  test("cancel stops every unfinished step with the reason and aborts the running ones", () => {
    const d = busy();
    const a = d.step("a");
    const t = d.send({ type: "cancel", at: T0 + 5, by: "erin", reason: "not needed" });
    const reason = "cancelled by @erin: not needed";

    expect(d.step("a")).toBe(a);
    for (const id of ["b", "c", "g", "dp"]) {
      expect(d.step(id)).toMatchObject({
        status: "cancelled",
        reason,
        finishedAt: T0 + 5,
        leaseOwner: null,
        waitingFor: null,
      });
    }
    expect(d.state).toMatchObject({ status: "cancelled", reason, finishedAt: T0 + 5 });
    expect(t.commands).toEqual([
      { type: "abort", stepId: "b", reason },
      { type: "phase-changed", phaseId: "review" },
      { type: "phase-changed", phaseId: "approve" },
      { type: "phase-changed", phaseId: "ship" },
      { type: "run-finished", status: "cancelled" },
    ]);
  });

  test("cancel without an actor uses the reason as given", () => {
    const d = busy();
    d.send({ type: "cancel", at: T0 + 5, by: null, reason: "pull request closed" });
    expect(d.state.reason).toBe("pull request closed");
    expect(d.step("g").reason).toBe("pull request closed");
  });

  test("supersede names the new SHA", () => {
    const d = busy();
    const t = d.send({ type: "supersede", at: T0 + 5, bySha: "fedcba9876543210fedcba9876543210fedcba98" });
    expect(d.state).toMatchObject({ status: "cancelled", reason: "superseded by fedcba9" });
    expect(d.step("b").reason).toBe("superseded by fedcba9");
    expect(ofType(t.commands, "abort")).toEqual([
      { type: "abort", stepId: "b", reason: "superseded by fedcba9" },
    ]);
  });

  test("a queued run can be cancelled", () => {
    const run = queuedRun(planOf({ p: ["a:review"] }));
    const t = transition(run, { type: "cancel", at: T0, by: null, reason: "closed" });
    expect(t.state.status).toBe("cancelled");
    expect(t.state.steps.get("a")?.status).toBe("cancelled");
  });

  test("events after a terminal state change nothing", () => {
    const cancelled = busy();
    cancelled.send({ type: "cancel", at: T0 + 5, by: "erin", reason: "x" });
    const failed = Driver.started(planOf({ p: [step("a:review", { retries: 0 }), "g:approval"] }));
    failed.claim(T0);
    failed.fail("a", T0 + 1);
    failed.wait("g", T0 + 1, "approval");
    failed.send({ type: "gate-rejected", at: T0 + 2, stepId: "g", by: "bob", reason: "no" });
    expect(failed.state.status).toBe("failed");

    const events: RunEvent[] = [
      { type: "start", at: T0 + 9 },
      { type: "claim", at: T0 + 9, worker: "w9", leaseMs: 10 },
      { type: "step-succeeded", at: T0 + 9, stepId: "b", worker: "w1", attempt: 1, output: { summary: "" } },
      { type: "step-failed", at: T0 + 9, stepId: "b", worker: "w1", attempt: 1, error: "x" },
      { type: "step-resolved", at: T0 + 9, stepId: "dp", ok: true },
      { type: "step-timed-out", at: T0 + 9e9, stepId: "b" },
      { type: "lease-expired", at: T0 + 9e9, stepId: "b" },
      { type: "tick", at: T0 + 9e9 },
      { type: "step-skipped", at: T0 + 9, stepId: "g", by: "x", reason: "y" },
      { type: "gate-approved", at: T0 + 9, stepId: "g", by: ["a"], sha: HEAD },
      { type: "gate-rejected", at: T0 + 9, stepId: "g", by: "a", reason: "" },
      { type: "cancel", at: T0 + 9, by: "x", reason: "again" },
      { type: "supersede", at: T0 + 9, bySha: "0000000" },
    ];
    for (const run of [cancelled.state, failed.state]) {
      for (const e of events) {
        const t = transition(run, e);
        expect(t.state, e.type).toBe(run);
        expect(t.commands, e.type).toEqual([]);
      }
    }
  });
});

describe("run status", () => {
  test("queued, running, waiting, then terminal; run-finished exactly once", () => {
    const d = new Driver(
      queuedRun(planOf({ p: ["a:review"], gate: { needs: ["p"], steps: ["g:approval"] } })),
    );
    expect(d.state.status).toBe("queued");
    d.send({ type: "start", at: T0 });
    expect(d.state.status).toBe("running"); // a ready
    d.claim(T0);
    d.fail("a", T0 + 1);
    expect(d.state.status).toBe("running"); // a ready again, in backoff
    d.claim(T0 + 1001);
    d.succeed("a", T0 + 1002);
    d.claim(T0 + 1003);
    d.wait("g", T0 + 1004, "approval");
    expect(d.state.status).toBe("waiting");
    d.send({ type: "gate-approved", at: T0 + 1005, stepId: "g", by: ["x"], sha: HEAD });
    expect(d.state.status).toBe("succeeded");
    d.send({ type: "tick", at: T0 + 1e9 });
    expect(ofType(d.allCommands(), "run-finished")).toEqual([{ type: "run-finished", status: "succeeded" }]);
    expect(d.state.finishedAt).toBe(T0 + 1005);
  });
});

describe("purity", () => {
  /** One run through most events; every input state is deep-frozen first, so a mutation would throw. */
  const script = (): RunState[] => {
    const plan = planOf({
      review: ["a:review", step("b:security", { continue_on_error: true, retries: 0 }), "c:tests<a"],
      approve: { needs: ["review"], steps: ["g:approval"] },
      ship: { needs: ["approve"], steps: ["dp:deploy", "m:merge<dp"] },
      other: [step("x:agent", { retries: 0 }), "y:agent<x"],
    });
    const d = new Driver(queuedRun(plan));
    const states: RunState[] = [];
    const send = d.send.bind(d);
    d.send = (e) => {
      const input = d.state;
      const before = JSON.stringify(input);
      deepFreeze(input);
      const t = send(e);
      expect(JSON.stringify(input)).toBe(before);
      states.push(t.state);
      return t;
    };
    d.send({ type: "start", at: T0 });
    d.claim(T0 + 1);
    d.fail("a", T0 + 2, { tokens: 5 });
    d.fail("b", T0 + 2);
    d.fail("x", T0 + 2);
    d.send({ type: "tick", at: T0 + 3 });
    d.claim(T0 + 1002);
    d.send({ type: "lease-expired", at: T0 + 40_000, stepId: "a" });
    d.claim(T0 + 40_001);
    d.succeed("a", T0 + 40_002, { tokens: 7 });
    d.claim(T0 + 40_003);
    d.succeed("c", T0 + 40_004);
    d.claim(T0 + 40_005);
    d.wait("g", T0 + 40_006, "approval");
    d.send({ type: "gate-approved", at: T0 + 40_007, stepId: "g", by: ["a"], sha: HEAD });
    d.send({ type: "retry", at: T0 + 40_008, by: "z", stepId: "x" });
    d.claim(T0 + 40_009);
    d.wait("dp", T0 + 40_010, "deployment");
    d.send({ type: "step-resolved", at: T0 + 40_011, stepId: "dp", ok: true });
    d.send({ type: "step-skipped", at: T0 + 40_012, stepId: "m", by: "z", reason: "later" });
    d.send({ type: "cancel", at: T0 + 40_013, by: "z", reason: "done" });
    return states;
  };

  test("never mutates its input and returns frozen states", () => {
    const states = script();
    expect(states.at(-1)?.status).toBe("cancelled");
    for (const s of states) {
      expect(Object.isFrozen(s)).toBe(true);
      expect(Object.isFrozen(s.steps)).toBe(true);
      for (const step of s.steps.values()) expect(Object.isFrozen(step)).toBe(true);
    }
  });

  test("is deterministic", () => {
    expect(script()).toEqual(script());
  });

  test("shares the steps it did not change", () => {
    const d = Driver.started(planOf({ p: ["a:review", "b:security"] }));
    d.claim(T0);
    const before = d.state;
    d.succeed("a", T0 + 1);
    expect(d.state.steps.get("b")).toBe(before.steps.get("b"));
    expect(d.state.plan).toBe(before.plan);
  });

  test("uses the default options when none are given", () => {
    const d = Driver.started(planOf({ p: ["a:review"] }));
    d.claim(T0);
    const viaDefault = transition(d.state, {
      type: "step-failed",
      at: T0 + 1,
      stepId: "a",
      worker: "w1",
      attempt: 1,
      error: "x",
    });
    expect(viaDefault.state.steps.get("a")?.notBefore).toBe(T0 + 1 + DEFAULT_TRANSITION_OPTIONS.retryBaseMs);
  });
});

describe("nextWake", () => {
  test("is the earliest future backoff end or timeout; leases are left to the store", () => {
    const plan = planOf({ p: ["a:review", "g:approval", "dp:deploy", step("b:security", { retries: 1 })] });
    expect(nextWake(queuedRun(plan), T0)).toBeNull();
    const d = Driver.started(plan);
    expect(nextWake(d.state, T0)).toBeNull(); // ready now: nothing to wait for

    d.claim(T0, { leaseMs: 30_000 });
    expect(nextWake(d.state, T0)).toBe(T0 + 600_000); // the 10m agent timeouts, not the 30s leases
    d.wait("g", T0 + 1, "approval");
    d.wait("dp", T0 + 1, "deployment");
    d.succeed("a", T0 + 2);
    d.fail("b", T0 + 3);
    // b in backoff until T0 + 1003; dp due at T0 + 30m; g never.
    expect(nextWake(d.state, T0 + 3)).toBe(T0 + 1003);
    expect(nextWake(d.state, T0 + 1003)).toBe(T0 + 1_800_000); // a backoff that has ended is not a wake
    d.claim(T0 + 1003, { leaseMs: 5_000 });
    expect(nextWake(d.state, T0 + 1003)).toBe(T0 + 601_003);
    d.succeed("b", T0 + 1004);
    expect(nextWake(d.state, T0 + 1004)).toBe(T0 + 1_800_000);
    d.send({ type: "step-resolved", at: T0 + 1005, stepId: "dp", ok: true });
    expect(nextWake(d.state, T0 + 1005)).toBeNull(); // only an approval without timeout left
    d.send({ type: "cancel", at: T0 + 1006, by: null, reason: "x" });
    expect(nextWake(d.state, T0 + 1006)).toBeNull();
  });

  test("a terminal run never wakes", () => {
    const d = Driver.started(planOf({ p: [step("a:review", { retries: 0 })] }));
    d.claim(T0);
    d.fail("a", T0 + 1);
    expect(d.state.status).toBe("failed");
    expect(nextWake(d.state, 0)).toBeNull();
  });
});
