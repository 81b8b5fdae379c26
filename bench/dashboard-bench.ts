import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import pg from "pg";
import pino from "pino";
import { RunChanges } from "../src/app/run-changes.js";
import { planWorkflow, type RunPlan } from "../src/core/run/plan.js";
import { newRunState, type RunState, type StepState } from "../src/core/run/run-state.js";
import { StepTable } from "../src/core/run/step-table.js";
import { parseWorkflow } from "../src/core/workflow/parse-workflow.js";
import { dashboardHandler } from "../src/dashboard/handler.js";
import { GitHubStore } from "../src/db/github-store.js";
import { openRunStore } from "../src/db/open-run-store.js";
import { STANDARD_WORKFLOW } from "./github-app-diffs.js";
import { fmt, quantile } from "./stats.js";

const RUNS = 10_000;
const REQUESTS = 300;
const TOKEN = "bench-dashboard-token-0123456789";

/** The standard run's plan (github-app-diffs.ts): review, security and tests in parallel → approval → merge. */
function plan(): RunPlan {
  const parsed = parseWorkflow(STANDARD_WORKFLOW, { templates: {} });
  if (!parsed.ok) throw new Error("the standard workflow does not parse");
  return planWorkflow(parsed.workflow, "delivery");
}

function run(i: number, p: RunPlan, t0: number): RunState {
  const base = newRunState({
    id: `run-${String(i).padStart(5, "0")}`,
    plan: p,
    facts: {
      source: "pull_request",
      repo: `acme/repo-${i % 20}`,
      number: i,
      headSha: "abc1234def5678abc1234def5678abc1234def56",
      baseRef: "main",
      author: "alice",
      labels: [],
      changedFiles: Array.from({ length: 30 }, (_, f) => `src/file-${f}.ts`),
      title: `Change number ${i}`,
    },
    createdAt: t0,
  });
  const done = (s: StepState, start: number, end: number): StepState => ({
    ...s,
    status: "succeeded",
    attempts: 1,
    startedAt: t0 + start,
    finishedAt: t0 + end,
    tokens: 900,
    output: {
      summary: "2 findings",
      findings: [
        {
          file: "src/file-1.ts",
          line: 4,
          severity: "medium",
          title: "Unchecked input",
          body: "Validate it.",
        },
        {
          file: "src/file-2.ts",
          line: 9,
          severity: "low",
          title: "Hard-coded limit",
          body: "Read it from config.",
        },
      ],
    },
  });
  const steps = [...base.steps].map((s, k) => (k < 3 ? done(s, 10 + k, 4000 + k * 700) : s));
  const status = i % 4 === 0 ? "succeeded" : "waiting";
  return { ...base, status, startedAt: t0, steps: StepTable.of(steps), tokens: 2700 };
}

async function timeRequests(
  base: string,
  paths: readonly string[],
  served: Map<string, number>,
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const path = paths[i % paths.length]!;
    const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
    await res.text();
    times.push(served.get(path) ?? Number.NaN);
  }
  return times;
}

/** The machine's Postgres for the bench's second pass; `BENCH_POSTGRES_URL` overrides. */
const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** A fresh schema in the machine's Postgres (dropped by `drop`), or null when no server answers. */
async function postgresSchema(): Promise<{ url: string; drop: () => Promise<void> } | null> {
  const schema = `bench_dashboard_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  try {
    await admin.connect();
  } catch {
    return null;
  }
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const url = new URL(POSTGRES_URL);
  url.searchParams.set("options", `-c search_path=${schema}`);
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: POSTGRES_URL });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    },
  };
}

/**
 * Server time (handler called → response finished) of the runs list and of run pages with 10,000 runs in the
 * database, over a real HTTP server on 127.0.0.1: on SQLite (a temp file), then on the machine's Postgres.
 * Figures only.
 */
export async function benchDashboard(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "phasegate-dashboard-bench-"));
  const lines: string[] = [];
  try {
    lines.push(...(await benchOn("SQLite", `sqlite:${join(dir, "bench.db")}`)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const pgDb = await postgresSchema();
  if (!pgDb) return [...lines, `Postgres: skipped (no server at ${new URL(POSTGRES_URL).host})`];
  try {
    lines.push(...(await benchOn("Postgres", pgDb.url)));
  } finally {
    await pgDb.drop();
  }
  return lines;
}

async function benchOn(label: string, databaseUrl: string): Promise<string[]> {
  const store = await openRunStore(databaseUrl);
  try {
    const p = plan();
    const t0 = Date.UTC(2026, 10, 1);
    const seedStart = performance.now();
    for (let i = 0; i < RUNS; i++) await store.createRun(run(i, p, t0 + i * 1000));
    const seedMs = performance.now() - seedStart;
    const handler = dashboardHandler({
      token: TOKEN,
      store,
      db: store.database,
      github: new GitHubStore(store.database),
      changes: new RunChanges(),
      log: pino({ level: "silent" }),
      webBase: "https://github.com",
    });
    const served = new Map<string, number>();
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const start = performance.now();
      res.on("finish", () => served.set(req.url ?? "", performance.now() - start));
      void handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const lists = [
      "/agents",
      "/agents?repo=acme/repo-7",
      "/agents?state=succeeded",
      `/agents?before=${t0 + 5_000_000}:run-05000`,
    ];
    // Run pages spread over the table, so the store's cache of recent runs does not answer them all.
    const pages = Array.from(
      { length: 100 },
      (_, k) => `/agents/runs/run-${String(k * 97).padStart(5, "0")}`,
    );
    await timeRequests(base, [...lists, ...pages.slice(0, 10)], served); // warm-up
    const list = await timeRequests(base, lists, served);
    const page = await timeRequests(base, pages, served);
    server.close();
    const line = (name: string, t: number[]) =>
      `${name}: p50 ${fmt(quantile(t, 0.5))} ms, p99 ${fmt(quantile(t, 0.99))} ms, max ${fmt(Math.max(...t))} ms (${t.length} requests)`;
    return [
      `${label}: ${RUNS.toLocaleString("en")} runs (seeded in ${(seedMs / 1000).toFixed(1)} s); target p99 ≤ 100 ms`,
      `  ${line("runs list (4 filter/page variants)", list)}`,
      `  ${line("run page (100 different runs)", page)}`,
    ];
  } finally {
    await store.close();
  }
}
