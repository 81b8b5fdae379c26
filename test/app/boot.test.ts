import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { Probot } from "probot";
import { afterEach, expect, test, vi } from "vitest";
import { openDatabase } from "../../src/db/connect.js";
import app from "../../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "phasegate-app-"));
afterEach(() => {
  vi.unstubAllEnvs();
});

test("the Probot app boots: migrates its database and reports ready", async () => {
  const url = `sqlite:${join(dir, "app.db")}`;
  vi.stubEnv("DATABASE_URL", url);
  vi.stubEnv("OPENAI_API_KEY", "");
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const probot = new Probot({
    appId: 1,
    privateKey: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
    secret: "s",
    log,
  });
  await probot.load(app);
  expect(lines).toContainEqual(
    expect.objectContaining({
      msg: "phasegate ready",
      database: "sqlite",
      provider: "heuristic (no model configured)",
    }),
  );

  const db = await openDatabase(url);
  const tables = await db.kysely.introspection.getTables();
  expect(tables.map((t) => t.name).sort()).toEqual(
    expect.arrayContaining(["audit", "deliveries", "runs", "steps"]),
  );
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

test("a bad environment stops the boot with a readable error", async () => {
  vi.stubEnv("DATABASE_URL", "mysql://nope");
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const probot = new Probot({
    appId: 1,
    privateKey: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
    secret: "s",
  });
  await expect(probot.load(app)).rejects.toThrow(
    "invalid environment:\n  DATABASE_URL: expected sqlite:<path> or postgres://…",
  );
});
