// A run-engine process for the crash test: runs (or resumes) one run, logging each step's start and end.
import { appendFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { planWorkflow } from "../../src/core/run/plan.js";
import { newRunState } from "../../src/core/run/run-state.js";
import type { WorkflowFile } from "../../src/core/workflow/workflow.schema.js";
import { openDatabase } from "../../src/db/connect.js";
import { KyselyRunStore } from "../../src/db/kysely-run-store.js";
import { migrateToLatest } from "../../src/db/migrate.js";
import { Engine } from "../../src/engine/engine.js";

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
}
const [DB_URL, RUN_ID, LOG, MODE, LATENCY_MS] = ["DB_URL", "RUN_ID", "LOG", "MODE", "LATENCY_MS"].map(
  env,
) as [string, string, string, string, string];

/** Three layers of three steps, each step needing the whole layer before it. */
export function crashWorkflow(): WorkflowFile {
  const steps = [];
  for (let layer = 0; layer < 3; layer++) {
    for (let i = 0; i < 3; i++) {
      const needs = layer === 0 ? [] : [0, 1, 2].map((j) => `l${layer - 1}-${j}`);
      steps.push({
        id: `l${layer}-${i}`,
        uses: "review" as const,
        ...(needs.length ? { depends_on: needs } : {}),
      });
    }
  }
  return { version: 1, workflows: { crash: { phases: { all: { steps } } } } };
}

const db = await openDatabase(DB_URL);
await migrateToLatest(db);
const store = new KyselyRunStore(db);
const engine = new Engine({
  store,
  leaseMs: 900,
  pollMs: 100,
  executorFor:
    () =>
    async ({ step, signal }) => {
      appendFileSync(LOG, `start ${step.id} ${process.pid}\n`);
      await sleep(Number(LATENCY_MS), undefined, { signal });
      appendFileSync(LOG, `done ${step.id} ${process.pid}\n`);
      return { outcome: "succeeded", output: { summary: "ok" } };
    },
});
const done = engine.settled(RUN_ID);
engine.start();
if (MODE === "create") {
  const facts = {
    source: "local" as const,
    repo: "crash",
    number: null,
    headSha: "c".repeat(40),
    baseRef: "main",
    author: null,
    labels: [],
    changedFiles: [],
    title: null,
  };
  await engine.createRun(
    newRunState({ id: RUN_ID, plan: planWorkflow(crashWorkflow(), "crash"), facts, createdAt: Date.now() }),
  );
}
console.log("started");
const final = await done;
console.log(`finished ${final.status}`);
await engine.stop();
await store.close();
