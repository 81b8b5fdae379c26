import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { ProbotOctokit } from "probot";
import { memoryPaceStore, type PaceStore } from "../src/core/pacing/pace-store.js";
import { type Db, openDatabase } from "../src/db/connect.js";
import { migrateToLatest } from "../src/db/migrate.js";
import { PostgresPaceStore } from "../src/db/postgres-pace-store.js";
import { installationClients } from "../src/github/installation-clients.js";
import { fmt, quantile } from "./stats.js";

/** The Postgres the figure needs (a throw-away schema in it); tests use the same default. */
const POSTGRES_URL =
  process.env.PHASEGATE_BENCH_DATABASE_URL ??
  process.env.TEST_DATABASE_URL ??
  "postgres://postgres@127.0.0.1:5432/test";
const WINDOW_MS = 10_000;
/** GitHub's guidance, and the shared schedule's promise: about one write a second per installation. */
export const TARGET_WRITES_PER_WINDOW = 10;

export interface SharedPacingFigures {
  /** Writes of installation 1 that started in the first 10 s, two replicas sharing the Postgres schedule. */
  readonly shared: number;
  /** The same with each replica pacing in its own memory (what two processes did before). */
  readonly separate: number;
  /** Durations of the shared schedule's reservation transactions (ms). */
  readonly transactionMs: readonly number[];
}

type Client = InstanceType<typeof ProbotOctokit>;

/** A client whose "GitHub" answers every request at once and notes when each write started. */
function fakeGitHub(starts: number[]) {
  return async () =>
    new ProbotOctokit({
      auth: { token: "bench-token" },
      throttle: { enabled: false },
      retry: { enabled: false },
      request: {
        fetch: async (_url: string, init?: { method?: string }) => {
          if (init?.method && init.method !== "GET") starts.push(Date.now());
          return new Response("{}", { status: 200, headers: { "content-type": "application/json" } });
        },
      },
    });
}

/**
 * Two replicas each write to installation 1 back to back (one write in flight each) for 10 s; returns how many
 * writes started in those 10 s.
 */
async function twoWriters(stores: [PaceStore, PaceStore]): Promise<number> {
  const starts: number[] = [];
  const replicas = stores.map((sharedSchedule) =>
    installationClients<Client>({ authenticate: fakeGitHub(starts), sharedSchedule }),
  );
  // The window opens before the first write is even reserved, so a late first write cannot stretch it.
  const start = Date.now();
  const end = start + WINDOW_MS;
  await Promise.all(
    replicas.map(async (replica, r) => {
      const octokit = await replica.forInstallation(1);
      for (let i = 0; Date.now() < end; i++) {
        await octokit.rest.checks.update({
          owner: "o",
          repo: "r",
          check_run_id: r * 1000 + i,
          status: "queued",
        });
      }
    }),
  );
  return starts.filter((at) => at < end).length;
}

function timed(store: PaceStore, durations: number[]): PaceStore {
  return {
    read: (id) => store.read(id),
    update: async (id, change) => {
      const started = performance.now();
      try {
        return await store.update(id, change);
      } finally {
        durations.push(performance.now() - started);
      }
    },
  };
}

/**
 * Writes per installation per 10 s with two app replicas (two connection pools, two `installationClients`) on one
 * Postgres, each writing as fast as pacing lets it; beside it the same two replicas pacing alone. Real time: ~12 s,
 * both measured at once. Null when no Postgres answers at `POSTGRES_URL`.
 */
export async function benchSharedPacing(): Promise<SharedPacingFigures | null> {
  const schema = `bench_pace_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  try {
    await admin.connect();
  } catch {
    return null;
  }
  const dbs: Db[] = [];
  try {
    await admin.query(`create schema ${schema}`);
    const url = new URL(POSTGRES_URL);
    url.searchParams.set("options", `-c search_path=${schema}`);
    for (let i = 0; i < 2; i++) dbs.push(await openDatabase(url.toString()));
    await migrateToLatest(dbs[0] as Db);
    const transactionMs: number[] = [];
    const [a, b] = dbs.map((db) => timed(new PostgresPaceStore(db), transactionMs)) as [PaceStore, PaceStore];
    const [shared, separate] = await Promise.all([
      twoWriters([a, b]),
      twoWriters([memoryPaceStore(), memoryPaceStore()]),
    ]);
    return { shared, separate, transactionMs };
  } finally {
    await Promise.all(dbs.map((db) => db.close()));
    await admin.query(`drop schema if exists ${schema} cascade`).catch(() => {});
    await admin.end();
  }
}

/** The figures as lines for `npm run bench`. */
export function sharedPacingLines(figures: SharedPacingFigures | null): string[] {
  if (!figures)
    return [`skipped: no Postgres at ${new URL(POSTGRES_URL).host} (PHASEGATE_BENCH_DATABASE_URL)`];
  const t = figures.transactionMs;
  return [
    `writes to one installation in 10 s, two replicas on one Postgres each writing back to back: ${figures.shared}` +
      ` (target ≤ ${TARGET_WRITES_PER_WINDOW}; shared schedule)`,
    `  the same two replicas pacing alone (in memory, as before): ${figures.separate}`,
    `  reservation transactions (row lock, place, update): ${t.length}, p50 ${fmt(quantile(t, 0.5))} / p99 ${fmt(quantile(t, 0.99))} ms`,
  ];
}
