import { sql } from "kysely";
import type { RunFilter, RunSummary } from "../engine/ports.js";
import type { Db } from "./connect.js";
import { listRunsQuery, runSummaryOf } from "./list-runs.js";

/** A row of the dashboard's runs list: the run's summary, where it came from and its title. */
export interface RunListRow extends RunSummary {
  readonly source: string;
  readonly title: string | null;
}

/**
 * One keyset page of runs for the dashboard: the indexed `listRunsQuery`, then the page's titles by primary key
 * from `run_documents` (titles live in the run's facts; only the page's rows are read).
 */
export async function runListPage(db: Db, filter: RunFilter): Promise<RunListRow[]> {
  const rows = await listRunsQuery(db.kysely, filter).select("source").execute();
  if (rows.length === 0) return [];
  const title =
    db.dialect === "sqlite"
      ? sql<string | null>`json_extract(facts, '$.title')`
      : sql<string | null>`(facts::json)->>'title'`;
  const docs = await db.kysely
    .selectFrom("run_documents")
    .select(["run_id", title.as("title")])
    .where(
      "run_id",
      "in",
      rows.map((r) => r.id),
    )
    .execute();
  const titles = new Map(docs.map((d) => [d.run_id, d.title]));
  return rows.map((r) => ({ ...runSummaryOf(r), source: r.source, title: titles.get(r.id) ?? null }));
}

/** The repositories and workflows that have runs, for the filters: walks the (repo, …) and (workflow_id, …) indexes. */
export async function filterChoices(db: Db): Promise<{ repos: string[]; workflows: string[] }> {
  const [repos, workflows] = await Promise.all([
    db.kysely.selectFrom("runs").select("repo").distinct().orderBy("repo").limit(500).execute(),
    db.kysely.selectFrom("runs").select("workflow_id").distinct().orderBy("workflow_id").limit(500).execute(),
  ]);
  return { repos: repos.map((r) => r.repo), workflows: workflows.map((w) => w.workflow_id) };
}

/** The version of one run (null when there is none): what a run's live page polls to notice changes. */
export async function runVersion(db: Db, id: string): Promise<number | null> {
  const row = await db.kysely.selectFrom("runs").select("version").where("id", "=", id).executeTakeFirst();
  return row?.version ?? null;
}

/** A signature of the first page of runs: changes when a run is added to it or one of them changes. */
export async function listSignature(db: Db, filter: RunFilter): Promise<string> {
  const rows = await listRunsQuery(db.kysely, filter).clearSelect().select(["id", "version"]).execute();
  return rows.map((r) => `${r.id}:${r.version}`).join(",");
}
