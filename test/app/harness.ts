import { generateKeyPairSync, randomUUID } from "node:crypto";
import nock from "nock";
import pino from "pino";
import { Probot } from "probot";
import { example, INSTALLATION, OWNER, REPO } from "../../bench/github-app-payloads.js";
import { type AppOptions, createApp } from "../../src/app/create-app.js";
import type { HttpHandler } from "../../src/app/http.js";
import type { AppServices } from "../../src/app/services.js";
import { createTestDatabase, type DatabaseKind, type TestDatabase } from "../db/databases.js";

export { example, INSTALLATION, OWNER, REPO };

/** GitHub's API as the app's clients call it. */
export const API = "https://api.github.com";
export const APP_ID = 1;
/** `/repos/acme/widgets`: prefix of most paths the app calls. */
export const R = `/repos/${OWNER}/${REPO}`;

const privateKey = generateKeyPairSync("rsa", { modulusLength: 2048 })
  .privateKey.export({ type: "pkcs1", format: "pem" })
  .toString();

export interface AppHarness {
  readonly probot: Probot;
  readonly services: AppServices;
  readonly db: TestDatabase;
  /** Every log line the app wrote, parsed. */
  readonly logs: Record<string, unknown>[];
  /** The app's HTTP routes (dashboard, /healthz, /metrics) as Probot's server would call them. */
  readonly http: HttpHandler;
  /** Delivers a webhook through `probot.receive` (as the webhook server does after verifying it), then waits. */
  receive(event: string, payload: Record<string, unknown>, deliveryId?: string): Promise<void>;
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
  const db = options.db ?? (await createTestDatabase(options.database ?? "sqlite"));
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
  const log = pino({ level: "debug" }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const probot = new Probot({ appId: APP_ID, privateKey, secret: "webhook-secret", log });
  let services: AppServices | undefined;
  let stopApp: (() => Promise<void>) | undefined;
  let http: HttpHandler | undefined;
  const { database: _d, db: _db, env, ...appOptions } = options;
  await probot.load(
    createApp({
      pollMs: 3_600_000,
      paceLimits: { writeIntervalMs: 0 },
      reporting: false,
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
  const handler = http;
  const stop = stopApp;
  const idle = () => s.background.idle([s.engine]);
  return {
    probot,
    services: s,
    db,
    logs,
    http: handler,
    idle,
    async receive(event, payload, deliveryId = randomUUID()) {
      await probot.receive({ id: deliveryId, name: event, payload } as Parameters<Probot["receive"]>[0]);
      await idle();
    },
    async kill() {
      await stop();
    },
    async stop() {
      await stop();
      if (!options.db) await db.cleanup();
    },
  };
}
