import { type Kysely, type MigrationResultSet, Migrator, sql } from "kysely";
import { type Db, openDatabase } from "./connect.js";
import * as init from "./migrations/0001_init.js";
import * as agentCache from "./migrations/0002_agent_cache.js";
import * as github from "./migrations/0003_github.js";
import * as installationPace from "./migrations/0004_installation_pace.js";
import * as jobClaims from "./migrations/0005_job_claims.js";
import * as findings from "./migrations/0006_findings.js";
import * as errorBudgets from "./migrations/0007_error_budgets.js";
import * as shadowFindings from "./migrations/0008_shadow_findings.js";
import type { Database } from "./schema.js";

/** Every migration, in order. A static record: no folder scanning, so bundling and `dist/` layout don't matter. */
const MIGRATIONS = {
  "0001_init": init,
  "0002_agent_cache": agentCache,
  "0003_github": github,
  "0004_installation_pace": installationPace,
  "0005_job_claims": jobClaims,
  "0006_findings": findings,
  "0007_error_budgets": errorBudgets,
  "0008_shadow_findings": shadowFindings,
};

function migrator(db: Kysely<Database>, migrationTableSchema?: string): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => MIGRATIONS },
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  });
}

/**
 * SQLite: kysely takes no lock there (it assumes one connection), so two processes could both apply the same
 * migration. One `BEGIN IMMEDIATE` around the whole run makes it exclusive and atomic (SQLite DDL is
 * transactional); the second process waits on `busy_timeout`, then finds nothing left to do.
 */
function migrateSqlite(db: Db): Promise<MigrationResultSet> {
  return db.kysely.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    let result: MigrationResultSet;
    try {
      result = await migrator(conn).migrateToLatest();
    } catch (err) {
      await sql`rollback`.execute(conn);
      throw err;
    }
    await sql.raw(result.error ? "rollback" : "commit").execute(conn);
    return result;
  });
}

/**
 * Postgres: kysely holds an advisory lock in a transaction. Its bookkeeping tables go in `current_schema()`
 * explicitly; left unqualified, kysely would find another schema's `kysely_migration` and skip creating its own.
 */
async function migratePostgres(db: Db): Promise<MigrationResultSet> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db.kysely);
  const schema = rows[0]?.schema;
  if (!schema)
    throw new Error("Postgres has no current schema: check search_path and that the schema exists");
  return migrator(db.kysely, schema).migrateToLatest();
}

/**
 * Applies pending migrations; returns their names (empty when up to date). Safe to run twice, and from two
 * processes at once. Throws an Error naming the failed migration, with the database's error as `cause`.
 *
 * @example
 * const db = await openDatabase(url);
 * await migrateToLatest(db);
 */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const { error, results = [] } =
    db.dialect === "sqlite" ? await migrateSqlite(db) : await migratePostgres(db);
  if (error) {
    const failed = results.find((r) => r.status === "Error")?.migrationName;
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(
      failed ? `database migration "${failed}" failed: ${message}` : `database migration failed: ${message}`,
      { cause: error },
    );
  }
  return results.filter((r) => r.status === "Success").map((r) => r.migrationName);
}

/**
 * Names of migrations not yet applied to `db` (empty when current); reads kysely's bookkeeping, changes nothing.
 * On Postgres, looks in `current_schema()`, as `migrateToLatest` does.
 */
export async function pendingMigrations(db: Db): Promise<string[]> {
  let schema: string | undefined;
  if (db.dialect === "postgres") {
    const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(
      db.kysely,
    );
    schema = rows[0]?.schema ?? undefined;
  }
  const all = await migrator(db.kysely, schema).getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}

/** Opens the database at `url` and migrates it; the connection is closed again if migrating fails. */
export async function openMigrated(url: string): Promise<Db> {
  const db = await openDatabase(url);
  try {
    await migrateToLatest(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
