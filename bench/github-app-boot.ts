import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { Probot } from "probot";
import { type AppOptions, createApp } from "../src/app/create-app.js";
import type { AppServices } from "../src/app/services.js";

import { APP_ID, WEBHOOK_SECRET } from "./github-app-constants.js";

export { APP_ID, WEBHOOK_SECRET };

const privateKey = generateKeyPairSync("rsa", { modulusLength: 2048 })
  .privateKey.export({ type: "pkcs1", format: "pem" })
  .toString();

export interface BenchApp {
  readonly probot: Probot;
  readonly services: AppServices;
  /** Warnings and errors the app logged (not printed: the bench prints figures only). */
  readonly problems: { level: number; msg: string; err?: string }[];
  /** Waits until every job, engine step and coalesced report has finished, or `timeoutMs` passed; true if idle. */
  idle(timeoutMs: number): Promise<boolean>;
  /** Stops the app (bounded by `timeoutMs`) and deletes its database. */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * The real app (`createApp`) loaded into a real Probot whose API base URL is `baseUrl` (the fake GitHub), on a
 * fresh SQLite file, with the heuristic provider (the environment is given explicitly: no OPENAI_API_KEY) unless
 * `options.env` names a model provider.
 */
export async function startBenchApp(
  baseUrl: string,
  options: Pick<AppOptions, "paceLimits" | "tuning" | "clock"> & {
    /** More environment, e.g. `OPENAI_API_KEY` and `OPENAI_BASE_URL` for a model provider. */
    readonly env?: Readonly<Record<string, string>>;
  },
): Promise<BenchApp> {
  const dir = mkdtempSync(join(tmpdir(), "phasegate-app-bench-"));
  const problems: BenchApp["problems"] = [];
  const log = pino(
    { level: "warn" },
    {
      write: (line: string) => {
        const o = JSON.parse(line) as {
          level: number;
          msg: string;
          err?: { message?: string };
          error?: string;
        };
        problems.push({ level: o.level, msg: o.msg, err: o.error ?? o.err?.message });
      },
    },
  );
  const probot = new Probot({ appId: APP_ID, privateKey, secret: WEBHOOK_SECRET, baseUrl, log });
  let services: AppServices | undefined;
  let stopApp: (() => Promise<void>) | undefined;
  const { env, ...appOptions } = options;
  await probot.load(
    createApp({
      ...appOptions,
      env: { DATABASE_URL: `sqlite:${join(dir, "phasegate.db")}`, APP_ID: String(APP_ID), ...env },
      onReady: (s, stop) => {
        services = s;
        stopApp = stop;
      },
    }),
  );
  if (!services || !stopApp) throw new Error("the app did not start");
  const s = services;
  const stop = stopApp;
  const within = async (work: Promise<unknown>, ms: number) => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const done = await Promise.race([work.then(() => true as const), late]);
    clearTimeout(timer);
    return done;
  };
  return {
    probot,
    services: s,
    problems,
    idle: (timeoutMs) => within(s.background.idle([s.engine]), timeoutMs),
    async stop(timeoutMs = 30_000) {
      await within(stop(), timeoutMs);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The app's warnings and errors in one line each (deduplicated), for the bench's notes. */
export function problemLines(problems: BenchApp["problems"]): string[] {
  const counts = new Map<string, number>();
  for (const p of problems) {
    const key = `${p.level >= 50 ? "error" : "warn"}: ${p.msg}${p.err ? ` (${p.err.split("\n")[0]})` : ""}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `app ${k}${n > 1 ? ` ×${n}` : ""}`);
}
