import type { Kysely } from "kysely";

// Frozen history, like 0001: `Kysely<unknown>` and literal names.

/**
 * `installation_pace`: each installation's GitHub write schedule (src/github/pace-state.ts), one row per
 * installation, so that replicas on one Postgres reserve their writes from one schedule (`PostgresPaceStore` locks
 * the row for each reservation). Created on SQLite too, to keep one schema, though one process there paces in
 * memory.
 * - `next_write_at`: the earliest start of the installation's next write (epoch ms);
 * - `paused_until`: every request waits until then after a rate limit (epoch ms, 0 when never paused);
 * - `content_starts`: start times of recent content-creating writes, a JSON array of epoch ms, ascending.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("installation_pace")
    .addColumn("installation_id", "bigint", (c) => c.primaryKey())
    .addColumn("next_write_at", "bigint", (c) => c.notNull())
    .addColumn("paused_until", "bigint", (c) => c.notNull())
    .addColumn("content_starts", "text", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("installation_pace").ifExists().execute();
}
