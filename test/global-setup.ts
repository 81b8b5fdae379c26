import pg from "pg";
import { POSTGRES_URL } from "./db/databases.js";

/**
 * Test databases on Postgres are schemas named `test_<run>_<random>`, `<run>` being this test run's start time
 * (base 36). They are dropped here after the whole run, never while tests run: dropping a schema while another
 * test's migrator lists tables can fail that migrator with "schema … does not exist". Only this run's schemas are
 * dropped, plus those of runs older than an hour (killed runs), so a second run on the same machine (a single test
 * file while the suite runs) never drops the first one's.
 */
const RUN = Date.now().toString(36);
const STALE_MS = 60 * 60_000;

async function dropSchemas(which: (run: string) => boolean): Promise<void> {
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
    for (const { name } of rows) {
      const run = /^test_([0-9a-z]+)_[0-9a-f]+$/.exec(name)?.[1];
      // Schemas of the old naming (`test_<hex>`) have no run: treat them as stale.
      if (run === undefined || which(run)) await client.query(`drop schema if exists "${name}" cascade`);
    }
  } finally {
    await client.end();
  }
}

/** How many projects (test/vitest.config.ts) have set up and not yet torn down: each runs this file. */
const users = globalThis as { phasegateGlobalSetups?: number };

export async function setup(): Promise<() => Promise<void>> {
  process.env.PHASEGATE_TEST_RUN ??= RUN;
  const run = process.env.PHASEGATE_TEST_RUN;
  users.phasegateGlobalSetups = (users.phasegateGlobalSetups ?? 0) + 1;
  if (users.phasegateGlobalSetups === 1)
    await dropSchemas((r) => Date.now() - Number.parseInt(r, 36) > STALE_MS);
  // A project that finished first must not drop the schemas another project's tests still use.
  return async () => {
    users.phasegateGlobalSetups = (users.phasegateGlobalSetups ?? 1) - 1;
    if (users.phasegateGlobalSetups === 0) await dropSchemas((r) => r === run);
  };
}
