import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { type Db, openDatabase } from "../../src/db/connect.js";
import { migrateToLatest } from "../../src/db/migrate.js";
import * as installationPace from "../../src/db/migrations/0004_installation_pace.js";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "./databases.js";

const TABLES = [
  "agent_budgets",
  "agent_cache",
  "agent_calls",
  "audit",
  "deliveries",
  "effects",
  "finding_judgements",
  "findings",
  "installation_pace",
  "posted_findings",
  "protection_requests",
  "run_documents",
  "runs",
  "shadow_runs",
  "steps",
];
const ALL = [
  "0001_init",
  "0002_agent_cache",
  "0003_github",
  "0004_installation_pace",
  "0005_job_claims",
  "0006_findings",
  "0007_error_budgets",
  "0008_shadow_findings",
];

/** The tables of this test's own schema (Postgres lists every schema's; other tests' are there too). */
async function tables(db: Db): Promise<string[]> {
  const all = await db.kysely.introspection.getTables();
  if (db.dialect === "sqlite") return all.map((t) => t.name).sort();
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db.kysely);
  return all
    .filter((t) => t.schema === rows[0]?.schema)
    .map((t) => t.name)
    .sort();
}

async function migrationRows(db: Db): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
    db.kysely,
  );
  return rows.map((r) => r.name);
}

describe.each(DATABASE_KINDS)("migrateToLatest (%s)", (kind) => {
  let t: TestDatabase;
  const extra: Db[] = [];
  afterEach(async () => {
    await Promise.all(extra.splice(0).map((db) => db.close()));
    await t?.cleanup();
  });

  it("creates the tables once; running again changes nothing", async () => {
    t = await createTestDatabase(kind, { migrate: false });
    expect(await migrateToLatest(t.db)).toEqual(ALL);
    expect(await tables(t.db)).toEqual(TABLES);
    expect(await migrateToLatest(t.db)).toEqual([]);
    expect(await migrationRows(t.db)).toEqual(ALL);
  });

  it("is safe from two connections at once, as from two processes", async () => {
    t = await createTestDatabase(kind, { migrate: false });
    const other = await openDatabase(t.url);
    extra.push(other);
    const [a, b] = await Promise.all([migrateToLatest(t.db), migrateToLatest(other)]);
    expect([...a, ...b]).toEqual(ALL);
    expect(await tables(other)).toEqual(TABLES);
    expect(await migrationRows(t.db)).toEqual(ALL);
  });

  it("0004: one installation_pace row per installation, epoch ms as numbers; down drops the table", async () => {
    t = await createTestDatabase(kind);
    const row = {
      installation_id: 42,
      next_write_at: 1_767_225_601_000,
      paused_until: 0,
      content_starts: "[]",
    };
    await t.db.kysely.insertInto("installation_pace").values(row).execute();
    await t.db.kysely
      .insertInto("installation_pace")
      .values({ ...row, next_write_at: 1 })
      .onConflict((oc) => oc.column("installation_id").doNothing())
      .execute();
    expect(await t.db.kysely.selectFrom("installation_pace").selectAll().execute()).toEqual([row]);
    await installationPace.down(t.db.kysely as never);
    expect(await tables(t.db)).not.toContain("installation_pace");
  });

  it("fails with the migration's name and leaves nothing half-created", async () => {
    t = await createTestDatabase(kind, { migrate: false });
    await sql`create table runs (id text primary key)`.execute(t.db.kysely);
    await expect(migrateToLatest(t.db)).rejects.toThrow(/database migration "0001_init" failed: .*runs/);
    // DDL is transactional on both: the tables created before the failure are gone again.
    expect(await tables(t.db)).not.toContain("deliveries");
  });
});
