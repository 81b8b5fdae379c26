import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { type Db, DEFAULT_DATABASE_URL, openDatabase } from "../../src/db/connect.js";
import { POSTGRES_URL } from "./databases.js";

const opened: Db[] = [];
const dirs: string[] = [];
async function open(url: string): Promise<Db> {
  const db = await openDatabase(url);
  opened.push(db);
  return db;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((db) => db.close()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function pragma(db: Db, name: string): Promise<unknown> {
  const { rows } = await sql<Record<string, unknown>>`${sql.raw(`pragma ${name}`)}`.execute(db.kysely);
  return Object.values(rows[0]!)[0];
}

describe("openDatabase", () => {
  it("defaults to a SQLite file under ./data", () => {
    expect(DEFAULT_DATABASE_URL).toBe("sqlite:./data/phasegate.db");
  });

  it("rejects other URLs, naming the accepted forms", async () => {
    await expect(openDatabase("mysql://root:secret@localhost/db")).rejects.toThrow(
      /unsupported DATABASE_URL "mysql:…": use sqlite:<path>.*postgres:\/\//,
    );
    await expect(openDatabase("mysql://root:secret@localhost/db")).rejects.not.toThrow(/secret/);
    await expect(openDatabase("sqlite:")).rejects.toThrow(/needs a path/);
  });

  it("opens a SQLite file in a new folder, tuned for WAL with one writer", async () => {
    const dir = await mkdtemp(join(tmpdir(), "phasegate-connect-"));
    dirs.push(dir);
    const file = join(dir, "nested", "deeper", "state.db");
    const db = await open(`sqlite:${file}`);
    expect(db.dialect).toBe("sqlite");
    expect(existsSync(file)).toBe(true);
    expect(await pragma(db, "journal_mode")).toBe("wal");
    expect(await pragma(db, "busy_timeout")).toBe(5000);
    expect(await pragma(db, "synchronous")).toBe(1); // NORMAL
    expect(await pragma(db, "foreign_keys")).toBe(1);
  });

  it("opens a private in-memory SQLite database", async () => {
    const a = await open("sqlite::memory:");
    const b = await open("sqlite::memory:");
    await sql`create table t (x integer)`.execute(a.kysely);
    const { rows } = await sql<{
      n: number;
    }>`select count(*) as n from sqlite_master where name = 't'`.execute(b.kysely);
    expect(rows[0]!.n).toBe(0);
  });

  it("opens Postgres and returns bigint values as JS numbers", async () => {
    const db = await open(POSTGRES_URL);
    expect(db.dialect).toBe("postgres");
    const { rows } = await sql<{ ms: unknown; n: unknown }>`
      select ${1_700_000_000_123}::bigint as ms, count(*) as n from (values (1), (2)) v`.execute(db.kysely);
    expect(rows[0]).toEqual({ ms: 1_700_000_000_123, n: 2 });
  });

  it("accepts postgresql:// too", async () => {
    const db = await open(POSTGRES_URL.replace(/^postgres:/, "postgresql:"));
    expect(db.dialect).toBe("postgres");
  });

  it("fails at once when Postgres is unreachable, without printing the password", async () => {
    const attempt = openDatabase("postgres://someone:hunter2@127.0.0.1:1/nowhere");
    await expect(attempt).rejects.toThrow(
      /cannot connect to Postgres at postgres:\/\/someone@127\.0\.0\.1:1\/nowhere/,
    );
    await expect(attempt).rejects.not.toThrow(/hunter2/);
  });

  it("closes twice without error", async () => {
    const db = await openDatabase("sqlite::memory:");
    await db.close();
    await expect(db.close()).resolves.toBeUndefined();
  });
});
