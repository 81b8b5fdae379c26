import { type Kysely, sql } from "kysely";
import type { Database } from "./schema.js";

// Literals, not parameters: SQLite uses a partial index only when the query's WHERE provably implies the
// index's WHERE, which it cannot know of a bound `?`.
const READY = sql.lit<"ready">("ready");
const RUNNING = sql.lit<"running">("running");

/**
 * Ids of unfinished runs with due work at `now`, newest first. Each branch of the union is a range scan of one
 * partial index of live steps (`steps_ready_idx`, `steps_lease_idx`, `steps_deadline_idx`), so finished steps
 * are never visited; the few runs found are then fetched by primary key and sorted. Reads the database, never
 * a cache: heartbeats from any process are seen.
 *
 * Expired means `lease_expires_at <= now`, as `transition` decides (`lease-expired` ignores a lease still > now).
 */
export function dueRunsQuery(db: Kysely<Database>, now: number, limit: number) {
  const due = db
    .selectFrom("steps")
    .select("run_id")
    .where("status", "=", READY)
    .where("not_before", "is", null)
    .union(db.selectFrom("steps").select("run_id").where("status", "=", READY).where("not_before", "<=", now))
    .union(
      db
        .selectFrom("steps")
        .select("run_id")
        .where("status", "=", RUNNING)
        .where("lease_expires_at", "<=", now),
    )
    // deadline_at is non-null only for running and waiting steps (rows.ts), as steps_deadline_idx assumes.
    .union(db.selectFrom("steps").select("run_id").where("deadline_at", "<=", now));
  return db
    .selectFrom("runs")
    .select("id")
    .where("id", "in", due)
    .where("status", "in", ["queued", "running", "waiting"])
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(limit);
}
