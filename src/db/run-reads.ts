import type { Kysely } from "kysely";
import type { RunState, StepState } from "../core/run/run-state.js";
import type { HotQueries } from "./hot-queries.js";
import { STEP_STATE_COLUMNS, toRunState } from "./rows.js";
import type { CachedRun } from "./run-cache.js";
import type { Database } from "./schema.js";

/** Reads a run and all its steps; call inside a snapshot or a lock so both agree. */
export async function selectRun(trx: Kysely<Database>, id: string): Promise<RunState | null> {
  const row = await trx.selectFrom("runs").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row) return null;
  const doc = await trx
    .selectFrom("run_documents")
    .select(["plan", "facts"])
    .where("run_id", "=", id)
    .executeTakeFirstOrThrow(() => new Error(`run "${id}" has no plan stored`));
  const steps = await trx.selectFrom("steps").select(STEP_STATE_COLUMNS).where("run_id", "=", id).execute();
  return toRunState(row, doc, steps);
}

/**
 * A cached state with the leases of its running steps re-read from the database. Heartbeats extend leases
 * without bumping the run's version (they are frequent and must not contend with the run's writers), so a cached
 * state of the current version is exact except for those expiry times — and the engine decides from them
 * whether a lease expired. Only running steps can have been heartbeated: a few primary-key lookups.
 */
export async function withFreshLeases(
  trx: Kysely<Database>,
  queries: HotQueries,
  cached: CachedRun,
): Promise<RunState> {
  const { state: run, running } = cached;
  if (running.length === 0) return run;

  const { rows } = await queries.leases(trx, run.id, running);
  const fresh: StepState[] = [];
  for (const row of rows) {
    const step = run.steps.get(row.step_id);
    if (!step || step.leaseExpiresAt === row.lease_expires_at) continue;
    fresh.push(Object.freeze({ ...step, leaseExpiresAt: row.lease_expires_at }));
  }
  return fresh.length > 0 ? Object.freeze({ ...run, steps: run.steps.with(fresh) }) : run;
}
