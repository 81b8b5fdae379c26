import { DEFAULT_DATABASE_URL } from "./connect.js";
import { KyselyRunStore, type KyselyRunStoreOptions } from "./kysely-run-store.js";
import { openMigrated } from "./migrate.js";

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
  return new KyselyRunStore(await openMigrated(url), options);
}
