import type { Kysely, Transaction } from "kysely";
import { EMPTY_PACE_STATE, type PaceState } from "../core/pacing/pace-state.js";
import type { PaceChange, PaceStore } from "../core/pacing/pace-store.js";
import type { Db } from "./connect.js";
import type { Database } from "./schema.js";

interface PaceRow {
  next_write_at: number;
  paused_until: number;
  content_starts: string;
}

/**
 * Installations' GitHub write schedules in the `installation_pace` table, shared by every replica on one
 * Postgres: each reservation is one short transaction that locks the installation's row (`SELECT … FOR UPDATE`;
 * the row is inserted on first use with `ON CONFLICT DO NOTHING`), places the waiting writes with the pure
 * `reserveWrite` and stores the new schedule. Replicas therefore take turns on one schedule: one installation's
 * writes start a second apart and stay under the content caps however many processes send them, and a rate-limit
 * pause seen by one replica holds every replica's requests.
 *
 * Why a shared schedule rather than giving each installation to one replica (ownership with leases): any replica
 * can serve any webhook and step any run (the engine's step leases and the job queue spread the work freely), so
 * with ownership a replica would have to forward its GitHub calls to the owner, or runs would have to follow
 * installations; a lease handover (a crash, a deploy, rebalancing) would stall the installation until the lease
 * expires; and one row lock per write is cheap next to GitHub's own pace of about one write a second per
 * installation. Reads cost one primary-key lookup (for the pause), shared by the reads waiting at that moment.
 *
 * Postgres only: SQLite has no `FOR UPDATE`, and one process paces there in memory (`memoryPaceStore`).
 */
export class PostgresPaceStore implements PaceStore {
  readonly #kysely: Kysely<Database>;

  constructor(db: Db) {
    if (db.dialect !== "postgres") {
      throw new Error("PostgresPaceStore needs Postgres; a single SQLite process paces in memory");
    }
    this.#kysely = db.kysely;
  }

  async read(installationId: number): Promise<PaceState> {
    const row = await this.#kysely
      .selectFrom("installation_pace")
      .select(["next_write_at", "paused_until", "content_starts"])
      .where("installation_id", "=", installationId)
      .executeTakeFirst();
    return row ? toState(row) : EMPTY_PACE_STATE;
  }

  update<T>(installationId: number, change: (state: PaceState) => PaceChange<T>): Promise<T> {
    return this.#kysely.transaction().execute(async (trx) => {
      let row = await lockRow(trx, installationId);
      if (!row) {
        // First use: create the row; a replica racing to create it too waits here for the first insert to commit.
        await trx
          .insertInto("installation_pace")
          .values({
            installation_id: installationId,
            next_write_at: EMPTY_PACE_STATE.nextWriteAt,
            paused_until: EMPTY_PACE_STATE.pausedUntil,
            content_starts: "[]",
          })
          .onConflict((oc) => oc.column("installation_id").doNothing())
          .execute();
        row = await lockRow(trx, installationId);
        if (!row) throw new Error(`installation_pace row of installation ${installationId} is missing`);
      }
      const { state, result } = change(toState(row));
      await trx
        .updateTable("installation_pace")
        .set({
          next_write_at: state.nextWriteAt,
          paused_until: state.pausedUntil,
          content_starts: JSON.stringify(state.contentStarts),
        })
        .where("installation_id", "=", installationId)
        .execute();
      return result;
    });
  }
}

function lockRow(trx: Transaction<Database>, installationId: number): Promise<PaceRow | undefined> {
  return trx
    .selectFrom("installation_pace")
    .select(["next_write_at", "paused_until", "content_starts"])
    .where("installation_id", "=", installationId)
    .forUpdate()
    .executeTakeFirst();
}

function toState(row: PaceRow): PaceState {
  const starts: unknown = JSON.parse(row.content_starts);
  return {
    nextWriteAt: Number(row.next_write_at),
    pausedUntil: Number(row.paused_until),
    contentStarts: Array.isArray(starts) ? starts.map(Number) : [],
  };
}
