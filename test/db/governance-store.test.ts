import { expect, it } from "vitest";
import { DEFAULT_ERROR_BUDGET } from "../../src/core/run/plan.js";
import { GovernanceStore } from "../../src/db/governance-store.js";
import type { BudgetEntry } from "../../src/engine/ports.js";
import { forEachDatabase } from "./databases.js";

const REPO = "acme/widgets";
const T = Date.parse("2026-12-07T13:00:00Z");
const MIN = 60_000;
const HOUR = 60 * MIN;

/** The reviewer's work with gpt-a at `at`: an error with `error`, or a success. */
const work = (at: number, error: string | null, over: Partial<BudgetEntry> = {}): BudgetEntry => ({
  repo: REPO,
  persona: "reviewer",
  model: "gpt-a",
  error,
  at,
  runId: "run-1",
  stepId: "code-review",
  ...over,
});

forEachDatabase("GovernanceStore", (get) => {
  const store = () => new GovernanceStore(get().db);

  it("8 errors hold; the 9th suspends for the cooldown, with the reason; then nothing counts until it ends", async () => {
    const s = store();
    for (let i = 1; i <= 8; i++) {
      expect(await s.record(work(T + i * MIN, `error ${i}`), DEFAULT_ERROR_BUDGET)).toBeNull();
    }
    expect(await s.suspension(REPO, "reviewer", "gpt-a", T + 8 * MIN)).toBeNull();
    const suspended = await s.record(work(T + 9 * MIN, "error 9"), DEFAULT_ERROR_BUDGET);
    expect(suspended).toEqual({ until: T + 9 * MIN + HOUR, reason: "9 errors in 24 h (last: error 9)" });
    expect(await s.suspension(REPO, "reviewer", "gpt-a", T + 9 * MIN + HOUR - 1)).toEqual(suspended);
    // Another model, persona or repository has its own budget.
    expect(await s.suspension(REPO, "reviewer", "gpt-b", T + 10 * MIN)).toBeNull();
    expect(await s.suspension(REPO, "security", "gpt-a", T + 10 * MIN)).toBeNull();
    expect(await s.suspension("acme/other", "reviewer", "gpt-a", T + 10 * MIN)).toBeNull();
    // An error while suspended starts no second suspension.
    expect(await s.record(work(T + 20 * MIN, "error 10"), DEFAULT_ERROR_BUDGET)).toBeNull();
    expect(await s.suspensions(T + 20 * MIN)).toEqual([
      {
        repo: REPO,
        persona: "reviewer",
        model: "gpt-a",
        until: T + 9 * MIN + HOUR,
        reason: "9 errors in 24 h (last: error 9)",
      },
    ]);
  });

  it("the cooldown expires: the suspension ends, and errors from before it no longer count", async () => {
    const s = store();
    for (let i = 1; i <= 3; i++) await s.record(work(T + i, "boom"), DEFAULT_ERROR_BUDGET);
    const end = T + 3 + HOUR;
    expect(await s.suspension(REPO, "reviewer", "gpt-a", end - 1)).not.toBeNull();
    expect(await s.suspension(REPO, "reviewer", "gpt-a", end)).toBeNull();
    // Two more of the same error after the end: within max_repeats again.
    expect(await s.record(work(end + 1, "boom"), DEFAULT_ERROR_BUDGET)).toBeNull();
    expect(await s.record(work(end + 2, "boom"), DEFAULT_ERROR_BUDGET)).toBeNull();
    expect(await s.record(work(end + 3, "boom"), DEFAULT_ERROR_BUDGET)).toEqual({
      until: end + 3 + HOUR,
      reason: "the same error 3 times in a row: boom",
    });
  });

  it("reinstate ends a persona's suspensions now; its budget counts from then", async () => {
    const s = store();
    for (let i = 1; i <= 3; i++) await s.record(work(T + i, "boom"), DEFAULT_ERROR_BUDGET);
    for (let i = 1; i <= 3; i++)
      await s.record(work(T + i, "boom", { model: "gpt-b" }), DEFAULT_ERROR_BUDGET);
    expect(await s.reinstate(REPO, "security", T + 10)).toEqual([]);
    expect(await s.reinstate(REPO, "reviewer", T + 10)).toEqual(["gpt-a", "gpt-b"]);
    expect(await s.suspension(REPO, "reviewer", "gpt-a", T + 11)).toBeNull();
    expect(await s.reinstate(REPO, "reviewer", T + 12)).toEqual([]);
    expect(await s.record(work(T + 13, "boom"), DEFAULT_ERROR_BUDGET)).toBeNull();
  });

  it("health: 1 − the share of work that errored since the window's start", async () => {
    const s = store();
    await s.record(work(T, null), DEFAULT_ERROR_BUDGET);
    await s.record(work(T + 1, null), DEFAULT_ERROR_BUDGET);
    await s.record(work(T + 2, null), DEFAULT_ERROR_BUDGET);
    await s.record(work(T + 3, "boom"), DEFAULT_ERROR_BUDGET);
    await s.record(work(T - HOUR, "old"), DEFAULT_ERROR_BUDGET);
    expect(await s.health(REPO, T)).toEqual(new Map([["reviewer\0gpt-a", 0.75]]));
  });

  it("two processes on one database count into one budget: 9 errors at once suspend exactly once", async () => {
    const other = new GovernanceStore((await get().openStore()).database);
    const stores = [store(), other];
    const results = await Promise.all(
      Array.from({ length: 9 }, (_, i) =>
        (stores[i % 2] as GovernanceStore).record(work(T + i, `error ${i}`), DEFAULT_ERROR_BUDGET),
      ),
    );
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    // Both see the one suspension.
    const seen = await Promise.all(stores.map((s) => s.suspension(REPO, "reviewer", "gpt-a", T + 10)));
    expect(seen[0]).not.toBeNull();
    expect(seen[1]).toEqual(seen[0]);
  });
});
