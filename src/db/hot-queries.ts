import type { Insertable, Kysely, Updateable } from "kysely";
import { CompiledQueries } from "./compiled-queries.js";
import type { DialectName } from "./connect.js";
import { STEP_COLUMNS } from "./rows.js";
import type { Database, RunsTable, StepsTable } from "./schema.js";

type StepRowInput = Insertable<StepsTable>;

/** The statements `updateRun` issues for every step event, each compiled once per shape (see CompiledQueries). */
export class HotQueries {
  readonly #compiled = new CompiledQueries();

  constructor(private readonly dialect: DialectName) {}

  /** The run's version; on Postgres also locks its row until the transaction ends. */
  async version(trx: Kysely<Database>, runId: string): Promise<number | undefined> {
    const postgres = this.dialect === "postgres";
    const { rows } = await this.#compiled.execute(
      trx,
      "version",
      () => {
        const q = trx.selectFrom("runs").select("version").where("id", "=", runId);
        return postgres ? q.forUpdate() : q;
      },
      [runId],
    );
    return rows[0]?.version;
  }

  leases(trx: Kysely<Database>, runId: string, stepIds: readonly string[]) {
    return this.#compiled.execute(
      trx,
      `leases:${stepIds.length}`,
      () =>
        trx
          .selectFrom("steps")
          .select(["step_id", "lease_expires_at"])
          .where("run_id", "=", runId)
          .where("step_id", "in", [...stepIds]),
      [runId, ...stepIds],
    );
  }

  /** Inserts or updates steps in one statement; `phase_id` and `kind` never change, so they are not updated. */
  async upsertSteps(trx: Kysely<Database>, rows: readonly StepRowInput[]): Promise<void> {
    const parameters = rows.flatMap((r) => STEP_COLUMNS.map((c) => r[c]));
    await this.#compiled.execute(
      trx,
      `upsert:${rows.length}`,
      () =>
        trx
          .insertInto("steps")
          .values([...rows])
          .onConflict((oc) =>
            oc.columns(["run_id", "step_id"]).doUpdateSet((eb) => ({
              status: eb.ref("excluded.status"),
              attempts: eb.ref("excluded.attempts"),
              not_before: eb.ref("excluded.not_before"),
              lease_owner: eb.ref("excluded.lease_owner"),
              lease_expires_at: eb.ref("excluded.lease_expires_at"),
              started_at: eb.ref("excluded.started_at"),
              finished_at: eb.ref("excluded.finished_at"),
              waiting_for: eb.ref("excluded.waiting_for"),
              output: eb.ref("excluded.output"),
              error: eb.ref("excluded.error"),
              reason: eb.ref("excluded.reason"),
              tokens: eb.ref("excluded.tokens"),
              deadline_at: eb.ref("excluded.deadline_at"),
            })),
          ),
      parameters,
    );
  }

  /** Sets `set` on the run if its version is still `version`; returns how many rows changed (0 or 1). */
  async updateRun(
    trx: Kysely<Database>,
    runId: string,
    version: number,
    set: Updateable<RunsTable>,
  ): Promise<bigint> {
    const columns = Object.keys(set);
    const { numAffectedRows } = await this.#compiled.execute(
      trx,
      `run:${columns.join(",")}`,
      () => trx.updateTable("runs").set(set).where("id", "=", runId).where("version", "=", version),
      [...Object.values(set), runId, version],
    );
    return numAffectedRows ?? 0n;
  }
}
