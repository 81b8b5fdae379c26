import { type Kysely, sql } from "kysely";

// Frozen history, like 0001: `Kysely<unknown>` and literal names.

/**
 * What the GitHub App keeps beside runs:
 * - `deliveries.job`: the work a webhook asked for, done by the job queue; `done_at` null until it finished, so
 *   a restart finishes what was acknowledged but not yet done;
 * - `effects`: every write to GitHub a run makes (check runs, reviews, merge, deployments, comments), recorded
 *   before and after it is made, so a restart or an uncertain 5xx finds what exists instead of posting twice;
 * - `posted_findings`: fingerprints of findings already posted on a PR, so re-runs never repeat one;
 * - `protection_requests`: deployment protection rules waiting for a run's gates to pass;
 * - indexes to find a PR's runs and a SHA's runs.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("deliveries").addColumn("job", "text").execute();
  await db.schema.alterTable("deliveries").addColumn("done_at", "bigint").execute();
  await db.schema
    .createIndex("deliveries_pending_idx")
    .on("deliveries")
    .column("received_at")
    .where(sql.ref("done_at"), "is", null)
    .execute();

  await db.schema
    .createTable("effects")
    .addColumn("run_id", "text", (c) => c.notNull())
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("github_id", "text")
    .addColumn("data", "text")
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("effects_pkey", ["run_id", "key"])
    .execute();

  // Finds a run by what it made on GitHub, e.g. the run whose merge produced a commit (deployment protection).
  await db.schema.createIndex("effects_github_idx").on("effects").columns(["key", "github_id"]).execute();

  await db.schema
    .createTable("posted_findings")
    .addColumn("repo", "text", (c) => c.notNull())
    .addColumn("number", "integer", (c) => c.notNull())
    .addColumn("fingerprint", "text", (c) => c.notNull())
    .addColumn("posted_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("posted_findings_pkey", ["repo", "number", "fingerprint"])
    .execute();

  await db.schema
    .createTable("protection_requests")
    .addColumn("callback_url", "text", (c) => c.primaryKey())
    .addColumn("repo", "text", (c) => c.notNull())
    .addColumn("installation_id", "bigint", (c) => c.notNull())
    .addColumn("sha", "text", (c) => c.notNull())
    .addColumn("environment", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("answered_at", "bigint")
    .addColumn("answer", "text")
    .execute();
  await db.schema
    .createIndex("protection_requests_open_idx")
    .on("protection_requests")
    .columns(["repo", "sha"])
    .where(sql.ref("answered_at"), "is", null)
    .execute();

  await db.schema
    .createIndex("runs_repo_number_idx")
    .on("runs")
    .columns(["repo", "number", "created_at"])
    .execute();
  await db.schema.createIndex("runs_repo_sha_idx").on("runs").columns(["repo", "head_sha"]).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const index of ["runs_repo_sha_idx", "runs_repo_number_idx"]) {
    await db.schema.dropIndex(index).ifExists().execute();
  }
  for (const table of ["protection_requests", "posted_findings", "effects"]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
  await db.schema.dropIndex("deliveries_pending_idx").ifExists().execute();
  await db.schema.alterTable("deliveries").dropColumn("done_at").execute();
  await db.schema.alterTable("deliveries").dropColumn("job").execute();
}
