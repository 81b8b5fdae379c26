import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterEach, beforeEach, describe } from "vitest";
import { type Db, openDatabase } from "../../src/db/connect.js";
import { KyselyRunStore } from "../../src/db/kysely-run-store.js";
import { migrateToLatest } from "../../src/db/migrate.js";

/** Every database the store must work on; `describe.each(DATABASE_KINDS)` runs a suite on each. */
export const DATABASE_KINDS = ["sqlite", "postgres"] as const;
export type DatabaseKind = (typeof DATABASE_KINDS)[number];

/** The machine's Postgres (trust auth). Each test database is a fresh schema in it. */
export const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** A fresh, isolated database for one test, with a store over it. */
export interface TestDatabase {
  readonly kind: DatabaseKind;
  /** Opens this same database again, as another process would (`openDatabase(url)` works too). */
  readonly url: string;
  readonly db: Db;
  readonly store: KyselyRunStore;
  /** Another connection and store on the same database; closed by `cleanup`. */
  openStore(): Promise<KyselyRunStore>;
  /** Closes every connection opened here and deletes the database (temp folder or schema). */
  cleanup(): Promise<void>;
}

async function isolate(kind: DatabaseKind): Promise<{ url: string; drop: () => Promise<void> }> {
  if (kind === "sqlite") {
    const dir = await mkdtemp(join(tmpdir(), "phasegate-db-"));
    return { url: `sqlite:${join(dir, "test.db")}`, drop: () => rm(dir, { recursive: true, force: true }) };
  }
  // A schema per test, selected by search_path in the URL: parallel vitest workers never see each other's tables.
  // (Not `pg_…`: Postgres reserves that prefix for system schemas.)
  // `test_<run>_<random>`: test/global-setup.ts drops this run's schemas when the run ends.
  const run = process.env.PHASEGATE_TEST_RUN ?? Date.now().toString(36);
  const schema = `test_${run}_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(`create schema ${schema}`);
  } finally {
    await admin.end();
  }
  const url = new URL(POSTGRES_URL);
  url.searchParams.set("options", `-c search_path=${schema}`);
  // Dropped by test/global-setup.ts after the whole run: dropping it now could break another test's migration.
  return { url: url.toString(), drop: async () => {} };
}

/**
 * A fresh database of `kind` (migrated unless `migrate: false`) with a store over it.
 *
 * @example
 * const t = await createTestDatabase("postgres");
 * try { await t.store.createRun(run); } finally { await t.cleanup(); }
 */
export async function createTestDatabase(
  kind: DatabaseKind,
  options: { migrate?: boolean } = {},
): Promise<TestDatabase> {
  const { url, drop } = await isolate(kind);
  const stores: KyselyRunStore[] = [];
  const open = async () => {
    const store = new KyselyRunStore(await openDatabase(url));
    stores.push(store);
    return store;
  };
  const db = await openDatabase(url);
  if (options.migrate !== false) await migrateToLatest(db);
  const store = new KyselyRunStore(db);
  stores.push(store);
  return {
    kind,
    url,
    db,
    store,
    openStore: open,
    cleanup: async () => {
      await Promise.all(stores.map((s) => s.close()));
      await drop();
    },
  };
}

/**
 * Runs `body` once per database kind, each test on a fresh database.
 *
 * @example
 * forEachDatabase("engine", (get) => {
 *   it("resumes", async () => { const { store } = get(); … });
 * });
 */
export function forEachDatabase(name: string, body: (get: () => TestDatabase) => void): void {
  describe.each(DATABASE_KINDS)(`${name} (%s)`, (kind) => {
    let current: TestDatabase | undefined;
    beforeEach(async () => {
      current = await createTestDatabase(kind);
    });
    afterEach(async () => {
      await current?.cleanup();
      current = undefined;
    });
    body(() => {
      if (!current) throw new Error("the test database exists only inside a test");
      return current;
    });
  });
}
