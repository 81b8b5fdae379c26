import type { Kysely } from "kysely";
import type { RunState, StepState } from "../core/run/run-state.js";
import type { HotQueries } from "./hot-queries.js";
import { changedDocument, changedRunColumns, toRunDocument, toRunRow, toStepRow } from "./rows.js";
import type { Database } from "./schema.js";

/** Rows per multi-row statement: 17 columns × 500 stays under SQLite's and Postgres's parameter limits. */
const CHUNK = 500;

/** Inserts a new run and all its steps (inside the caller's transaction). */
export async function insertRun(trx: Kysely<Database>, run: RunState): Promise<void> {
  await trx.insertInto("runs").values(toRunRow(run)).execute();
  await trx.insertInto("run_documents").values(toRunDocument(run)).execute();
  const rows = run.steps.values().map((s) => toStepRow(run, s));
  for (let i = 0; i < rows.length; i += CHUNK) {
    await trx
      .insertInto("steps")
      .values(rows.slice(i, i + CHUNK))
      .execute();
  }
}

/**
 * Writes the difference between two states of one run: `changed`, the steps whose objects differ (see
 * `changedSteps`), upserted so a step missing from `prev` is inserted; then the run row's changed columns and
 * its new version. Call under the run's lock.
 */
export async function writeChanges(
  trx: Kysely<Database>,
  queries: HotQueries,
  prev: RunState,
  next: RunState,
  changed: readonly StepState[],
): Promise<void> {
  for (let i = 0; i < changed.length; i += CHUNK) {
    await queries.upsertSteps(
      trx,
      changed.slice(i, i + CHUNK).map((s) => toStepRow(next, s)),
    );
  }
  const doc = changedDocument(prev, next);
  if (doc) await trx.updateTable("run_documents").set(doc).where("run_id", "=", next.id).execute();
  const updated = await queries.updateRun(trx, next.id, prev.version, changedRunColumns(prev, next));
  // The caller holds the run's lock, so this cannot happen unless that lock is broken: fail loudly, never
  // overwrite someone else's write.
  if (updated !== 1n) throw new Error(`run "${next.id}" changed under its lock (lost update)`);
}
