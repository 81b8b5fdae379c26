import { expect, it } from "vitest";
import type { RunState, StepState } from "../../src/core/run/run-state.js";
import { forEachDatabase } from "./databases.js";
import { testRun, withSteps } from "./runs.js";

const NOW = 1_700_000_100_000;
const TIMEOUT = 600_000; // testPlan's review steps

/** A running run created at `createdAt` whose `review-0` is patched; the other steps stay queued. */
function runWith(id: string, createdAt: number, step: Partial<StepState>, fields: Partial<RunState> = {}) {
  return withSteps(testRun(id, { createdAt }), { "review-0": step }, { status: "running", ...fields });
}

const running = (leaseExpiresAt: number, startedAt = NOW - 1000): Partial<StepState> => ({
  status: "running",
  attempts: 1,
  leaseOwner: "w1",
  leaseExpiresAt,
  startedAt,
});

forEachDatabase("findDueRuns", (get) => {
  it("finds ready, backed-off, lease-expired and timed-out work, newest first, and nothing else", async () => {
    const { store } = get();
    const runs = [
      runWith("ready", 1, { status: "ready" }),
      runWith("backoff-over", 2, { status: "ready", notBefore: NOW - 1 }),
      runWith("backoff-ends-now", 3, { status: "ready", notBefore: NOW }),
      runWith("backoff-later", 4, { status: "ready", notBefore: NOW + 1 }),
      runWith("lease-expired", 5, running(NOW - 1)),
      runWith("lease-expires-now", 6, running(NOW)),
      runWith("lease-live", 7, running(NOW + 1)),
      runWith("timed-out", 8, running(NOW + 30_000, NOW - TIMEOUT)),
      runWith("not-timed-out", 9, running(NOW + 30_000, NOW - TIMEOUT + 1)),
      runWith("waiting-timed-out", 10, {
        status: "waiting",
        waitingFor: "checks",
        startedAt: NOW - TIMEOUT - 5,
      }),
      // The gate has no timeout: waiting on it is never due.
      withSteps(testRun("gate-waiting", { createdAt: 11 }), {
        gate: { status: "waiting", waitingFor: "approval", startedAt: 0 },
      }),
      runWith("finished", 12, { status: "ready" }, { status: "cancelled", finishedAt: NOW }),
      testRun("queued", { createdAt: 13 }),
    ];
    for (const run of runs) await store.createRun(run);

    expect(await store.findDueRuns(NOW, 100)).toEqual([
      "waiting-timed-out",
      "timed-out",
      "lease-expires-now",
      "lease-expired",
      "backoff-ends-now",
      "backoff-over",
      "ready",
    ]);
    expect(await store.findDueRuns(NOW, 2)).toEqual(["waiting-timed-out", "timed-out"]);
  });

  it("counts a run once however many of its steps are due", async () => {
    const { store } = get();
    const run = withSteps(testRun("r1"), {
      "review-0": { status: "ready" },
      "review-1": running(NOW - 1, NOW - TIMEOUT),
    });
    await store.createRun(run);
    expect(await store.findDueRuns(NOW, 10)).toEqual(["r1"]);
  });

  it("follows updates: a claimed step is no longer due until its lease expires", async () => {
    const { store } = get();
    await store.createRun(runWith("r1", 1, { status: "ready" }));
    await store.updateRun("r1", (r) => ({ state: withSteps(r, { "review-0": running(NOW + 30_000, NOW) }) }));
    expect(await store.findDueRuns(NOW, 10)).toEqual([]);
    expect(await store.findDueRuns(NOW + 30_000, 10)).toEqual(["r1"]);
  });
});

forEachDatabase("heartbeat", (get) => {
  async function lease(runId: string, stepId: string) {
    const row = await get()
      .db.kysely.selectFrom("steps")
      .select("lease_expires_at")
      .where("run_id", "=", runId)
      .where("step_id", "=", stepId)
      .executeTakeFirstOrThrow();
    return row.lease_expires_at;
  }

  it("extends the lease only for the worker holding a running step, without a new version", async () => {
    const { store } = get();
    await store.createRun(runWith("r1", 1, running(NOW + 10), { version: 3 }));
    expect(await store.heartbeat("r1", "review-0", "w1", NOW + 50)).toBe(true);
    expect(await lease("r1", "review-0")).toBe(NOW + 50);

    expect(await store.heartbeat("r1", "review-0", "w2", NOW + 99)).toBe(false);
    expect(await store.heartbeat("r1", "review-1", "w1", NOW + 99)).toBe(false); // queued
    expect(await store.heartbeat("nope", "review-0", "w1", NOW + 99)).toBe(false);
    expect(await lease("r1", "review-0")).toBe(NOW + 50);
    expect((await store.loadRun("r1"))?.version).toBe(3);
  });

  it("refuses once the step finished, even for its last owner", async () => {
    const { store } = get();
    await store.createRun(runWith("r1", 1, running(NOW + 10)));
    await store.updateRun("r1", (r) =>
      // A finished step whose lease fields were left set: the status alone must stop the heartbeat.
      ({ state: withSteps(r, { "review-0": { status: "succeeded", finishedAt: NOW } }) }),
    );
    expect(await store.heartbeat("r1", "review-0", "w1", NOW + 50)).toBe(false);
  });

  it("is seen by the next updateRun, whose cached state would otherwise hold the old expiry", async () => {
    const { store, openStore } = get();
    const other = await openStore();
    await store.createRun(runWith("r1", 1, running(NOW)));
    // From this store and from another process's: either way updateRun must see the extension.
    expect(await store.heartbeat("r1", "review-0", "w1", NOW + 30_000)).toBe(true);
    let seen: number | null | undefined;
    await store.updateRun("r1", (r) => {
      seen = r.steps.get("review-0")?.leaseExpiresAt;
      return { state: withSteps(r, { "review-1": { status: "ready" } }) };
    });
    expect(seen).toBe(NOW + 30_000);

    expect(await other.heartbeat("r1", "review-0", "w1", NOW + 60_000)).toBe(true);
    // The engine decides "lease expired" from the state fn gets; a stale NOW + 30_000 would expire it.
    const { state } = await store.updateRun("r1", (r) => ({
      state: withSteps(r, { "review-0": { tokens: 5 } }),
    }));
    expect(state.steps.get("review-0")?.leaseExpiresAt).toBe(NOW + 60_000);
    expect(await lease("r1", "review-0")).toBe(NOW + 60_000); // not written back older
    expect(await store.findDueRuns(NOW + 59_999, 10)).toEqual(["r1"]); // review-1 is ready
    await store.updateRun("r1", (r) => ({ state: withSteps(r, { "review-1": { status: "queued" } }) }));
    expect(await store.findDueRuns(NOW + 59_999, 10)).toEqual([]);
    expect(await store.findDueRuns(NOW + 60_000, 10)).toEqual(["r1"]);
  });
});
