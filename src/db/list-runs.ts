import type { Kysely } from "kysely";
import type { RunFilter, RunSummary } from "../engine/ports.js";
import type { Database, RunsTable } from "./schema.js";

/** Page size when the filter gives none, and the most one page may hold. */
export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 500;

/**
 * Runs newest first, filtered, one keyset page: `before` is the last (createdAt, id) of the previous page.
 * The row-value comparison walks the `runs_*_created_idx` index from that key, so page 200 costs what page 1
 * does (an OFFSET would count through every earlier row).
 */
export function listRunsQuery(db: Kysely<Database>, filter: RunFilter) {
  const limit = Math.min(Math.max(Math.trunc(filter.limit ?? DEFAULT_PAGE), 1), MAX_PAGE);
  let q = db
    .selectFrom("runs")
    .select([
      "id",
      "repo",
      "number",
      "workflow_id",
      "status",
      "head_sha",
      "created_at",
      "started_at",
      "finished_at",
      "tokens",
    ]);
  if (filter.repo !== undefined) q = q.where("repo", "=", filter.repo);
  if (filter.status !== undefined) q = q.where("status", "=", filter.status);
  if (filter.workflowId !== undefined) q = q.where("workflow_id", "=", filter.workflowId);
  const before = filter.before;
  if (before) {
    q = q.where((eb) => eb(eb.refTuple("created_at", "id"), "<", eb.tuple(before.createdAt, before.id)));
  }
  return q.orderBy("created_at", "desc").orderBy("id", "desc").limit(limit);
}

/** A `listRunsQuery` row as the engine's `RunSummary`. */
export function runSummaryOf(
  r: Pick<
    RunsTable,
    | "id"
    | "repo"
    | "number"
    | "workflow_id"
    | "status"
    | "head_sha"
    | "created_at"
    | "started_at"
    | "finished_at"
    | "tokens"
  >,
): RunSummary {
  return {
    id: r.id,
    repo: r.repo,
    number: r.number,
    workflowId: r.workflow_id,
    status: r.status,
    headSha: r.head_sha,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    tokens: r.tokens,
  };
}
