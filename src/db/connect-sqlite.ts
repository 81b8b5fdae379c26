import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import type { SqliteDatabase, SqliteStatement } from "kysely";
import { FileLockedSqliteDialect } from "./sqlite-file-lock.js";

/** How long a writer waits for another process's write transaction before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;
/** Distinct SQL texts kept prepared; the store issues a few dozen shapes, the rest is headroom. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * kysely's SQLite driver calls `prepare` for every query; better-sqlite3 statements are reusable, so keep the
 * recent ones (LRU by SQL text). Safe because the driver runs one query at a time and never streams here.
 */
function withStatementCache(db: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => db.close(),
    prepare(sql) {
      let stmt = cache.get(sql);
      if (stmt) {
        cache.delete(sql);
      } else {
        stmt = db.prepare(sql) as unknown as SqliteStatement;
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, stmt);
      return stmt;
    },
  };
}

/**
 * Opens a SQLite file (creating its folder) or `:memory:`, tuned for one writer and many readers:
 * WAL (readers never block the writer), `synchronous=NORMAL` (durable at checkpoints, safe with WAL),
 * `busy_timeout` (wait for other processes' writes instead of failing at once), foreign keys on.
 */
export function sqliteDialect(path: string): FileLockedSqliteDialect {
  const memory = path === ":memory:";
  const file = memory ? path : resolve(path);
  if (!memory) mkdirSync(dirname(file), { recursive: true });
  const raw = new BetterSqlite3(file);
  raw.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  raw.pragma("journal_mode = WAL");
  raw.pragma("synchronous = NORMAL");
  raw.pragma("foreign_keys = ON");
  // Each `:memory:` database is private to its connection, so it needs no lock shared with anyone.
  const lockKey = memory ? `:memory:${Math.random()}` : file;
  return new FileLockedSqliteDialect(lockKey, { database: withStatementCache(raw) });
}
