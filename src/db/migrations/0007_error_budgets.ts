import type { Kysely } from "kysely";

// Frozen history, like 0001: `Kysely<unknown>` and literal names.

/**
 * Error budgets per persona and model per repository, shared by every replica:
 * - `agent_calls`: each agent step's model work, `error` null when it succeeded (also the profiles' health);
 * - `agent_budgets`: one row per (repo, persona, model): errors before `counted_from` no longer count (a
 *   suspension's end or a reinstatement), and the suspension in force until `suspended_until`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("agent_calls")
    .addColumn("repo", "text", (c) => c.notNull())
    .addColumn("persona", "text", (c) => c.notNull())
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("at", "bigint", (c) => c.notNull())
    .addColumn("error", "text")
    .execute();
  await db.schema
    .createIndex("agent_calls_budget_idx")
    .on("agent_calls")
    .columns(["repo", "persona", "model", "at"])
    .execute();
  await db.schema
    .createTable("agent_budgets")
    .addColumn("repo", "text", (c) => c.notNull())
    .addColumn("persona", "text", (c) => c.notNull())
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("counted_from", "bigint", (c) => c.notNull())
    .addColumn("suspended_until", "bigint")
    .addColumn("reason", "text")
    .addPrimaryKeyConstraint("agent_budgets_pkey", ["repo", "persona", "model"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("agent_budgets").ifExists().execute();
  await db.schema.dropTable("agent_calls").ifExists().execute();
}
