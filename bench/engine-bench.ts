import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { planWorkflow } from "../src/core/run/plan.js";
import { newRunState } from "../src/core/run/run-state.js";
import { openDatabase } from "../src/db/connect.js";
import { KyselyRunStore } from "../src/db/kysely-run-store.js";
import { migrateToLatest } from "../src/db/migrate.js";
import { Engine } from "../src/engine/engine.js";
import { layeredWorkflow } from "./layered-workflow.js";
import { fmt, quantile } from "./stats.js";

export interface EngineFigures {
  readonly steps: number;
  readonly depth: number;
  readonly latencyMs: number;
  readonly wallMs: number;
  /** depth × latency: the run if every step took exactly its nominal latency and the engine took no time. */
  readonly idealMs: number;
  readonly ratio: number;
  /** The longest path through the steps' measured durations: what the run takes if the engine adds nothing. */
  readonly criticalPathMs: number;
  readonly overheadRatio: number;
  readonly edgeP50: number;
  readonly edgeP99: number;
}

/**
 * Runs a `width × depth` DAG whose steps each take `latencyMs`, persisted to SQLite in a temp file, and
 * measures wall time against the critical path and the delay from a step finishing to each dependant starting.
 */
export async function benchEngine(width: number, depth: number, latencyMs: number): Promise<EngineFigures> {
  const dir = mkdtempSync(join(tmpdir(), "phasegate-bench-"));
  const db = await openDatabase(`sqlite:${join(dir, "bench.db")}`);
  await migrateToLatest(db);
  const store = new KyselyRunStore(db);
  const plan = planWorkflow(layeredWorkflow(width, depth, Math.min(32, width)), "bench");
  const started = new Map<string, number>();
  const ended = new Map<string, number>();
  const engine = new Engine({
    store,
    pollMs: 60_000,
    executorFor:
      () =>
      async ({ step }) => {
        started.set(step.id, performance.now());
        await sleep(latencyMs);
        ended.set(step.id, performance.now());
        return { outcome: "succeeded", output: { summary: "ok" } };
      },
  });
  const run = newRunState({
    id: `bench-${width}x${depth}`,
    plan,
    facts: {
      source: "local",
      repo: "bench",
      number: null,
      headSha: "0".repeat(40),
      baseRef: "main",
      author: null,
      labels: [],
      changedFiles: [],
      title: null,
    },
    createdAt: Date.now(),
  });
  try {
    const t0 = performance.now();
    const done = engine.settled(run.id);
    await engine.createRun(run);
    const final = await done;
    const wallMs = performance.now() - t0;
    if (final.status !== "succeeded") throw new Error(`bench run ended ${final.status}`);
    const edges: number[] = [];
    for (const s of plan.steps) {
      if (s.needs.length === 0) continue;
      const ready = Math.max(...s.needs.map((n) => ended.get(n) ?? Number.NaN));
      edges.push((started.get(s.id) ?? Number.NaN) - ready);
    }
    const idealMs = depth * latencyMs;
    const criticalPathMs = longestPath(plan.steps, started, ended);
    return {
      steps: plan.steps.length,
      depth,
      latencyMs,
      wallMs,
      idealMs,
      ratio: wallMs / idealMs,
      criticalPathMs,
      overheadRatio: wallMs / criticalPathMs,
      edgeP50: quantile(edges, 0.5),
      edgeP99: quantile(edges, 0.99),
    };
  } finally {
    await engine.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Longest path through the DAG where each step weighs its measured duration (steps are in a topological order). */
function longestPath(
  steps: readonly { id: string; needs: readonly string[] }[],
  started: ReadonlyMap<string, number>,
  ended: ReadonlyMap<string, number>,
): number {
  const finish = new Map<string, number>();
  for (const s of steps) {
    const own = (ended.get(s.id) ?? 0) - (started.get(s.id) ?? 0);
    finish.set(s.id, own + Math.max(0, ...s.needs.map((n) => finish.get(n) ?? 0)));
  }
  return Math.max(...finish.values());
}

export function engineLine(f: EngineFigures): string {
  return [
    `${String(f.steps).padStart(5)} steps (critical path ${f.depth} × ${f.latencyMs} ms)`,
    `wall ${fmt(f.wallMs)} ms / nominal ${f.idealMs} ms = ${f.ratio.toFixed(3)}`,
    `/ measured critical path ${fmt(f.criticalPathMs)} ms = ${f.overheadRatio.toFixed(3)}`,
    `edge delay p50 ${fmt(f.edgeP50)} ms, p99 ${fmt(f.edgeP99)} ms`,
  ].join(" · ");
}
