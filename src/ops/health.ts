import { sql } from "kysely";
import type { Db } from "../db/connect.js";
import { pendingMigrations } from "../db/migrate.js";

/** What `/healthz` answers: no URLs, no error messages (they can name hosts), only what failed. */
export type Health =
  | { readonly status: "ok"; readonly database: "ok"; readonly migrations: "current" }
  | {
      readonly status: "fail";
      readonly database: "ok" | "unreachable";
      readonly migrations?: "current" | "pending" | "unknown";
      readonly pending?: readonly string[];
    };

/** Checks that the database answers a trivial query and that every migration is applied. */
export async function checkHealth(db: Db): Promise<Health> {
  try {
    await sql`select 1`.execute(db.kysely);
  } catch {
    return { status: "fail", database: "unreachable" };
  }
  let pending: string[];
  try {
    pending = await pendingMigrations(db);
  } catch {
    return { status: "fail", database: "ok", migrations: "unknown" };
  }
  if (pending.length > 0) return { status: "fail", database: "ok", migrations: "pending", pending };
  return { status: "ok", database: "ok", migrations: "current" };
}
