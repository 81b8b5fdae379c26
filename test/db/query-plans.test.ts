import { type Compilable, type Kysely, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunState } from "../../src/core/run/run-state.js";
import { dueRunsQuery } from "../../src/db/due-runs.js";
import { listRunsQuery } from "../../src/db/list-runs.js";
import { toRunRow, toStepRow } from "../../src/db/rows.js";
import type { Database } from "../../src/db/schema.js";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "./databases.js";
import { testPlan, testRun, withSteps } from "./runs.js";

const RUNS = 10_000;
const NOW = 1_700_000_000_000 + RUNS * 1000;
const plan = testPlan(3);

/** Mostly finished runs, as a long-lived installation has; every 500th is still busy. */
function run(i: number): RunState {
  const base = testRun(`run-${i}`, {
    plan,
    facts: { repo: `org/repo-${i % 50}` },
    createdAt: NOW - (RUNS - i) * 1000,
  });
  if (i % 500 === 0) {
    return withSteps(
      base,
      {
        "review-0": { status: "ready" },
        "review-1": { status: "running", leaseExpiresAt: NOW + 1, startedAt: NOW },
      },
      { status: "running" },
    );
  }
  const done = Object.fromEntries(
    base.steps
      .values()
      .map((s) => s.id)
      .map((id) => [id, { status: "succeeded" as const }]),
  );
  return withSteps(base, done, { status: i % 7 === 0 ? "failed" : "succeeded" });
}

async function seed(db: Kysely<Database>): Promise<void> {
  const runs = Array.from({ length: RUNS }, (_, i) => run(i));
  for (let i = 0; i < runs.length; i += 500) {
    const chunk = runs.slice(i, i + 500);
    await db.insertInto("runs").values(chunk.map(toRunRow)).execute();
    const steps = chunk.flatMap((r) => r.steps.values().map((s) => toStepRow(r, s)));
    for (let j = 0; j < steps.length; j += 500)
      await db
        .insertInto("steps")
        .values(steps.slice(j, j + 500))
        .execute();
  }
}

/** The plan's lines: SQLite's EXPLAIN QUERY PLAN details, or Postgres's EXPLAIN text. */
async function explain(t: TestDatabase, query: Compilable): Promise<string> {
  const compiled = query.compile();
  if (t.kind === "sqlite") {
    const sqlText = `explain query plan ${compiled.sql}`;
    const { rows } = await t.db.kysely.executeQuery<{ detail: string }>({ ...compiled, sql: sqlText });
    return rows.map((r) => r.detail).join("\n");
  }
  const { rows } = await t.db.kysely.executeQuery<{ "QUERY PLAN": string }>({
    ...compiled,
    sql: `explain ${compiled.sql}`,
  });
  return rows.map((r) => r["QUERY PLAN"]).join("\n");
}

/** A table read from end to end: what must not happen as runs pile up. */
const FULL_SCAN = /^SCAN (runs|steps)\b(?! USING INDEX runs_created_idx)|Seq Scan/m;
/** Sorting rows instead of reading them in index order. */
const SORT = /USE TEMP B-TREE FOR ORDER BY|Sort Key/;

describe.each(DATABASE_KINDS)(`query plans over ${RUNS} runs (%s)`, (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
    await seed(t.db.kysely);
    await sql`analyze`.execute(t.db.kysely);
  }, 120_000);
  afterAll(() => t?.cleanup());

  it("findDueRuns visits only live steps and unfinished runs", async () => {
    const plan = await explain(t, dueRunsQuery(t.db.kysely, NOW, 100));
    expect(plan).not.toMatch(FULL_SCAN);
    for (const index of ["steps_ready_idx", "steps_lease_idx", "steps_deadline_idx"])
      expect(plan).toContain(index);
    const busy = Array.from({ length: RUNS / 500 }, (_, k) => `run-${RUNS - 500 - k * 500}`);
    expect(await t.store.findDueRuns(NOW, 100)).toEqual(busy);
  });

  it.each([
    ["no filter", {}],
    ["repo", { repo: "org/repo-7" }],
    ["status", { status: "failed" }],
    ["workflow", { workflowId: "pr" }],
  ] as const)("listRuns by %s walks an index in order, from the page key", async (_, filter) => {
    const before = { createdAt: NOW - 5_000_000, id: "run-5000" };
    for (const f of [filter, { ...filter, before }]) {
      const plan = await explain(t, listRunsQuery(t.db.kysely, f));
      expect(plan).not.toMatch(FULL_SCAN);
      expect(plan).not.toMatch(SORT);
    }
    const page = await t.store.listRuns({ ...filter, before, limit: 10 });
    expect(page).toHaveLength(10);
    expect(page.every((r) => r.createdAt < before.createdAt)).toBe(true);
  });

  it("listRuns with several filters uses an index too", async () => {
    const plan = await explain(
      t,
      listRunsQuery(t.db.kysely, { repo: "org/repo-7", status: "failed", workflowId: "pr" }),
    );
    expect(plan).not.toMatch(FULL_SCAN);
  });
});
