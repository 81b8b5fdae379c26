import { budgetVerdict } from "../core/governance/error-budget.js";
import type { ErrorBudget } from "../core/run/plan.js";
import type { BudgetEntry, GovernancePort, Suspension } from "../engine/ports.js";
import type { Db } from "./connect.js";

/** A suspension in force, with whose it is. */
export interface ActiveSuspension extends Suspension {
  readonly repo: string;
  readonly persona: string;
  readonly model: string;
}

/**
 * Error budgets in the database (SQLite or Postgres): every replica and restart counts into one budget per
 * (repository, persona, model). Recording work and deciding a suspension happen in one transaction that locks
 * the budget's row, so two replicas never both suspend, or both miss the error that spends the budget.
 */
export class GovernanceStore implements GovernancePort {
  constructor(private readonly db: Db) {}

  async suspension(repo: string, persona: string, model: string, now: number): Promise<Suspension | null> {
    const row = await this.db.kysely
      .selectFrom("agent_budgets")
      .select(["suspended_until", "reason"])
      .where("repo", "=", repo)
      .where("persona", "=", persona)
      .where("model", "=", model)
      .where("suspended_until", ">", now)
      .executeTakeFirst();
    return row?.suspended_until != null
      ? { until: Number(row.suspended_until), reason: row.reason ?? "" }
      : null;
  }

  /** The suspensions in force in `repo` at `now`, by `persona\0model`. */
  async suspended(repo: string, now: number): Promise<Map<string, Suspension>> {
    const rows = await this.suspensions(now, repo);
    return new Map(rows.map((r) => [`${r.persona}\0${r.model}`, { until: r.until, reason: r.reason }]));
  }

  /** Records the work; when it spends the budget, suspends for `cooldown` and returns the new suspension. */
  async record(entry: BudgetEntry, budget: ErrorBudget): Promise<Suspension | null> {
    const { repo, persona, model, at } = entry;
    return this.db.kysely.transaction().execute(async (tx) => {
      await tx.insertInto("agent_calls").values({ repo, persona, model, at, error: entry.error }).execute();
      if (entry.error === null) return null;
      await tx
        .insertInto("agent_budgets")
        .values({ repo, persona, model, counted_from: 0, suspended_until: null, reason: null })
        .onConflict((oc) => oc.columns(["repo", "persona", "model"]).doNothing())
        .execute();
      let locked = tx
        .selectFrom("agent_budgets")
        .select(["counted_from", "suspended_until"])
        .where("repo", "=", repo)
        .where("persona", "=", persona)
        .where("model", "=", model);
      if (this.db.dialect === "postgres") locked = locked.forUpdate();
      const row = await locked.executeTakeFirstOrThrow();
      if (row.suspended_until != null && Number(row.suspended_until) > at) return null;
      const from = Math.max(Number(row.counted_from), at - budget.windowMs);
      const events = await tx
        .selectFrom("agent_calls")
        .select(["at", "error"])
        .where("repo", "=", repo)
        .where("persona", "=", persona)
        .where("model", "=", model)
        .where("at", ">=", from)
        .orderBy("at")
        .execute();
      // Replicas record at once, in any order: judge at the latest work seen, so the last to take the lock sees all.
      const latest = Math.max(at, ...events.map((e) => Number(e.at)));
      const verdict = budgetVerdict(
        events.map((e) => ({ at: Number(e.at), error: e.error })),
        budget,
        latest,
      );
      if (!verdict) return null;
      const until = latest + budget.cooldownMs;
      await tx
        .updateTable("agent_budgets")
        .set({ suspended_until: until, reason: verdict.reason, counted_from: until })
        .where("repo", "=", repo)
        .where("persona", "=", persona)
        .where("model", "=", model)
        .execute();
      return { until, reason: verdict.reason };
    });
  }

  /**
   * Ends a persona's suspensions in a repository now (every model of it): its budget starts again. Returns the
   * models reinstated (none when nothing was suspended).
   */
  async reinstate(repo: string, persona: string, now: number): Promise<string[]> {
    return this.db.kysely.transaction().execute(async (tx) => {
      const rows = await tx
        .selectFrom("agent_budgets")
        .select("model")
        .where("repo", "=", repo)
        .where("persona", "=", persona)
        .where("suspended_until", ">", now)
        .execute();
      if (rows.length === 0) return [];
      await tx
        .updateTable("agent_budgets")
        .set({ suspended_until: null, reason: null, counted_from: now })
        .where("repo", "=", repo)
        .where("persona", "=", persona)
        .where("suspended_until", ">", now)
        .execute();
      return rows.map((r) => r.model).sort();
    });
  }

  /** Suspensions in force at `now` (of one repository, or all), by repository, persona and model. */
  async suspensions(now: number, repo?: string): Promise<ActiveSuspension[]> {
    let q = this.db.kysely
      .selectFrom("agent_budgets")
      .select(["repo", "persona", "model", "suspended_until", "reason"])
      .where("suspended_until", ">", now);
    if (repo !== undefined) q = q.where("repo", "=", repo);
    const rows = await q.execute();
    return rows
      .map((r) => ({
        repo: r.repo,
        persona: r.persona,
        model: r.model,
        until: Number(r.suspended_until),
        reason: r.reason ?? "",
      }))
      .sort((a, b) =>
        `${a.repo}\0${a.persona}\0${a.model}`.localeCompare(`${b.repo}\0${b.persona}\0${b.model}`),
      );
  }

  /**
   * Each persona-and-model's health in a repository: 1 − the share of its recorded work that errored since
   * `since` (the error budget's window). Absent when it did no work then.
   */
  async health(repo: string, since: number): Promise<Map<string, number>> {
    const rows = await this.db.kysely
      .selectFrom("agent_calls")
      .select([
        "persona",
        "model",
        (eb) => eb.fn.countAll<number>().as("calls"),
        (eb) => eb.fn.count<number>("error").as("errors"),
      ])
      .where("repo", "=", repo)
      .where("at", ">=", since)
      .groupBy(["persona", "model"])
      .execute();
    return new Map(rows.map((r) => [`${r.persona}\0${r.model}`, 1 - Number(r.errors) / Number(r.calls)]));
  }
}
