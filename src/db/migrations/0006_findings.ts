import { type Kysely, sql } from "kysely";

// Frozen history, like 0001: `Kysely<unknown>` and literal names.

/**
 * Findings that learn from their reviewers:
 * - `findings`: the ledger of every finding posted on a PR (inline, in a review body, or held back), one row per
 *   fingerprint, with who made it (persona, model, step kind, task type), where it went (review, comment, thread)
 *   and its state (`open`, `useful`, `wrong`, `addressed`, `dismissed`). Learning profiles are computed from the
 *   judged rows of a repository and persona: one indexed query (`findings_judged_idx`).
 * - `finding_judgements`: every judgement as it came (reply, reaction, thread, push), by whom, with its reason,
 *   whether it changed the state: the audit trail of what the app learned.
 * Rows of `posted_findings` from before stay: those fingerprints are still never posted again.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("findings")
    .addColumn("repo", "text", (c) => c.notNull())
    .addColumn("number", "integer", (c) => c.notNull())
    .addColumn("fingerprint", "text", (c) => c.notNull())
    .addColumn("run_id", "text", (c) => c.notNull())
    .addColumn("step_id", "text", (c) => c.notNull())
    .addColumn("persona", "text", (c) => c.notNull())
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("step_kind", "text", (c) => c.notNull())
    .addColumn("task_type", "text", (c) => c.notNull())
    .addColumn("file", "text", (c) => c.notNull())
    .addColumn("line", "integer")
    .addColumn("severity", "text", (c) => c.notNull())
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("source", "text")
    .addColumn("code_hash", "text")
    .addColumn("posted_in", "text", (c) => c.notNull())
    .addColumn("review_id", "text")
    .addColumn("comment_id", "text")
    .addColumn("thread_id", "text")
    .addColumn("head_sha", "text", (c) => c.notNull())
    .addColumn("posted_at", "bigint", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("explicit", "integer", (c) => c.notNull())
    .addColumn("judged_by", "text")
    .addColumn("judged_at", "bigint")
    .addColumn("reason", "text")
    .addColumn("clears", "integer", (c) => c.notNull())
    .addColumn("learn", "integer", (c) => c.notNull())
    .addColumn("code_changed_at", "bigint")
    .addColumn("thread_resolved_at", "bigint")
    .addColumn("reactions_read_at", "bigint")
    .addPrimaryKeyConstraint("findings_pkey", ["repo", "number", "fingerprint"])
    .execute();
  await db.schema
    .createIndex("findings_judged_idx")
    .on("findings")
    .columns(["repo", "persona", "judged_at"])
    .where(sql.ref("learn"), "=", 1)
    .execute();
  await db.schema
    .createIndex("findings_comment_idx")
    .on("findings")
    .columns(["repo", "comment_id"])
    .execute();

  await db.schema
    .createTable("finding_judgements")
    .addColumn("repo", "text", (c) => c.notNull())
    .addColumn("number", "integer", (c) => c.notNull())
    .addColumn("fingerprint", "text", (c) => c.notNull())
    .addColumn("judgement", "text", (c) => c.notNull())
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("actor", "text", (c) => c.notNull())
    .addColumn("reason", "text")
    .addColumn("applied", "integer", (c) => c.notNull())
    .addColumn("at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("finding_judgements_pr_idx")
    .on("finding_judgements")
    .columns(["repo", "number", "at"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("finding_judgements").ifExists().execute();
  await db.schema.dropTable("findings").ifExists().execute();
}
