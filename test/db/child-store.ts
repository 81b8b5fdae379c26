// Entry point of a separate Node process (see processes.ts): what a second app or CLI process does to the
// same database. Reads its task from PHASEGATE_CHILD, connects, prints "ready", waits for "go" on stdin so
// that every participant starts at once, then prints its result as JSON on the last line.
import { once } from "node:events";
import { openDatabase } from "../../src/db/connect.js";
import { KyselyRunStore } from "../../src/db/kysely-run-store.js";
import { migrateToLatest } from "../../src/db/migrate.js";

export type ChildTask =
  | { readonly task: "migrate"; readonly url: string }
  /** `count` sequential updateRuns, each adding 1 to the run's tokens and to `stepId`'s attempts. */
  | {
      readonly task: "increment";
      readonly url: string;
      readonly runId: string;
      readonly stepId: string;
      readonly count: number;
    };

const input = JSON.parse(process.env.PHASEGATE_CHILD ?? "{}") as ChildTask;
const db = await openDatabase(input.url);
const store = new KyselyRunStore(db);
try {
  // Connect (and cache the run) before the start signal, so the timed part is only the contended work.
  if (input.task === "increment") await store.loadRun(input.runId);
  else await db.kysely.selectNoFrom((eb) => eb.lit(1).as("one")).execute();
  process.stdout.write("ready\n");
  await once(process.stdin, "data");
  process.stdin.destroy(); // else the open pipe keeps this process alive after its work

  let result: unknown;
  if (input.task === "migrate") {
    result = await migrateToLatest(db);
  } else {
    for (let i = 0; i < input.count; i++) {
      await store.updateRun(input.runId, (run) => {
        const step = run.steps.get(input.stepId)!;
        const steps = run.steps.with([{ ...step, attempts: step.attempts + 1 }]);
        return { state: { ...run, tokens: run.tokens + 1, steps } };
      });
    }
    result = input.count;
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await store.close();
}
