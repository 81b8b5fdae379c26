import { join } from "node:path";
import type { KyselyRunStore } from "../db/kysely-run-store.js";
import { openRunStore } from "../db/open-run-store.js";
import { UsageError } from "./load-workflow.js";

/**
 * The CLI keeps its runs in `DATABASE_URL` when set (to inspect a server's runs), else in the repository's
 * `.git/phasegate.db`, so a local run never leaves files in the work tree.
 */
export function openStore(env: NodeJS.ProcessEnv, gitDir: string | null): Promise<KyselyRunStore> {
  return openRunStore(storeUrl(env, gitDir));
}

/** The database the CLI uses: `DATABASE_URL`, else `.git/phasegate.db`. */
export function storeUrl(env: NodeJS.ProcessEnv, gitDir: string | null): string {
  const url = env.DATABASE_URL ?? (gitDir ? `sqlite:${join(gitDir, "phasegate.db")}` : null);
  if (!url) throw new UsageError("not inside a git repository: set DATABASE_URL to read a server's runs");
  return url;
}
