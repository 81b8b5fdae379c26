import type { Kysely } from "kysely";

// Frozen history, like 0001: `Kysely<unknown>` and literal names.

/**
 * Several app processes (replicas) share one queue of webhook jobs: the process that acknowledged a delivery
 * claims its job until `claimed_until` and renews the claim while it works; a job whose claim ran out (its
 * process died) is claimed by another process, once. Rows from before have no claim: any process may take them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("deliveries").addColumn("claimed_by", "text").execute();
  await db.schema.alterTable("deliveries").addColumn("claimed_until", "bigint").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("deliveries").dropColumn("claimed_until").execute();
  await db.schema.alterTable("deliveries").dropColumn("claimed_by").execute();
}
