import { PostgresDialect } from "kysely";
import pg from "pg";

const INT8_OID = 20;

/** `int8` (bigint, count(*)) as a JS number; epoch ms and token counts stay far below 2^53. */
function parseInt8(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`bigint ${value} does not fit a JS number`);
  return n;
}

/** Type parsers of this pool only: the global `pg.types` stays untouched for other libraries. */
const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8_OID && format !== "binary"
      ? parseInt8
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** `postgres://user:secret@host:5432/db` → `postgres://user@host:5432/db`, safe to print. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    u.password = "";
    return `${u.protocol}//${u.username ? `${u.username}@` : ""}${u.host}${u.pathname}`;
  } catch {
    return "postgres://…";
  }
}

/** Opens a pool and checks it can connect, so a wrong URL fails at start-up with a readable message. */
export async function postgresDialect(url: string): Promise<PostgresDialect> {
  const pool = new pg.Pool({ connectionString: url, types });
  // An idle client's error (server restart) must not crash the process; the pool drops that client.
  pool.on("error", () => {});
  try {
    await pool.query("select 1");
  } catch (err) {
    await pool.end().catch(() => {});
    throw new Error(`cannot connect to Postgres at ${redact(url)}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return new PostgresDialect({ pool });
}
