import type { Finding } from "../core/findings/finding.js";
import type { AgentCache, CachedReview, CacheEntry } from "../engine/ports.js";
import type { Db } from "./connect.js";

/** Keys per `select … in (…)`: far under SQLite's and Postgres's bound-parameter limits. */
const BATCH = 500;

/**
 * `AgentCache` over the `agent_cache` table (SQLite or Postgres). Does not own `db`.
 *
 * @example
 * const cache = new KyselyAgentCache(db);
 * await cache.putMany([{ key, model, kind, promptVersion, path, review: { findings: [], tokens: 900 } }]);
 */
export class KyselyAgentCache implements AgentCache {
  readonly #db: Db;
  readonly #now: () => number;

  constructor(db: Db, options: { now?: () => number } = {}) {
    this.#db = db;
    this.#now = options.now ?? Date.now;
  }

  async getMany(keys: readonly string[]): Promise<ReadonlyMap<string, CachedReview>> {
    const out = new Map<string, CachedReview>();
    const unique = [...new Set(keys)];
    for (let i = 0; i < unique.length; i += BATCH) {
      const rows = await this.#db.kysely
        .selectFrom("agent_cache")
        .select(["key", "findings", "tokens"])
        .where("key", "in", unique.slice(i, i + BATCH))
        .execute();
      for (const row of rows) {
        out.set(row.key, { findings: JSON.parse(row.findings) as Finding[], tokens: Number(row.tokens) });
      }
    }
    return out;
  }

  async putMany(entries: readonly CacheEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const at = this.#now();
    const rows = entries.map((e) => ({
      key: e.key,
      model: e.model,
      kind: e.kind,
      prompt_version: e.promptVersion,
      path: e.path,
      findings: JSON.stringify(e.review.findings),
      tokens: e.review.tokens,
      created_at: at,
    }));
    for (let i = 0; i < rows.length; i += BATCH / 10) {
      // Two steps reviewing the same file at once both store it: the first result stays.
      await this.#db.kysely
        .insertInto("agent_cache")
        .values(rows.slice(i, i + BATCH / 10))
        .onConflict((oc) => oc.column("key").doNothing())
        .execute();
    }
  }

  /** Deletes entries stored before `before` (epoch ms); returns how many. */
  async prune(before: number): Promise<number> {
    const result = await this.#db.kysely
      .deleteFrom("agent_cache")
      .where("created_at", "<", before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
