import type { RunState } from "../core/run/run-state.js";
import type { AuditEntry, RunFilter, RunStore, RunSummary } from "../engine/ports.js";
import { changedSteps, runningSteps } from "./changed-steps.js";
import type { Db } from "./connect.js";
import { dueRunsQuery } from "./due-runs.js";
import { HotQueries } from "./hot-queries.js";
import { listRunsQuery, runSummaryOf } from "./list-runs.js";
import { type CachedRun, RunCache } from "./run-cache.js";
import { withRunLock, withSnapshot } from "./run-lock.js";
import { selectRun, withFreshLeases } from "./run-reads.js";
import { insertRun, writeChanges } from "./run-writes.js";

export interface KyselyRunStoreOptions {
  /** Runs whose last state is kept in memory to skip reloading them in `updateRun` (default 256). */
  readonly cacheSize?: number;
}

/**
 * `RunStore` over SQLite or Postgres. Owns `db`: `close()` closes it.
 *
 * `updateRun` is the hot path (every step event): under the run's lock it reads only the stored `version`; when
 * it matches the state this instance last stored or loaded, that state is reused (with its running steps'
 * leases re-read) instead of reloading every step row, and only the changed rows are written. Another process's
 * write moves the version and forces a full reload, so the cache can never hide a change.
 *
 * @example
 * const store = new KyselyRunStore(await openDatabase(url));
 * const { state } = await store.updateRun(id, (run) => transition(run, event));
 */
export class KyselyRunStore implements RunStore {
  readonly #db: Db;

  /** The open database, for stores that share it (the GitHub App's `GitHubStore`). */
  get database(): Db {
    return this.#db;
  }
  readonly #cache: RunCache;
  readonly #queries: HotQueries;

  constructor(db: Db, options: KyselyRunStoreOptions = {}) {
    this.#db = db;
    this.#cache = new RunCache(options.cacheSize ?? 256);
    this.#queries = new HotQueries(db.dialect);
  }

  async createRun(run: RunState): Promise<void> {
    await this.#db.kysely.transaction().execute((trx) => insertRun(trx, run));
    this.#cache.set({ state: run, running: runningSteps(run) });
  }

  async loadRun(id: string): Promise<RunState | null> {
    const run = await withSnapshot(this.#db, (trx) => selectRun(trx, id));
    if (run) this.#cache.set({ state: run, running: runningSteps(run) });
    return run;
  }

  async updateRun<T extends { state: RunState }>(id: string, fn: (state: RunState) => T): Promise<T> {
    let result: T;
    let stored: CachedRun;
    try {
      [result, stored] = await withRunLock(this.#db, this.#queries, id, async (trx, version) => {
        const cached = this.#cache.get(id);
        const prev =
          cached?.state.version === version
            ? await withFreshLeases(trx, this.#queries, cached)
            : await selectRun(trx, id);
        if (!prev) throw new Error(`run "${id}" not found`);
        const out = fn(prev);
        // Nothing changed: no write, no new version.
        if (out.state === prev) return [out, { state: prev, running: runningSteps(prev) }] as const;
        if (out.state.id !== id) throw new Error(`updateRun("${id}") returned run "${out.state.id}"`);
        const next: RunState = Object.freeze({ ...out.state, version: version + 1 });
        const { changed, running } = changedSteps(prev, next);
        await writeChanges(trx, this.#queries, prev, next, changed);
        return [out, { state: next, running }] as const;
      });
    } catch (err) {
      // The commit may or may not have happened (a dropped connection): reload next time.
      this.#cache.delete(id);
      throw err;
    }
    this.#cache.set(stored);
    return result.state === stored.state ? result : { ...result, state: stored.state };
  }

  async heartbeat(runId: string, stepId: string, worker: string, leaseExpiresAt: number): Promise<boolean> {
    // Deliberately leaves `version` alone: see `withFreshLeases` for how cached states stay exact anyway.
    const result = await this.#db.kysely
      .updateTable("steps")
      .set({ lease_expires_at: leaseExpiresAt })
      .where("run_id", "=", runId)
      .where("step_id", "=", stepId)
      .where("lease_owner", "=", worker)
      .where("status", "=", "running")
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async findDueRuns(now: number, limit: number): Promise<string[]> {
    const rows = await dueRunsQuery(this.#db.kysely, now, limit).execute();
    return rows.map((r) => r.id);
  }

  async listRuns(filter: RunFilter): Promise<RunSummary[]> {
    const rows = await listRunsQuery(this.#db.kysely, filter).execute();
    return rows.map(runSummaryOf);
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    await this.#db.kysely
      .insertInto("audit")
      .values({
        run_id: entry.runId,
        at: entry.at,
        actor: entry.actor,
        action: entry.action,
        step_id: entry.stepId,
        sha: entry.sha,
        reason: entry.reason,
      })
      .execute();
  }

  async listAudit(runId: string): Promise<AuditEntry[]> {
    const rows = await this.#db.kysely
      .selectFrom("audit")
      .select(["run_id", "at", "actor", "action", "step_id", "sha", "reason"])
      .where("run_id", "=", runId)
      .orderBy("at")
      .orderBy("id")
      .execute();
    return rows.map((r) => ({
      runId: r.run_id,
      at: r.at,
      actor: r.actor,
      action: r.action,
      stepId: r.step_id,
      sha: r.sha,
      reason: r.reason,
    }));
  }

  async close(): Promise<void> {
    this.#cache.clear();
    await this.#db.close();
  }
}
