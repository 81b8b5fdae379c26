import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseUnifiedDiff } from "../src/core/diff/parse-unified-diff.js";
import { planWorkflow } from "../src/core/run/plan.js";
import { newRunState } from "../src/core/run/run-state.js";
import { parseWorkflow } from "../src/core/workflow/parse-workflow.js";
import { DEFAULTS } from "../src/core/workflow/workflow.schema.js";
import { openDatabase } from "../src/db/connect.js";
import { KyselyRunStore } from "../src/db/kysely-run-store.js";
import { migrateToLatest } from "../src/db/migrate.js";
import { Engine } from "../src/engine/engine.js";
import { agentExecutor } from "../src/engine/executors/agent-executor.js";
import { dryRunExecutor } from "../src/engine/executors/dry-run.js";
import { OpenAIProvider } from "../src/llm/openai-provider.js";
import { loadTokenCounter } from "../src/llm/tokenizer.js";
import { fmt, quantile } from "./stats.js";

/** The standard workflow of the app's end-to-end tests: review, security and tests in parallel, then a gate. */
const STANDARD_YAML = `version: 1
workflows:
  ship:
    on:
      pull_request:
    phases:
      review:
        steps:
          - { id: code-review, uses: review, fail_on: high }
          - { id: security, uses: security }
          - { id: tests, uses: tests }
      approve:
        depends_on: [review]
        steps:
          - { id: approval, uses: approval, with: { count: 1 } }
`;

const DIFF = `diff --git a/src/app.ts b/src/app.ts
--- a/src/app.ts
+++ b/src/app.ts
@@ -1,2 +1,4 @@
 export const a = 1;
+console.log("debug", a);
+// TODO: remove this hack
 export const b = 2;
`;

/** One run of the standard phase against a model endpoint that is down. */
export interface OutageRun {
  readonly breaker: boolean;
  readonly modelRequests: number;
  /** From the run's creation to its end (failed). */
  readonly failMs: number;
  readonly status: string;
  /** Each agent step's attempts and last error. */
  readonly steps: readonly {
    readonly id: string;
    readonly attempts: number;
    readonly error: string | null;
  }[];
}

/** An OpenAI-compatible endpoint on 127.0.0.1 answering 500 to every request, counting them. */
export async function startDownEndpoint(): Promise<{
  baseURL: string;
  requests: () => number;
  close: () => Promise<void>;
}> {
  let requests = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      requests++;
      res
        .writeHead(500, { "content-type": "application/json" })
        .end(JSON.stringify({ error: { message: "upstream down", type: "server_error" } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests: () => requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Runs the standard review phase (three agent steps, the engine's default step retries and the provider's
 * default retry policy) against a fresh endpoint answering 500, with or without the endpoint's circuit breaker
 * (each endpoint is new, so its process-wide breaker starts closed).
 */
export async function benchOutage(breaker: boolean): Promise<OutageRun> {
  const parsed = parseWorkflow(STANDARD_YAML, { templates: {} });
  if (!parsed.ok) throw new Error(`the bench workflow is invalid: ${JSON.stringify(parsed.errors)}`);
  const plan = planWorkflow(parsed.workflow, "ship");
  const down = await startDownEndpoint();
  const dir = mkdtempSync(join(tmpdir(), "phasegate-outage-"));
  const db = await openDatabase(`sqlite:${join(dir, "bench.db")}`);
  await migrateToLatest(db);
  const store = new KyselyRunStore(db);
  const provider = new OpenAIProvider({
    apiKey: "bench-key-not-real",
    baseURL: down.baseURL,
    ...(breaker ? {} : { circuitBreaker: null }),
  });
  const files = parseUnifiedDiff(DIFF);
  const agent = agentExecutor({
    provider,
    inputs: async () => ({ files, pr: { title: "Add a flag", body: "" }, issue: null }),
  });
  const engine = new Engine({
    store,
    executorFor: (run, stepId) =>
      run.plan.steps.find((s) => s.id === stepId)?.isAgent ? agent : dryRunExecutor,
  });
  const run = newRunState({
    id: `outage-${breaker ? "breaker" : "none"}-${Date.now()}`,
    plan,
    facts: {
      source: "local",
      repo: "bench/outage",
      number: null,
      headSha: "0".repeat(40),
      baseRef: "main",
      author: null,
      labels: [],
      changedFiles: files.map((f) => f.path),
      title: "Add a flag",
    },
    createdAt: Date.now(),
  });
  try {
    engine.start();
    const t0 = performance.now();
    const done = engine.settled(run.id);
    await engine.createRun(run);
    const final = await done;
    const failMs = performance.now() - t0;
    return {
      breaker,
      modelRequests: down.requests(),
      failMs,
      status: final.status,
      steps: final.plan.steps
        .filter((s) => s.isAgent)
        .map((s) => ({
          id: s.id,
          attempts: final.steps.get(s.id)?.attempts ?? 0,
          error: final.steps.get(s.id)?.error ?? null,
        })),
    };
  } finally {
    await engine.stop();
    await store.close();
    await down.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Before and after: the outage without the breaker (once: it takes seconds), then with it (`runs` times). */
export async function outageLines(runs = 5): Promise<string[]> {
  await loadTokenCounter(DEFAULTS.model); // loaded once per process: not part of any run's time
  const without = await benchOutage(false);
  const withBreaker: OutageRun[] = [];
  for (let i = 0; i < runs; i++) withBreaker.push(await benchOutage(true));
  const requests = withBreaker.map((r) => r.modelRequests);
  const [fewest, most] = [Math.min(...requests), Math.max(...requests)];
  const times = withBreaker.map((r) => r.failMs);
  const errors = (r: OutageRun) =>
    [...new Set(r.steps.map((s) => `${s.id} ×${s.attempts}: ${s.error ?? "-"}`))].join("; ");
  return [
    `without the circuit breaker: ${without.modelRequests} model requests, run ${without.status} after ${fmt(without.failMs)} ms`,
    `  ${errors(without)}`,
    `with the circuit breaker (${runs} runs): ${fewest === most ? fewest : `${fewest}–${most}`} model requests, run failed after ${fmt(quantile(times, 0.5))} ms (p50; max ${fmt(Math.max(...times))} ms)`,
    `  ${errors(withBreaker[0] as OutageRun)}`,
  ];
}

/** Target (issue 14): a model outage fails a PR's three agent steps within 8 model requests, in seconds. */
export async function printOutageBench(): Promise<void> {
  console.log("phasegate bench — model outage (endpoint answering 500; review, security, tests)");
  for (const line of await outageLines()) console.log(`  ${line}`);
}
