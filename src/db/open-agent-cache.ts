import { KyselyAgentCache } from "./agent-cache-store.js";
import { openMigrated } from "./migrate.js";

/** An agent cache over its own connection to the database at `url`, and how to close that connection. */
export interface OpenAgentCache {
  readonly cache: KyselyAgentCache;
  close(): Promise<void>;
}

/**
 * Opens the agent cache of the database at `url` (migrating it: a no-op when the run store already has), on
 * a connection of its own so cache reads never wait behind a run's locked update.
 *
 * @example const { cache, close } = await openAgentCache(process.env.DATABASE_URL);
 */
export async function openAgentCache(url: string): Promise<OpenAgentCache> {
  const db = await openMigrated(url);
  return { cache: new KyselyAgentCache(db), close: () => db.close() };
}
