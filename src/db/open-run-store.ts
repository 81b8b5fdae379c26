import { DEFAULT_DATABASE_URL, openDatabase } from "./connect.js";
import { KyselyRunStore, type KyselyRunStoreOptions } from "./kysely-run-store.js";
import { migrateToLatest } from "./migrate.js";

/**
 * Opens the database at `url`, migrates it, and returns a store that owns it: what the app and CLI call at start.
 *
 * @example
 * const store = await openRunStore(process.env.DATABASE_URL);
 */
export async function openRunStore(
  url: string = DEFAULT_DATABASE_URL,
  options?: KyselyRunStoreOptions,
): Promise<KyselyRunStore> {
  const db = await openDatabase(url);
  try {
    await migrateToLatest(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return new KyselyRunStore(db, options);
}
