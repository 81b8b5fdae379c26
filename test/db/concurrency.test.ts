import { describe, expect, it } from "vitest";
import type { RunState } from "../../src/core/run/run-state.js";
import { migrateToLatest } from "../../src/db/migrate.js";
import { createTestDatabase, DATABASE_KINDS, forEachDatabase } from "./databases.js";
import { runTogether } from "./processes.js";
import { testRun, withSteps } from "./runs.js";

/** One unit of work: +1 run token and +1 attempt on `stepId`, read-modify-write as the engine does. */
function increment(stepId: string) {
  return (run: RunState) => ({
    state: withSteps(
      run,
      { [stepId]: { attempts: run.steps.get(stepId)!.attempts + 1 } },
      { tokens: run.tokens + 1 },
    ),
  });
}

forEachDatabase("concurrent writers", (get) => {
  it("lose no update: two stores, 50 concurrent updateRuns each", async () => {
    const { store, openStore } = get();
    const other = await openStore();
    await store.createRun(testRun("r1"));
    // Both instances start with the run cached (and connected), so their calls interleave and each one's
    // cache goes stale at every turn of the other.
    await other.loadRun("r1");
    await Promise.all(
      Array.from({ length: 50 }, () => [
        store.updateRun("r1", increment("review-0")),
        other.updateRun("r1", increment("review-1")),
      ]).flat(),
    );
    const run = await (await openStore()).loadRun("r1");
    expect(run).toMatchObject({ tokens: 100, version: 100 });
    expect(run!.steps.get("review-0")!.attempts).toBe(50);
    expect(run!.steps.get("review-1")!.attempts).toBe(50);
  });

  it("reload a run another instance changed instead of trusting the cache", async () => {
    const { store, openStore } = get();
    const other = await openStore();
    await store.createRun(testRun("r1"));
    await store.updateRun("r1", (r) => ({ state: withSteps(r, { "review-0": { status: "ready" } }) }));
    await other.updateRun("r1", (r) => ({ state: withSteps(r, { "review-1": { status: "ready" } }) }));

    let seen: RunState | undefined;
    const { state } = await store.updateRun("r1", (r) => {
      seen = r;
      return { state: withSteps(r, { "review-2": { status: "ready" } }) };
    });
    expect(seen?.version).toBe(2);
    expect(seen?.steps.get("review-1")?.status).toBe("ready");
    expect(state.version).toBe(3);
    const stored = await (await openStore()).loadRun("r1");
    expect(["review-0", "review-1", "review-2"].map((id) => stored!.steps.get(id)!.status)).toEqual([
      "ready",
      "ready",
      "ready",
    ]);
  });
});

describe.each(DATABASE_KINDS)("separate processes (%s)", (kind) => {
  it("migrate the same fresh database at once, applying each migration once", async () => {
    const t = await createTestDatabase(kind, { migrate: false });
    try {
      const task = { task: "migrate", url: t.url } as const;
      let mine: string[] = [];
      const theirs = await runTogether<string[]>([task, task], async () => {
        mine = await migrateToLatest(t.db);
      });
      expect([...mine, ...theirs.flat()].sort()).toEqual([
        "0001_init",
        "0002_agent_cache",
        "0003_github",
        "0004_installation_pace",
        "0005_job_claims",
        "0006_findings",
        "0007_error_budgets",
        "0008_shadow_findings",
      ]);
    } finally {
      await t.cleanup();
    }
  });

  it("lose no update: two processes and this one, 50 updateRuns each", async () => {
    const t = await createTestDatabase(kind);
    try {
      await t.store.createRun(testRun("r1"));
      const task = { task: "increment", url: t.url, runId: "r1", count: 50 } as const;
      await runTogether(
        [
          { ...task, stepId: "review-0" },
          { ...task, stepId: "review-1" },
        ],
        async () => {
          for (let i = 0; i < 50; i++) await t.store.updateRun("r1", increment("review-2"));
        },
      );
      const run = await (await t.openStore()).loadRun("r1");
      expect(run).toMatchObject({ tokens: 150, version: 150 });
      expect(["review-0", "review-1", "review-2"].map((id) => run!.steps.get(id)!.attempts)).toEqual([
        50, 50, 50,
      ]);
    } finally {
      await t.cleanup();
    }
  });
});
