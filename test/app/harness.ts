import { generateKeyPairSync, randomUUID } from "node:crypto";
import nock from "nock";
import pino from "pino";
import { Probot } from "probot";
import { example, INSTALLATION, OWNER, REPO, signature } from "../../bench/github-app-payloads.js";
import { type AppOptions, createApp } from "../../src/app/create-app.js";
import type { AppServices } from "../../src/app/services.js";
import type { HttpHandler } from "../../src/ops/http-handler.js";
import { createTestDatabase, type DatabaseKind, type TestDatabase } from "../db/databases.js";

export { example, INSTALLATION, OWNER, REPO };

/** GitHub's API as the app's clients call it. */
export const API = "https://api.github.com";
export const APP_ID = 1;
/** What GitHub signs the harness's deliveries with. */
export const WEBHOOK_SECRET = "webhook-secret";
/** `/repos/acme/widgets`: prefix of most paths the app calls. */
export const R = `/repos/${OWNER}/${REPO}`;

const privateKey = generateKeyPairSync("rsa", { modulusLength: 2048 })
  .privateKey.export({ type: "pkcs1", format: "pem" })
  .toString();

/**
 * The replica test mode: `PHASEGATE_TEST_REPLICAS=2 npx vitest run test/app/…` (the `replicas` project of
 * vitest.config.ts) starts that many app instances on one Postgres database for every `startApp`, and delivers
 * webhooks to them in turn, as a load balancer would. Each instance has its own engine, job queue, reporter,
 * pacer and caches; they share only the database, as separate processes do.
 */
export const REPLICAS = Math.max(1, Number(process.env.PHASEGATE_TEST_REPLICAS ?? 1) || 1);

/** The databases whole-app suites run on: both, or Postgres alone in the replica mode. */
export const APP_DATABASES: readonly DatabaseKind[] = REPLICAS > 1 ? ["postgres"] : ["sqlite", "postgres"];

export interface AppHarness {
  /** The first replica's Probot (the only one unless `REPLICAS` > 1). */
  readonly probot: Probot;
  /** Every replica's Probot, in the order webhooks are delivered to them. */
  readonly probots: readonly Probot[];
  /** The first replica's services (each replica has its own; they share the database). */
  readonly services: AppServices;
  readonly db: TestDatabase;
  /** Every log line the app wrote, parsed. */
  readonly logs: Record<string, unknown>[];
  /** The app's HTTP routes (dashboard, /healthz, /metrics) as Probot's server would call them. */
  readonly http: HttpHandler;
  /**
   * Delivers a webhook through `probot.receive` (as the webhook server does after verifying it), to the next
   * replica in turn, then waits.
   */
  receive(event: string, payload: Record<string, unknown>, deliveryId?: string): Promise<void>;
  /**
   * Delivers a webhook as the webhook server does: the body as GitHub sent it and its `X-Hub-Signature-256`,
   * verified by Probot (a wrong one throws), to the next replica in turn; then waits.
   */
  receiveSigned(event: string, payload: Record<string, unknown>, deliveryId?: string): Promise<void>;
  /** Waits until every job, engine step and report under way has finished. */
  idle(): Promise<void>;
  /** Stops the app (engine, background work) and deletes the database. */
  stop(): Promise<void>;
  /** Stops the app but keeps the database, for a restart with `startApp({ db })`. */
  kill(): Promise<void>;
}

export interface HarnessOptions extends Omit<AppOptions, "env" | "onReady"> {
  /**
   * Check runs, PR reviews and status comments: OFF by default here so a test of one path (commands, gates,
   * deploys) asserts only that path's requests; reporting tests and end-to-end tests pass `reporting: true`.
   */
  readonly reporting?: boolean;
  readonly database?: DatabaseKind;
  /** Reuse a database (a restart after `kill`). */
  readonly db?: TestDatabase;
  readonly env?: Record<string, string>;
}

