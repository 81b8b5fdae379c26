import { afterEach, describe, expect, it } from "vitest";
import { LOCAL_LOCKS, type NamedLocks, namedLocks } from "../../src/db/named-locks.js";
import { createTestDatabase, type TestDatabase } from "./databases.js";

const opened: NamedLocks[] = [];
const databases: TestDatabase[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((l) => l.close()));
  await Promise.all(databases.splice(0).map((d) => d.cleanup()));
});

async function twoProcesses(): Promise<[NamedLocks, NamedLocks, TestDatabase]> {
  const t = await createTestDatabase("postgres");
  databases.push(t);
  // Two lock pools on one database: what two app processes have.
  const a = await namedLocks(t.url, { retryMs: [5, 20] });
  const b = await namedLocks(t.url, { retryMs: [5, 20] });
  opened.push(a, b);
  return [a, b, t];
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 30));

describe("named locks", () => {
  it("SQLite (one process) needs none", async () => {
    expect((await namedLocks("sqlite:./x.db")) === LOCAL_LOCKS).toBe(true);
    expect(await LOCAL_LOCKS.withLock("x", async () => 7)).toBe(7);
  });

  it("Postgres: a name held by one process waits in the other until released, and is then taken", async () => {
    const [a, b] = await twoProcesses();
    expect(a.shared && b.shared).toBe(true);
    const order: string[] = [];
    let release!: () => void;
    const held = a.withLock("report:r1", async () => {
      order.push("a in");
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      order.push("a out");
    });
    await tick();
    const waiting = b.withLock("report:r1", async () => {
      order.push("b in");
      return "b";
    });
    // Another name is not held up.
    await b.withLock("report:r2", async () => order.push("b other"));
    await tick();
    expect(order).toEqual(["a in", "b other"]);
    release();
    await held;
    expect(await waiting).toBe("b");
    expect(order).toEqual(["a in", "b other", "a out", "b in"]);
  });

  it("Postgres: a throwing holder releases the lock; two databases on one server never contend", async () => {
    const [a, b] = await twoProcesses();
    await expect(
      a.withLock("job:x", async () => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await b.withLock("job:x", async () => "free")).toBe("free");

    const other = await createTestDatabase("postgres");
    databases.push(other);
    const c = await namedLocks(other.url, { retryMs: [5, 20] });
    opened.push(c);
    let release!: () => void;
    const held = a.withLock("job:y", () => new Promise<void>((resolve) => (release = resolve)));
    await tick();
    expect(await c.withLock("job:y", async () => "other schema")).toBe("other schema");
    release();
    await held;
  });

  it("Postgres: one process holds any number of locks at once, nested too, on its one session", async () => {
    const [a, b] = await twoProcesses();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const names = Array.from({ length: 60 }, (_, i) => `job:pr-${i}`);
    // 60 jobs each holding their key, then their run's gates lock inside: no pool to run out of.
    const holding = Promise.all(
      names.map((n) => a.withLock(n, () => a.withLock(`gates:${n}`, () => gate.then(() => n)))),
    );
    await tick();
    const other = b.withLock("job:pr-59", async () => "b got it");
    const probe = await Promise.race([
      other,
      new Promise((resolve) => setTimeout(() => resolve("held by a"), 200)),
    ]);
    expect(probe).toBe("held by a");
    release();
    expect(await holding).toEqual(names);
    expect(await other).toBe("b got it");
    expect(await b.withLock("gates:job:pr-0", async () => "free")).toBe("free");
  });

  it("Postgres: a process that dies drops its locks", async () => {
    const [a, b, t] = await twoProcesses();
    // The work never returns: the process hangs holding the lock until its session is killed.
    let entered!: () => void;
    let wake!: () => void;
    const holding = new Promise<void>((resolve) => (entered = resolve));
    const hung = a
      .withLock("job:z", () => {
        entered();
        return new Promise<void>((resolve) => (wake = resolve));
      })
      .catch(() => undefined);
    await holding;
    // Kill every backend holding an advisory lock on this name (the dead process's session).
    const pg = await import("pg");
    const admin = new pg.default.Client({ connectionString: t.url });
    await admin.connect();
    try {
      await admin.query(
        `select pg_terminate_backend(pid) from pg_locks where locktype = 'advisory'
           and classid::bigint = (hashtextextended(current_schema() || ':job:z', 0) >> 32) & 4294967295
           and objid::bigint = hashtextextended(current_schema() || ':job:z', 0) & 4294967295`,
      );
    } finally {
      await admin.end();
    }
    expect(await b.withLock("job:z", async () => "taken over")).toBe("taken over");
    wake();
    await hung;
  });
});
