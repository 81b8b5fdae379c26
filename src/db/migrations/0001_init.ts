import { type Kysely, PostgresAdapter, sql } from "kysely";

// Migrations are frozen history: they use `Kysely<unknown>` and literal names, never the current schema types.

const EPOCH_MS = "bigint";

export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;

  await db.schema
    .createTable("deliveries")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("event", "text", (c) => c.notNull())
    .addColumn("received_at", EPOCH_MS, (c) => c.notNull())
    .execute();

  // JSON stays `text` on Postgres too: jsonb would reorder keys and drop duplicates, text round-trips exactly.
  await db.schema
    .createTable("runs")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("repo", "text", (c) => c.notNull())
    .addColumn("number", "integer")
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("workflow_id", "text", (c) => c.notNull())
    .addColumn("head_sha", "text", (c) => c.notNull())
    .addColumn("base_ref", "text")
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("reason", "text")
    .addColumn("tokens", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", EPOCH_MS, (c) => c.notNull())
    .addColumn("started_at", EPOCH_MS)
    .addColumn("finished_at", EPOCH_MS)
    .execute();

  // Large, written once: kept out of `runs`, whose row SQLite rewrites whole on every step event.
  await db.schema
    .createTable("run_documents")
    .addColumn("run_id", "text", (c) => c.primaryKey().references("runs.id").onDelete("cascade"))
    .addColumn("plan", "text", (c) => c.notNull())
    .addColumn("facts", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("steps")
    .addColumn("run_id", "text", (c) => c.notNull().references("runs.id").onDelete("cascade"))
    .addColumn("step_id", "text", (c) => c.notNull())
    .addColumn("phase_id", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("not_before", EPOCH_MS)
    .addColumn("lease_owner", "text")
    .addColumn("lease_expires_at", EPOCH_MS)
    .addColumn("started_at", EPOCH_MS)
    .addColumn("finished_at", EPOCH_MS)
    .addColumn("waiting_for", "text")
    .addColumn("output", "text")
    .addColumn("error", "text")
    .addColumn("reason", "text")
    .addColumn("tokens", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("deadline_at", EPOCH_MS)
    .addPrimaryKeyConstraint("steps_pkey", ["run_id", "step_id"])
    .execute();

  await db.schema
    .createTable("audit")
    .addColumn("id", postgres ? "bigint" : "integer", (c) =>
      postgres ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement(),
    )
    .addColumn("run_id", "text")
    .addColumn("at", EPOCH_MS, (c) => c.notNull())
    .addColumn("actor", "text", (c) => c.notNull())
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("step_id", "text")
    .addColumn("sha", "text")
    .addColumn("reason", "text")
    .execute();

  // Due work (findDueRuns). Partial indexes hold only live steps: a few rows however many runs finished, and a
  // step's update touches an index only while entering or leaving its state, so commits write fewer pages.
  await db.schema
    .createIndex("steps_ready_idx")
    .on("steps")
    .column("not_before")
    .where(sql.ref("status"), "=", "ready")
    .execute();
  await db.schema
    .createIndex("steps_lease_idx")
    .on("steps")
    .column("lease_expires_at")
    .where(sql.ref("status"), "=", "running")
    .execute();
  // `deadline_at` is set only while running or waiting (see rows.ts), so non-null means "a timeout is pending".
  await db.schema
    .createIndex("steps_deadline_idx")
    .on("steps")
    .column("deadline_at")
    .where("deadline_at", "is not", null)
    .execute();
  // Run lists: newest first by (created_at, id), alone or after one equality filter; keyset pages walk them.
  await index(db, "runs_created_idx", "runs", ["created_at", "id"]);
  await index(db, "runs_repo_created_idx", "runs", ["repo", "created_at", "id"]);
  await index(db, "runs_status_created_idx", "runs", ["status", "created_at", "id"]);
  await index(db, "runs_workflow_created_idx", "runs", ["workflow_id", "created_at", "id"]);
  await index(db, "audit_run_idx", "audit", ["run_id", "at", "id"]);
}

function index(db: Kysely<unknown>, name: string, table: string, columns: string[]): Promise<void> {
  return db.schema.createIndex(name).on(table).columns(columns).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ["audit", "steps", "runs", "deliveries"]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
