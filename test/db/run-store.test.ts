import { describe, expect, it } from "vitest";
import type { RunState } from "../../src/core/run/run-state.js";
import { StepTable } from "../../src/core/run/step-table.js";
import { forEachDatabase } from "./databases.js";
import { testPlan, testRun, withSteps } from "./runs.js";

const T0 = 1_700_000_000_000;

/** A run with every field of the run and of several steps set to something other than its default. */
function busyRun(run: RunState): RunState {
  return withSteps(
    run,
    {
      "review-0": {
        status: "succeeded",
        attempts: 2,
        startedAt: T0 + 10,
        finishedAt: T0 + 900,
        error: "429 rate limited",
        tokens: 1234,
        output: {
          summary: "2 findings (1 high)",
          findings: [
            {
              file: "src/a.ts",
              line: 3,
              severity: "high",
              title: "Secret",
              body: "A key.",
              source: "secret-scan",
            },
            {
              file: "src/b.ts",
              line: null,
              severity: "low",
              title: "Big file",
              body: "Split it.",
              suggestion: "x",
            },
          ],
          text: "Looks mostly fine.\nUnicode: ✓ — é",
          provider: "openai gpt-4o-mini",
          notReviewed: [{ path: "package-lock.json", reason: "lockfile" }],
          data: { nested: { list: [1, "two", null, true] } },
        },
      },
      "review-1": {
        status: "running",
        attempts: 1,
        leaseOwner: "host:1:abc",
        leaseExpiresAt: T0 + 30_000,
        startedAt: T0 + 20,
      },
      "review-2": { status: "ready", attempts: 1, notBefore: T0 + 5_000, error: "timeout" },
      gate: { status: "waiting", waitingFor: "approval", startedAt: T0 + 30, reason: "needs 1 approval" },
    },
    { status: "running", startedAt: T0 + 5, reason: "superseded by abc", tokens: 1234 },
  );
}

