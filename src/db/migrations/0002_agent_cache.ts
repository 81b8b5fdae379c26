import type { Kysely } from "kysely";

// Frozen history, like 0001: `Kysely<unknown>` and literal names.

/**
 * Per-file results of model reviews. `key` hashes everything a result depends on (model, step kind, prompt
 * version, persona instructions, path, blob SHA); the plain columns are there to read and prune by.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("agent_cache")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("prompt_version", "text", (c) => c.notNull())
    .addColumn("path", "text", (c) => c.notNull())
    .addColumn("findings", "text", (c) => c.notNull())
    .addColumn("tokens", "bigint", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  // Pruning deletes old entries by age.
  await db.schema.createIndex("agent_cache_created_idx").on("agent_cache").column("created_at").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("agent_cache").ifExists().execute();
}
