import { type Compilable, CompiledQuery, type Kysely, type QueryResult } from "kysely";
import type { Database } from "./schema.js";

function sameValues(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * SQL text compiled once per query shape, then reused with new parameters. Building and compiling a kysely
 * query costs 25–140 µs (measured for the store's hot statements), more than SQLite takes to run it, and
 * `updateRun` issues four of them per step event. On SQLite the driver's statement cache then finds the
 * prepared statement by this same text.
 */
export class CompiledQueries {
  readonly #sql = new Map<string, string>();

  /**
   * Runs the query of shape `key`. `build` is called only the first time; `parameters` must be exactly what
   * kysely binds for it, in its order — checked against the compiled query that first time, so a mismatch
   * fails at once instead of binding values to the wrong columns.
   */
  execute<R>(
    db: Kysely<Database>,
    key: string,
    build: () => Compilable<R>,
    parameters: readonly unknown[],
  ): Promise<QueryResult<R>> {
    let text = this.#sql.get(key);
    if (text === undefined) {
      const compiled = build().compile();
      if (!sameValues(compiled.parameters, parameters)) {
        throw new Error(`compiled query "${key}": parameters differ from kysely's (${compiled.sql})`);
      }
      text = compiled.sql;
      this.#sql.set(key, text);
    }
    return db.executeQuery(CompiledQuery.raw(text, [...parameters]) as CompiledQuery<R>);
  }
}
