import type { Kysely } from "kysely";

// Frozen history, like 0001: `Kysely<unknown>` and literal names.

/**
 * Shadow models: `shadow_runs` keeps, per agent step of a run, what the persona's shadow model found on the same
 * input beside what the primary found (fingerprints, severities, titles, files, lines, task types; never a
 * finding's body), what each cost and how long each took, and why the shadow fell short (`error`). One row per
 * (run, step): a retried step replaces it. Shadow findings are never posted; their judgements are read from the
 * `findings` ledger by (repo, number, fingerprint) when the comparison is shown, so later judgements apply.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("shadow_runs")
    .addColumn("run_id", "text", (c) => c.notNull())
    .addColumn("step_id", "text", (c) => c.notNull())
    .addColumn("repo", "text", (c) => c.notNull())
    .addColumn("number", "integer")
    .addColumn("persona", "text", (c) => c.notNull())
    .addColumn("primary_model", "text", (c) => c.notNull())
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("step_kind", "text", (c) => c.notNull())
    .addColumn("findings", "text", (c) => c.notNull())
    .addColumn("primary_findings", "text", (c) => c.notNull())
    .addColumn("tokens", "bigint", (c) => c.notNull())
    .addColumn("primary_tokens", "bigint", (c) => c.notNull())
    .addColumn("latency_ms", "bigint", (c) => c.notNull())
    .addColumn("primary_latency_ms", "bigint", (c) => c.notNull())
    .addColumn("error", "text")
    .addColumn("at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("shadow_runs_pkey", ["run_id", "step_id"])
    .execute();
  await db.schema.createIndex("shadow_runs_repo_idx").on("shadow_runs").columns(["repo", "at"]).execute();
  await db.schema.createIndex("shadow_runs_at_idx").on("shadow_runs").columns(["at"]).execute();
  // Judgements are looked up per PR: the ledger's findings of PRs shadows ran on.
  await db.schema.createIndex("shadow_runs_pr_idx").on("shadow_runs").columns(["repo", "number"]).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("shadow_runs").ifExists().execute();
}
