import { CompiledQuery, type Kysely } from "kysely";
import type { Db } from "./connect.js";
import type { HotQueries } from "./hot-queries.js";
import type { Database } from "./schema.js";

const BEGIN_IMMEDIATE = CompiledQuery.raw("begin immediate");
const COMMIT = CompiledQuery.raw("commit");
const ROLLBACK = CompiledQuery.raw("rollback");

function notFound(runId: string): Error {
  return new Error(`run "${runId}" not found`);
}

/**
 * Runs `body` in a transaction that holds the run against every other writer, passing the stored `version`;
 * commits when `body` resolves, rolls back when it throws.
 * - SQLite: `BEGIN IMMEDIATE` takes the database's write lock up front, so the read below can never turn into a
 *   failed lock upgrade (SQLITE_BUSY_SNAPSHOT) when we write.
 * - Postgres: `SELECT … FOR UPDATE` locks just this run's row; other runs proceed in parallel.
 */
export function withRunLock<R>(
  db: Db,
  queries: HotQueries,
  runId: string,
  body: (trx: Kysely<Database>, version: number) => Promise<R>,
): Promise<R> {
  if (db.dialect === "postgres") {
    return db.kysely.transaction().execute(async (trx) => {
      const version = await queries.version(trx, runId); // SELECT … FOR UPDATE
      if (version === undefined) throw notFound(runId);
      return body(trx, version);
    });
  }

  return db.kysely.connection().execute(async (conn) => {
    await conn.executeQuery(BEGIN_IMMEDIATE);
    try {
      const version = await queries.version(conn, runId);
      if (version === undefined) throw notFound(runId);
      const result = await body(conn, version);
      await conn.executeQuery(COMMIT);
      return result;
    } catch (err) {
      await conn.executeQuery(ROLLBACK).catch(() => {});
      throw err;
    }
  });
}

/**
 * Runs `body` on one consistent snapshot (several selects that must agree, such as a run and its steps):
 * a deferred transaction on SQLite (WAL readers see one snapshot), `repeatable read` on Postgres.
 */
export function withSnapshot<R>(db: Db, body: (trx: Kysely<Database>) => Promise<R>): Promise<R> {
  const trx = db.kysely.transaction();
  return (db.dialect === "postgres" ? trx.setIsolationLevel("repeatable read") : trx).execute(body);
}
