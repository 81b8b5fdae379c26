import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../src/cli/main.js";
import { createDemoRepo } from "./demo-repo.js";

/**
 * `npm run demo`: makes a throwaway git repository with a small pull-request-sized change and a
 * `.agents/workflow.yaml` built on the `feature` template, then runs `phasegate run` in it — SQLite in the
 * repository's .git folder, the heuristic provider (no model key needed). Nothing outside the temp folder changes.
 */
const repo = mkdtempSync(join(tmpdir(), "phasegate-demo-"));
createDemoRepo(repo);

console.log(`Demo repository: ${repo} (branch coupons, base main)\n$ phasegate run\n`);
const code = await main(["run"], {
  cwd: repo,
  env: process.env,
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
});
const bin = resolve(dirname(fileURLToPath(import.meta.url)), "../../bin/phasegate.js");
console.log(`\nSee the stored run: cd ${repo} && node ${bin} status`);
process.exitCode = code;