/**
 * The app as `npm start` runs it, on a fresh database, with the installation token request answered by nock
 * (optional: a test need not make any request). Writes are not paced and check runs not coalesced unless the
 * test asks; the engine polls rarely so tests drive it with webhooks.
 */
export async function startApp(options: HarnessOptions = {}): Promise<AppHarness> {
  const database = REPLICAS > 1 ? "postgres" : (options.database ?? "sqlite");
  const db = options.db ?? (await createTestDatabase(database));
  nock(API)
    .persist()
    .post(`/app/installations/${INSTALLATION}/access_tokens`)
    .optionally()
    .reply(201, {
      token: "ghs_installation_token",
      expires_at: "2099-01-01T00:00:00Z",
      permissions: { checks: "write", pull_requests: "write", contents: "write" },
      repository_selection: "all",
    });
  const logs: Record<string, unknown>[] = [];
  const replicas: Replica[] = [];
  for (let i = 0; i < REPLICAS; i++) replicas.push(await startReplica(options, db, logs, i));
  const [first] = replicas;
  if (!first) throw new Error("the app did not start");
  // Until every replica is idle in one sweep: one replica's work may wait on another's lock.
  const idle = async () => {
    for (;;) {
      for (const r of replicas) await r.idle();
      if (replicas.every((r) => r.services.background.size === 0 && !r.services.engine.busy)) return;
    }
  };
  let turn = 0;
  const stopAll = async () => {
    for (const r of replicas) await r.stop();
  };
  return {
    probot: first.probot,
    probots: replicas.map((r) => r.probot),
    services: first.services,
    db,
    logs,
    http: first.http,
    idle,
    async receive(event, payload, deliveryId = randomUUID()) {
      const r = replicas[turn++ % replicas.length] as Replica;
      await r.probot.receive({ id: deliveryId, name: event, payload } as Parameters<Probot["receive"]>[0]);
      await idle();
    },
    async receiveSigned(event, payload, deliveryId = randomUUID()) {
      const r = replicas[turn++ % replicas.length] as Replica;
      const body = JSON.stringify(payload);
      await r.probot.webhooks.verifyAndReceive({
        id: deliveryId,
        name: event as Parameters<Probot["webhooks"]["verifyAndReceive"]>[0]["name"],
        payload: body,
        signature: signature(WEBHOOK_SECRET, body),
      });
      await idle();
    },
    async kill() {
      await stopAll();
    },
    async stop() {
      await stopAll();
      if (!options.db) await db.cleanup();
    },
  };
}

interface Replica {
  readonly probot: Probot;
  readonly services: AppServices;
  readonly http: HttpHandler;
  idle(): Promise<void>;
  stop(): Promise<void>;
}

async function startReplica(
  options: HarnessOptions,
  db: TestDatabase,
  logs: Record<string, unknown>[],
  index: number,
): Promise<Replica> {
  const log = pino({ level: "debug" }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const probot = new Probot({ appId: APP_ID, privateKey, secret: WEBHOOK_SECRET, log });
  let services: AppServices | undefined;
  let stopApp: (() => Promise<void>) | undefined;
  let http: HttpHandler | undefined;
  const { database: _d, db: _db, env, ...appOptions } = options;
  await probot.load(
    createApp({
      pollMs: 3_600_000,
      paceLimits: { writeIntervalMs: 0 },
      reporting: false,
      ...(REPLICAS > 1 ? { workerId: `replica-${index}-${randomUUID().slice(0, 8)}` } : {}),
      ...appOptions,
      tuning: { checkRunIntervalMs: 0, ...options.tuning },
      env: { DATABASE_URL: db.url, APP_ID: String(APP_ID), ...env },
      onReady: (s, stop, handler) => {
        services = s;
        stopApp = stop;
        http = handler;
      },
    }),
  );
  if (!services || !stopApp || !http) throw new Error("the app did not start");
  const s = services;
  return { probot, services: s, http, stop: stopApp, idle: () => s.background.idle([s.engine]) };
}