forEachDatabase("KyselyRunStore", (get) => {
  describe("createRun / loadRun", () => {
    it("round-trips a run with every field set, read back by a fresh store", async () => {
      const { store, openStore } = get();
      const run = testRun("r1", { facts: { baseRef: null, author: null, title: null, number: null } });
      await store.createRun(run);
      const { state } = await store.updateRun("r1", (r) => ({ state: busyRun(r) }));

      const fresh = await openStore();
      const loaded = await fresh.loadRun("r1");
      expect(loaded).toEqual(state);
      expect(loaded?.version).toBe(1);
      expect(loaded!.steps.values().map((s) => s.id)).toEqual(["review-0", "review-1", "review-2", "gate"]);
      expect(await fresh.loadRun("nope")).toBeNull();
    });

    it("stores the columns that lists filter on", async () => {
      const { store, db } = get();
      await store.createRun(testRun("r1", { createdAt: T0 }));
      const row = await db.kysely
        .selectFrom("runs")
        .selectAll()
        .where("id", "=", "r1")
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({
        repo: "acme/web",
        number: 42,
        source: "pull_request",
        workflow_id: "pr",
        head_sha: "abc1234",
        base_ref: "main",
        status: "queued",
        version: 0,
        created_at: T0,
        tokens: 0,
      });
      const steps = await db.kysely.selectFrom("steps").select(["step_id", "phase_id", "kind"]).execute();
      expect(steps).toHaveLength(4);
      expect(steps).toContainEqual({ step_id: "gate", phase_id: "approve", kind: "approval" });
    });

    it("refuses a second run with the same id", async () => {
      const { store } = get();
      await store.createRun(testRun("r1"));
      await expect(store.createRun(testRun("r1"))).rejects.toThrow();
    });
  });

  describe("updateRun", () => {
    it("bumps the version, returns fn's other fields, and keeps unchanged step objects", async () => {
      const { store, db } = get();
      const run = testRun("r1");
      await store.createRun(run);
      const out = await store.updateRun("r1", (r) => ({
        state: withSteps(r, { "review-0": { status: "ready" } }, { status: "running" }),
        commands: ["go"],
      }));
      expect(out.commands).toEqual(["go"]);
      expect(out.state.version).toBe(1);
      expect(out.state.steps.get("review-1")!).toBe(run.steps.get("review-1")!);
      const row = await db.kysely.selectFrom("runs").select(["version", "status"]).executeTakeFirstOrThrow();
      expect(row).toEqual({ version: 1, status: "running" });

      const again = await store.updateRun("r1", (r) => ({ state: withSteps(r, {}, { tokens: 5 }) }));
      expect(again.state.version).toBe(2);
    });

    it("writes only the steps whose objects changed", async () => {
      const { store, db } = get();
      await store.createRun(testRun("r1"));
      // Mark two rows behind the store's back (no version bump, so the store's cached state stays in use).
      await db.kysely
        .updateTable("steps")
        .set({ error: "sentinel" })
        .where("step_id", "in", ["review-1", "gate"])
        .execute();

      const { state } = await store.updateRun("r1", (r) => ({
        state: withSteps(r, { "review-0": { status: "ready", attempts: 1 } }),
      }));
      const rows = await db.kysely
        .selectFrom("steps")
        .select(["step_id", "status", "attempts", "error"])
        .execute();
      const byId = Object.fromEntries(rows.map((r) => [r.step_id, r]));
      expect(byId["review-0"]).toEqual({ step_id: "review-0", status: "ready", attempts: 1, error: null });
      expect(byId["review-1"]!.error).toBe("sentinel"); // not rewritten
      expect(byId.gate!.error).toBe("sentinel");
      expect(state.steps.get("review-1")!.error).toBeNull(); // the cached state was used, not a reload

      // The counterfactual: once review-1 changes, its row is written and the mark is gone.
      await store.updateRun("r1", (r) => ({ state: withSteps(r, { "review-1": { status: "ready" } }) }));
      const r1 = await db.kysely
        .selectFrom("steps")
        .select("error")
        .where("step_id", "=", "review-1")
        .executeTakeFirst();
      expect(r1?.error).toBeNull();
    });

    it("writes nothing and keeps the version when fn returns the same state", async () => {
      const { store, db } = get();
      await store.createRun(testRun("r1"));
      const out = await store.updateRun("r1", (r) => ({ state: r }));
      expect(out.state.version).toBe(0);
      const row = await db.kysely.selectFrom("runs").select("version").executeTakeFirstOrThrow();
      expect(row.version).toBe(0);
    });

    it("stores each step's timeout deadline from the plan", async () => {
      const { store, db } = get();
      await store.createRun(testRun("r1"));
      await store.updateRun("r1", (r) => ({
        state: withSteps(r, {
          "review-0": { status: "running", startedAt: 1000, leaseOwner: "w", leaseExpiresAt: 31_000 },
          "review-1": { status: "waiting", startedAt: 2000, waitingFor: "checks" },
          "review-2": { status: "succeeded", startedAt: 3000, finishedAt: 4000 },
          gate: { status: "waiting", startedAt: 5000, waitingFor: "approval" }, // no timeout
        }),
      }));
      const rows = await db.kysely
        .selectFrom("steps")
        .select(["step_id", "deadline_at"])
        .orderBy("step_id")
        .execute();
      expect(rows).toEqual([
        { step_id: "gate", deadline_at: null },
        { step_id: "review-0", deadline_at: 601_000 },
        { step_id: "review-1", deadline_at: 602_000 },
        { step_id: "review-2", deadline_at: null },
      ]);
    });

    it("updates the filter columns when the facts change", async () => {
      const { store, db } = get();
      await store.createRun(testRun("r1"));
      await store.updateRun("r1", (r) => ({ state: { ...r, facts: { ...r.facts, headSha: "def5678" } } }));
      const row = await db.kysely
        .selectFrom("runs")
        .select(["head_sha", "version"])
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ head_sha: "def5678", version: 1 });
      const doc = await db.kysely.selectFrom("run_documents").select("facts").executeTakeFirstOrThrow();
      expect(JSON.parse(doc.facts).headSha).toBe("def5678");
    });

    it("keeps the plan out of the run row and never rewrites it on step events", async () => {
      const { store, db } = get();
      const run = testRun("r1");
      await store.createRun(run);
      const before = await db.kysely.selectFrom("run_documents").selectAll().executeTakeFirstOrThrow();
      expect(JSON.parse(before.plan)).toEqual(run.plan);
      await store.updateRun("r1", (r) => ({
        state: withSteps(r, { "review-0": { status: "ready" } }, { tokens: 5 }),
      }));
      // An update that touches neither plan nor facts leaves the document alone (same text, no UPDATE issued).
      expect(await db.kysely.selectFrom("run_documents").selectAll().executeTakeFirstOrThrow()).toEqual(
        before,
      );
      expect(
        Object.keys(await db.kysely.selectFrom("runs").selectAll().executeTakeFirstOrThrow()),
      ).not.toContain("plan");
    });

    it("rolls back and releases the lock when fn throws", async () => {
      const { store, openStore } = get();
      await store.createRun(testRun("r1"));
      await expect(
        store.updateRun("r1", () => {
          throw new Error("boom");
        }),
      ).rejects.toThrow("boom");
      const other = await openStore();
      const { state } = await other.updateRun("r1", (r) => ({ state: withSteps(r, {}, { tokens: 1 }) }));
      expect(state.version).toBe(1);
    });

    it("rejects an unknown run and a step its plan lacks", async () => {
      const { store } = get();
      await expect(store.updateRun("nope", (r) => ({ state: r }))).rejects.toThrow('run "nope" not found');
      await store.createRun(testRun("r1", { plan: testPlan(1) }));
      const stray = { ...testRun("x").steps.get("review-0")!, id: "stray" };
      await expect(
        store.updateRun("r1", (r) => ({
          state: { ...r, steps: StepTable.of([...r.steps.values(), stray]) },
        })),
      ).rejects.toThrow(/step "stray" that its plan does not define/);
      expect((await store.loadRun("r1"))?.version).toBe(0);
    });
  });
});
