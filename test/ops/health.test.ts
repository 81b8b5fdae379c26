import { sql } from "kysely";
import { afterEach, describe, expect, test } from "vitest";
import { operationsHandler } from "../../src/ops/handler.js";
import { createMetrics } from "../../src/ops/metrics.js";
import { type AppHarness, startApp } from "../app/harness.js";
import { createTestDatabase, type TestDatabase } from "../db/databases.js";
import { serve } from "../helpers/serve-handler.js";

let t: TestDatabase | undefined;
let h: AppHarness | undefined;
let server: Awaited<ReturnType<typeof serve>> | undefined;
afterEach(async () => {
  await server?.close();
  await h?.stop();
  await t?.cleanup();
  t = h = server = undefined;
});

async function healthz(db: TestDatabase): Promise<{ status: number; body: unknown; text: string }> {
  server = await serve(operationsHandler({ db: db.db, metrics: createMetrics(db.db) }));
  const res = await fetch(`${server.url}/healthz`);
  expect(res.headers.get("content-type")).toBe("application/json");
  const text = await res.text();
  // Never the database's address, whatever the outcome.
  expect(text).not.toContain(db.url);
  expect(text).not.toMatch(/sqlite:|postgres:|127\.0\.0\.1/);
  return { status: res.status, body: JSON.parse(text), text };
}

describe.each(["sqlite", "postgres"] as const)("/healthz on %s", (kind) => {
  test("200 when the database answers and every migration is applied", async () => {
    t = await createTestDatabase(kind);
    expect(await healthz(t)).toMatchObject({
      status: 200,
      body: { status: "ok", database: "ok", migrations: "current" },
    });
  });

  test("503 when the last migration is missing", async () => {
    t = await createTestDatabase(kind);
    await sql`delete from kysely_migration where name = '0003_github'`.execute(t.db.kysely);
    expect(await healthz(t)).toMatchObject({
      status: 503,
      body: { status: "fail", database: "ok", migrations: "pending", pending: ["0003_github"] },
    });
  });

  test("503 on a database never migrated", async () => {
    t = await createTestDatabase(kind, { migrate: false });
    expect(await healthz(t)).toMatchObject({
      status: 503,
      body: {
        status: "fail",
        migrations: "pending",
        pending: [
          "0001_init",
          "0002_agent_cache",
          "0003_github",
          "0004_installation_pace",
          "0005_job_claims",
          "0006_findings",
          "0007_error_budgets",
          "0008_shadow_findings",
        ],
      },
    });
  });

  test("503 when the database is closed", async () => {
    t = await createTestDatabase(kind);
    await t.db.close();
    expect(await healthz(t)).toEqual({
      status: 503,
      body: { status: "fail", database: "unreachable" },
      text: '{"status":"fail","database":"unreachable"}',
    });
  });
});

test("the app answers /healthz, and only GET", async () => {
  h = await startApp();
  server = await serve(h.http);
  const res = await fetch(`${server.url}/healthz`);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ status: "ok", database: "ok", migrations: "current" });
  expect((await fetch(`${server.url}/healthz`, { method: "POST" })).status).toBe(405);
});
