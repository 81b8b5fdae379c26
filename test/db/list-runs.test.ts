import { expect, it } from "vitest";
import type { RunStatus } from "../../src/core/run/run-state.js";
import { insertRun } from "../../src/db/run-writes.js";
import type { RunFilter, RunSummary } from "../../src/engine/ports.js";
import { forEachDatabase } from "./databases.js";
import { testPlan, testRun } from "./runs.js";

const REPOS = ["acme/web", "acme/api", "zeta/app"];
const STATUSES: RunStatus[] = ["succeeded", "failed", "running", "waiting", "cancelled"];
const T0 = 1_700_000_000_000;

/** 300 runs; every three share a `createdAt`, so pages must break ties by id. */
const RUNS = Array.from({ length: 300 }, (_, i) => {
  const run = testRun(`run-${String(i).padStart(3, "0")}`, {
    plan: testPlan(1, { workflowId: i % 2 === 0 ? "pr" : "nightly" }),
    facts: { repo: REPOS[i % 3]!, number: i, headSha: `sha${i}` },
    createdAt: T0 + Math.floor(i / 3) * 1000,
  });
  return { ...run, status: STATUSES[i % 5]!, tokens: i };
});

function expected(filter: (r: (typeof RUNS)[number]) => boolean): string[] {
  return RUNS.filter(filter)
    .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1))
    .map((r) => r.id);
}

forEachDatabase("listRuns", (get) => {
  async function seed() {
    await get()
      .db.kysely.transaction()
      .execute(async (trx) => {
        for (const run of RUNS) await insertRun(trx, run);
      });
  }

  /** Follows `before` from page to page until a short page. */
  async function walk(filter: RunFilter, pageSize: number): Promise<string[]> {
    const ids: string[] = [];
    let before: RunFilter["before"];
    for (;;) {
      const page: RunSummary[] = await get().store.listRuns({
        ...filter,
        limit: pageSize,
        ...(before ? { before } : {}),
      });
      ids.push(...page.map((r) => r.id));
      const last = page.at(-1);
      if (page.length < pageSize || !last) return ids;
      before = { createdAt: last.createdAt, id: last.id };
    }
  }

  it("pages through every run newest first, ties broken by id, no repeats or gaps", async () => {
    await seed();
    expect(await walk({}, 37)).toEqual(expected(() => true));
    expect(await walk({}, 3)).toEqual(expected(() => true)); // page boundaries inside a createdAt tie
  });

  it("filters by repo, status and workflow, alone and together", async () => {
    await seed();
    expect(await walk({ repo: "acme/api" }, 25)).toEqual(expected((r) => r.facts.repo === "acme/api"));
    expect(await walk({ status: "waiting" }, 25)).toEqual(expected((r) => r.status === "waiting"));
    expect(await walk({ workflowId: "nightly" }, 40)).toEqual(
      expected((r) => r.plan.workflowId === "nightly"),
    );
    const all = { repo: "zeta/app", status: "failed", workflowId: "pr" } as const;
    const ids = await walk(all, 4);
    expect(ids.length).toBeGreaterThan(0);
    expect(ids).toEqual(
      expected(
        (r) => r.facts.repo === all.repo && r.status === all.status && r.plan.workflowId === all.workflowId,
      ),
    );
    expect(await get().store.listRuns({ repo: "nobody/none" })).toEqual([]);
  });

  it("returns summaries, 50 by default", async () => {
    await seed();
    const page = await get().store.listRuns({});
    expect(page).toHaveLength(50);
    const run = RUNS[299]!;
    expect(page[0]).toEqual({
      id: run.id,
      repo: "zeta/app",
      number: 299,
      workflowId: "nightly",
      status: "cancelled",
      headSha: "sha299",
      createdAt: run.createdAt,
      startedAt: null,
      finishedAt: null,
      tokens: 299,
    });
  });
});

forEachDatabase("audit", (get) => {
  it("lists a run's entries by time, then by insertion, with every field", async () => {
    const { store } = get();
    const entry = { runId: "r1", actor: "octocat", stepId: null, sha: null, reason: null };
    await store.appendAudit({ ...entry, at: 300, action: "merge", sha: "abc1234" });
    await store.appendAudit({ ...entry, at: 100, action: "run" });
    await store.appendAudit({ ...entry, at: 200, action: "approve", stepId: "gate", reason: "LGTM" });
    await store.appendAudit({ ...entry, at: 200, action: "skip", stepId: "tests", reason: "flaky" });
    await store.appendAudit({ ...entry, runId: "r2", at: 150, action: "cancel" });
    await store.appendAudit({ ...entry, runId: null, at: 150, action: "run", actor: "cli" });

    expect(await store.listAudit("r1")).toEqual([
      { ...entry, at: 100, action: "run" },
      { ...entry, at: 200, action: "approve", stepId: "gate", reason: "LGTM" },
      { ...entry, at: 200, action: "skip", stepId: "tests", reason: "flaky" },
      { ...entry, at: 300, action: "merge", sha: "abc1234" },
    ]);
    expect(await store.listAudit("r3")).toEqual([]);
  });
});
