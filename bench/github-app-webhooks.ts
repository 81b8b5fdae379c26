import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { availableParallelism, loadavg } from "node:os";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import type { PaceLimits } from "../src/core/pacing/pace-limits.js";
import { problemLines, startBenchApp } from "./github-app-boot.js";
import { benchClock } from "./github-app-clock.js";
import type { FromWorker, LoadSettings, ToWorker } from "./github-app-load-worker.js";
import { fmt, quantile } from "./stats.js";

/** Issue 3's target: webhooks acknowledged with p99 ≤ 50 ms. */
export const TARGET_P99_MS = 50;
const RATE_PER_S = 50;
const SECONDS = 10;
const PATH = "/api/github/webhooks";
/** How the app's GitHub clients are paced while the deliveries come in. */
export type PacingMode = "production" | "unpaced" | "baseline";
const PACING: Record<PacingMode, { label: string; limits: Partial<PaceLimits> }> = {
  production: {
    label:
      "production pacing (1 write/s and 80 content writes/min per installation; afterwards the pacing clock is fast-forwarded to drain the queued writes)",
    limits: {},
  },
  // A content window too wide to bind: `contentWindows: []` would say "no window", but the pacer then loops
  // forever in `#reserveWrite` (with no window `keepMs` is 0 and the prune loop shifts an empty array).
  baseline: {
    label:
      "baseline: the same deliveries to a repository without .agents/workflow.yaml (no run starts: the intake alone)",
    limits: {},
  },
  unpaced: {
    label: "writes not paced (stress: every request the runs need goes out at once)",
    limits: { writeIntervalMs: 0, contentWindows: [{ max: 1_000_000, perMs: 60_000 }] },
  },
};
const TUNING = { checkRunIntervalMs: 1000 };
const DRAIN_MS = 120_000;
const trace = (msg: string) => {
  if (process.env.PHASEGATE_BENCH_TRACE)
    process.stderr.write(`[webhooks ${new Date().toISOString()}] ${msg}\n`);
};

export interface WebhookFigures {
  readonly mode: PacingMode;
  readonly mix: Readonly<Record<string, number>>;
  /** Each delivery's response time as the sender measured it (request start to the end of the response). */
  readonly times: readonly number[];
  /** Each response's time inside the app's HTTP server (request event to response finished). */
  readonly serverTimes: readonly number[];
  /** The intake's delivery insert (`recordJob`), from call to result: mostly waiting for the database. */
  readonly insertTimes: readonly number[];
  readonly statuses: Readonly<Record<string, number>>;
  readonly sendSpanMs: number;
  /** From the last delivery sent to the last one answered. */
  readonly backlogMs: number;
  /** The app's event-loop delay while the deliveries came in (perf_hooks histogram): how busy it was. */
  readonly loopDelayP99: number;
  readonly loopDelayMax: number;
  /** The sender thread's event-loop delay (it also serves the fake GitHub). */
  readonly senderLoopP99: number;
  readonly senderLoopMax: number;
  /** GitHub requests the runs made while the deliveries were sent and answered. */
  readonly duringReads: number;
  readonly duringWrites: number;
  readonly drainedMs: number | null;
  readonly reads: number;
  readonly writes: number;
  readonly tokenRequests: number;
  readonly problems: readonly string[];
}

function once<T extends FromWorker["type"]>(
  worker: Worker,
  type: T,
): Promise<Extract<FromWorker, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: FromWorker) => {
      if (m.type !== type) return;
      worker.off("message", onMessage);
      worker.off("error", reject);
      resolve(m as Extract<FromWorker, { type: T }>);
    };
    worker.on("message", onMessage);
    worker.once("error", reject);
  });
}

/**
 * Webhook acknowledgement under load: Probot's real middleware (`probot.getNodeMiddleware()`) on a node:http
 * server, 50 signed deliveries a second for 10 s, open loop (each sent on schedule whether or not the earlier
 * ones were answered), each response timed by the sender. The sender and the fake GitHub run on a worker thread
 * (in production they are other machines); the runs the deliveries start call that fake GitHub meanwhile, paced
 * as `mode` says, in the app's process.
 */
