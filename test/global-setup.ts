import pg from "pg";
import { POSTGRES_URL } from "./db/databases.js";

/**
 * Test databases on Postgres are schemas named `test_<random>`. They are dropped here, once, before and after the
 * whole run, never while tests run: dropping a schema while another test's migrator lists tables can fail that
 * migrator with "schema … does not exist" (Postgres resolves every schema the catalog query touches).
 */
async function dropTestSchemas(): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  try {
    await client.connect();
  } catch {
    return; // No Postgres here: its tests report that themselves.
  }
  try {
    const { rows } = await client.query<{ name: string }>(
      "select nspname as name from pg_namespace where nspname like 'test\\_%'",
    );
    for (const { name } of rows) await client.query(`drop schema if exists "${name}" cascade`);
  } finally {
    await client.end();
  }
}

export async function setup(): Promise<() => Promise<void>> {
  await dropTestSchemas();
  return dropTestSchemas;
}
