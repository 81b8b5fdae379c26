import { Kysely } from "kysely";
import { postgresDialect } from "./connect-postgres.js";
import { sqliteDialect } from "./connect-sqlite.js";
import type { Database } from "./schema.js";

/** Where state lives when `DATABASE_URL` is unset. */
export const DEFAULT_DATABASE_URL = "sqlite:./data/phasegate.db";

export type DialectName = "sqlite" | "postgres";

/** An open database: the query builder, which dialect it speaks, and how to close it. */
export interface Db {
  readonly kysely: Kysely<Database>;
  readonly dialect: DialectName;
  /** Closes every connection; safe to call twice. */
  close(): Promise<void>;
}

function wrap(kysely: Kysely<Database>, dialect: DialectName): Db {
  let closing: Promise<void> | undefined;
  return { kysely, dialect, close: () => (closing ??= kysely.destroy()) };
}

/**
 * Opens `sqlite:<path>` (folder created; `sqlite::memory:` for a private in-memory database) or
 * `postgres://…` / `postgresql://…`. Does not migrate: call `migrateToLatest` next.
 *
 * @example
 * const db = await openDatabase(process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL);
 */
export async function openDatabase(url: string): Promise<Db> {
  if (url.startsWith("sqlite:")) {
    const path = url.slice("sqlite:".length);
    if (path === "") throw new Error('DATABASE_URL "sqlite:" needs a path, e.g. sqlite:./data/phasegate.db');
    return wrap(new Kysely<Database>({ dialect: sqliteDialect(path) }), "sqlite");
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    return wrap(new Kysely<Database>({ dialect: await postgresDialect(url) }), "postgres");
  }
  throw new Error(
    `unsupported DATABASE_URL "${url.split(":")[0]}:…": use sqlite:<path> (e.g. ${DEFAULT_DATABASE_URL}), ` +
      "sqlite::memory:, or postgres://user@host:5432/db (postgresql:// works too)",
  );
}