export async function benchWebhooks(mode: PacingMode): Promise<WebhookFigures> {
  const settings: LoadSettings = { ratePerS: RATE_PER_S, seconds: SECONDS, workflow: mode !== "baseline" };
  const worker = new Worker(new URL("./github-app-load-worker.js", import.meta.url), {
    workerData: settings,
  });
  const { url } = await once(worker, "started");
  const clock = benchClock();
  const app = await startBenchApp(url, { paceLimits: PACING[mode].limits, tuning: TUNING, clock });
  // Timing hook (measurement only): how long the intake's one insert, the delivery row, takes from call to result.
  const inserts: number[] = [];
  const github = app.services.github;
  const recordJob = github.recordJob.bind(github);
  github.recordJob = async (d) => {
    const started = performance.now();
    try {
      return await recordJob(d);
    } finally {
      inserts.push(performance.now() - started);
    }
  };
  const middleware = await app.probot.getNodeMiddleware();
  const serverTimes: number[] = [];
  const server: Server = createServer((req, res) => {
    const started = performance.now();
    res.on("finish", () => serverTimes.push(performance.now() - started));
    void middleware(req, res, () => {
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const sentMessage = once(worker, "sent");
  worker.postMessage({ type: "send", port, path: PATH } satisfies ToWorker);
  const sent = await sentMessage;
  loop.disable();
  const answered = performance.now();
  trace(`${mode}: answered ${sent.times.length}, ${fmt(sent.backlogMs)} ms after the last was sent`);
  clock.fastForward();
  const drained = await app.idle(DRAIN_MS);
  const drainedMs = drained ? performance.now() - answered : null;
  await new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  await app.stop(10_000);
  const finishedMessage = once(worker, "finished");
  worker.postMessage({ type: "finish" } satisfies ToWorker);
  const finished = await finishedMessage;
  await worker.terminate();

  const statuses: Record<string, number> = {};
  for (const s of sent.statuses) statuses[s] = (statuses[s] ?? 0) + 1;
  return {
    mode,
    mix: sent.mix,
    times: sent.times,
    serverTimes,
    insertTimes: inserts,
    statuses,
    sendSpanMs: sent.sendSpanMs,
    backlogMs: sent.backlogMs,
    loopDelayP99: loop.percentile(99) / 1e6,
    loopDelayMax: loop.max / 1e6,
    senderLoopP99: sent.senderLoopP99,
    senderLoopMax: sent.senderLoopMax,
    duringReads: sent.duringReads,
    duringWrites: sent.duringWrites,
    drainedMs,
    reads: finished.reads,
    writes: finished.writes,
    tokenRequests: finished.tokenRequests,
    problems: problemLines(app.problems),
  };
}

/** Trials per pacing mode: the machine is shared, so one 10 s window can catch another job's burst. */
const TRIALS = 3;

/**
 * Both pacing modes, production first, `TRIALS` times each (a fresh app, database and fake GitHub each time), then
 * one baseline trial where no run starts.
 */
export async function benchAllWebhooks(): Promise<WebhookFigures[]> {
  const all: WebhookFigures[] = [];
  for (const mode of ["production", "unpaced"] as const) {
    for (let t = 0; t < TRIALS; t++) all.push(await benchWebhooks(mode));
  }
  all.push(await benchWebhooks("baseline"));
  return all;
}

const ms = (values: readonly number[]) =>
  `p50 ${fmt(quantile(values, 0.5))} / p99 ${fmt(quantile(values, 0.99))} / max ${fmt(Math.max(...values))} ms`;

/** The figures as lines for `npm run bench`. */
export function webhookLines(all: readonly WebhookFigures[]): string[] {
  const first = all[0];
  if (!first) return [];
  const mix = Object.entries(first.mix)
    .map(([k, n]) => `${n} ${k}`)
    .join(", ");
  const lines = [
    `${first.times.length} signed deliveries at ${RATE_PER_S}/s for ${SECONDS} s, open loop, to probot.getNodeMiddleware() on`,
    "  node:http 127.0.0.1 (real signature check, real app, temp SQLite; check runs coalesced at",
    `  ${TUNING.checkRunIntervalMs} ms); the sender (one connection per delivery, timing each answer) and the fake GitHub`,
    "  the runs call meanwhile share a worker thread; the app has its process's main thread to itself",
    `  mix: ${mix}`,
    `  host: ${availableParallelism()} CPUs shared with other jobs, load average ${loadavg()[0]?.toFixed(1)} now; ${TRIALS} trials per mode`,
    "  'sender' is what GitHub would see; 'server' is request-in to response-finished inside the app's process;",
    "  'insert' is the intake's one database write (the delivery row), queued on the SQLite file's one connection",
  ];
  for (const mode of ["production", "unpaced", "baseline"] as const) {
    const trials = all.filter((f) => f.mode === mode);
    if (trials.length === 0) continue;
    const pooled = trials.flatMap((f) => f.times);
    const allOk = trials.every((f) => Object.keys(f.statuses).every((s) => s === "200"));
    const p99 = quantile(pooled, 0.99);
    const serverP99 = quantile(
      trials.flatMap((f) => f.serverTimes),
      0.99,
    );
    lines.push(`${PACING[mode].label}:`);
    trials.forEach((f, i) => {
      const statuses = Object.entries(f.statuses)
        .map(([s, n]) => `${s}×${n}`)
        .join(", ");
      lines.push(
        `  trial ${i + 1}: sender ${ms(f.times)} · server p99 ${fmt(quantile(f.serverTimes, 0.99))} ms · ` +
          `insert p99 ${fmt(quantile(f.insertTimes, 0.99))} ms · app loop delay p99 ${fmt(f.loopDelayP99)} / max ${fmt(f.loopDelayMax)} ms · ` +
          `sender loop delay max ${fmt(f.senderLoopMax)} ms · ${statuses}`,
        `    GitHub requests during the 10 s: ${f.duringReads} reads, ${f.duringWrites} writes; in all ${f.reads} reads, ` +
          `${f.writes} writes (+${f.tokenRequests} token), ` +
          (f.drainedMs === null
            ? `not drained ${DRAIN_MS / 1000} s after the last answer`
            : `all done ${fmt(f.drainedMs)} ms after the last answer`),
        ...f.problems.slice(0, 4).map((p) => `    ${p}`),
      );
    });
    lines.push(
      `  all ${pooled.length} deliveries: sender ${ms(pooled)} · server p99 ${fmt(serverP99)} ms · ` +
        `target p99 ≤ ${TARGET_P99_MS} ms: ${p99 <= TARGET_P99_MS && allOk ? "met" : "NOT met"}`,
    );
  }
  return lines;
}
