import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import type { PaceLimits } from "../../src/core/pacing/pace-limits.js";
import { memoryPaceStore, type PaceStore } from "../../src/core/pacing/pace-store.js";
import { type Db, openDatabase } from "../../src/db/connect.js";
import { PostgresPaceStore } from "../../src/db/postgres-pace-store.js";
import { installationClients } from "../../src/github/installation-clients.js";
import type { RateLimitWait } from "../../src/github/rate-limit-wait.js";
import { createTestDatabase, type TestDatabase } from "../db/databases.js";
import { harness } from "./harness.js";
import { VirtualClock } from "./virtual-clock.js";

const API = "https://api.github.com";
type Client = InstanceType<typeof ProbotOctokit>;

beforeEach(() => nock.cleanAll());
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});

/**
 * Two app replicas on one Postgres database: each has its own connection pool, its own `installationClients`
 * and its own `PostgresPaceStore`, as two processes would, and both run on one virtual clock (the same wall
 * time). The clock moves only while no request is on the wire and no pacing query is in flight, so the times
 * recorded are exactly the start times the shared schedule gave.
 */
async function twoReplicas(t: TestDatabase, limits: Partial<PaceLimits> = {}, shared = true) {
  const clock = new VirtualClock();
  const start = clock.now();
  let busy = 0;
  const waits: RateLimitWait[] = [];
  const counted = (store: PaceStore): PaceStore => ({
    read: async (id) => {
      busy++;
      try {
        return await store.read(id);
      } finally {
        busy--;
      }
    },
    update: async (id, change) => {
      busy++;
      try {
        return await store.update(id, change);
      } finally {
        busy--;
      }
    },
  });
  const other: Db = await openDatabase(t.url);
  const replica = (db: Db) =>
    installationClients<Client>({
      clock,
      limits,
      sharedSchedule: counted(shared ? new PostgresPaceStore(db) : memoryPaceStore()),
      onWait: (wait) => waits.push(wait),
      authenticate: async () => {
        const octokit = new ProbotOctokit({
          auth: { token: "test-token" },
          throttle: { enabled: false },
          retry: { enabled: false },
        });
        octokit.hook.wrap("request", async (request, options) => {
          busy++;
          try {
            return await request(options);
          } finally {
            busy--;
          }
        });
        return octokit;
      },
    });
  return {
    a: replica(t.db),
    b: replica(other),
    waits,
    elapsed: () => clock.now() - start,
    run: <T>(work: Promise<T>) => clock.run(work, () => busy > 0),
    close: () => other.close(),
  };
}

/** Every pair of start times (sorted) at least `gap` apart; with at most `max` in any `perMs` window. */
function expectSpaced(times: readonly number[], gap: number): void {
  const sorted = [...times].sort((x, y) => x - y);
  for (let i = 1; i < sorted.length; i++) {
    expect((sorted[i] as number) - (sorted[i - 1] as number), `${sorted}`).toBeGreaterThanOrEqual(gap);
  }
}

function expectWindow(times: readonly number[], max: number, perMs: number): void {
  const sorted = [...times].sort((x, y) => x - y);
  for (let i = max; i < sorted.length; i++) {
    expect((sorted[i] as number) - (sorted[i - max] as number), `${sorted}`).toBeGreaterThanOrEqual(perMs);
  }
}

describe("pacing shared by two replicas on one Postgres", () => {
  let t: TestDatabase | undefined;
  let close: (() => Promise<void>) | undefined;
  beforeEach(async () => {
    t = await createTestDatabase("postgres");
  });
  afterEach(async () => {
    await close?.();
    await t?.cleanup();
    close = undefined;
    t = undefined;
  });

  test("interleaved writes of one installation start a second apart across both; another installation is not slowed", async () => {
    const r = await twoReplicas(t!);
    close = r.close;
    const sent: { installation: number; replica: string; at: number }[] = [];
    // One interceptor per check run: replica a writes 0–5, replica b 100–105 (installation 1) and 200–203.
    const expectWrite = (installation: number, replica: string, id: number) =>
      nock(API)
        .patch(`/repos/o/r${installation}/check-runs/${id}`)
        .reply(() => {
          sent.push({ installation, replica, at: r.elapsed() });
          return [200, {}];
        });
    for (let i = 0; i < 6; i++) {
      expectWrite(1, "a", i);
      expectWrite(1, "b", 100 + i);
      if (i < 4) expectWrite(2, "b", 200 + i);
    }
    const [a1, b1, b2] = await Promise.all([
      r.a.forInstallation(1),
      r.b.forInstallation(1),
      r.b.forInstallation(2),
    ]);
    const update = (octokit: Client, repo: string, id: number) =>
      octokit.rest.checks.update({ owner: "o", repo, check_run_id: id, status: "in_progress" });
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 6; i++) {
      writes.push(update(a1, "r1", i), update(b1, "r1", 100 + i));
      if (i < 4) writes.push(update(b2, "r2", 200 + i));
    }
    await r.run(Promise.all(writes));

    const one = sent.filter((s) => s.installation === 1);
    expect(one.map((s) => s.replica).sort()).toEqual([...Array(6).fill("a"), ...Array(6).fill("b")]);
    expectSpaced(
      one.map((s) => s.at),
      1000,
    );
    // Twelve writes from two replicas: one a second, not two.
    expect(one.filter((s) => s.at < 10_000)).toHaveLength(10);
    // Installation 2 has its own schedule: its four writes go at 0, 1, 2, 3 s, not behind installation 1's.
    expect(sent.filter((s) => s.installation === 2).map((s) => s.at)).toEqual([0, 1000, 2000, 3000]);
  });

  test("the content caps hold across both replicas", async () => {
    const windows = [
      { max: 3, perMs: 60_000 },
      { max: 5, perMs: 3_600_000 },
    ];
    const r = await twoReplicas(t!, { contentWindows: windows });
    close = r.close;
    const times: number[] = [];
    const other: number[] = [];
    nock(API)
      .post("/repos/o/r/issues/1/comments")
      .times(6)
      .reply(() => {
        times.push(r.elapsed());
        return [201, {}];
      })
      .post("/repos/o/r/issues/2/comments")
      .reply(() => {
        other.push(r.elapsed());
        return [201, {}];
      });
    const [a1, b1, b2] = await Promise.all([
      r.a.forInstallation(1),
      r.b.forInstallation(1),
      r.b.forInstallation(2),
    ]);
    const comment = (octokit: Client, issue: number) =>
      octokit.rest.issues.createComment({ owner: "o", repo: "r", issue_number: issue, body: "hi" });
    await r.run(
      Promise.all([
        comment(a1, 1),
        comment(b1, 1),
        comment(a1, 1),
        comment(b1, 1),
        comment(a1, 1),
        comment(b1, 1),
        comment(b2, 2),
      ]),
    );
    expectSpaced(times, 1000);
    for (const { max, perMs } of windows) expectWindow(times, max, perMs);
    expect(times.sort((x, y) => x - y)).toEqual([0, 1000, 2000, 60_000, 61_000, 3_600_000]);
    expect(other).toEqual([0]);
  });

  test("a rate limit seen by one replica pauses the installation on the other", async () => {
    const r = await twoReplicas(t!);
    close = r.close;
    const sent: string[] = [];
    const note = (label: string) => sent.push(`${label} @ ${r.elapsed()}`);
    nock(API)
      .post("/repos/o/r/issues/1/comments")
      .reply(() => {
        note("a: POST comment");
        return [403, { message: "You have exceeded a secondary rate limit." }, { "retry-after": "30" }];
      })
      .post("/repos/o/r/issues/1/comments")
      .reply(() => {
        note("a: POST comment");
        return [201, {}];
      })
      .get("/repos/o/r")
      .reply(() => {
        note("b: GET repo (installation 1)");
        return [200, {}];
      })
      .patch("/repos/o/r/check-runs/1")
      .reply(() => {
        note("b: PATCH check run (installation 1)");
        return [200, {}];
      })
      .get("/repos/o/other")
      .reply(() => {
        note("b: GET repo (installation 2)");
        return [200, {}];
      });
    const [a1, b1, b2] = await Promise.all([
      r.a.forInstallation(1),
      r.b.forInstallation(1),
      r.b.forInstallation(2),
    ]);
    const posted = a1.rest.issues.createComment({ owner: "o", repo: "r", issue_number: 1, body: "hi" });
    // Virtual time stands still outside `run`: replica b asks while a's pause (stored before onWait) is in force.
    await until(() => r.waits.length === 1);
    await r.run(
      Promise.all([
        posted,
        b1.rest.repos.get({ owner: "o", repo: "r" }),
        b1.rest.checks.update({ owner: "o", repo: "r", check_run_id: 1, status: "in_progress" }),
        b2.rest.repos.get({ owner: "o", repo: "other" }),
      ]),
    );
    expect(sent.sort()).toEqual([
      "a: POST comment @ 0",
      "a: POST comment @ 31000",
      "b: GET repo (installation 1) @ 30000",
      "b: GET repo (installation 2) @ 0",
      "b: PATCH check run (installation 1) @ 30000",
    ]);
  });

  test("with memory pacing (no shared schedule) the replicas double the rate: what the shared one prevents", async () => {
    const r = await twoReplicas(t!, {}, false);
    close = r.close;
    const times: number[] = [];
    nock(API)
      .patch("/repos/o/r/check-runs/1")
      .times(4)
      .reply(() => {
        times.push(r.elapsed());
        return [200, {}];
      });
    const [a1, b1] = await Promise.all([r.a.forInstallation(1), r.b.forInstallation(1)]);
    const update = (octokit: Client, id: number) =>
      octokit.rest.checks.update({ owner: "o", repo: "r", check_run_id: id, status: "in_progress" });
    await r.run(Promise.all([update(a1, 1), update(b1, 1), update(a1, 1), update(b1, 1)]));
    expect(times.sort((x, y) => x - y)).toEqual([0, 0, 1000, 1000]);
  });

  test("PostgresPaceStore refuses SQLite, where one process paces in memory", async () => {
    const sqlite = await createTestDatabase("sqlite");
    try {
      expect(() => new PostgresPaceStore(sqlite.db)).toThrow(/needs Postgres/);
    } finally {
      await sqlite.cleanup();
    }
  });
});

test("a failing schedule store fails the waiting requests with its error; the next request goes through", async () => {
  const memory = memoryPaceStore();
  let fail = true;
  const flaky: PaceStore = {
    read: (id) => memory.read(id),
    update: async (id, change) => {
      if (fail) throw new Error("database unavailable");
      return memory.update(id, change);
    },
  };
  const h = harness({ sharedSchedule: flaky });
  nock(API).patch("/repos/o/r/check-runs/1").reply(200, {});
  const octokit = await h.forInstallation(1);
  const update = () =>
    octokit.rest.checks.update({ owner: "o", repo: "r", check_run_id: 1, status: "in_progress" });
  await expect(h.run(Promise.all([update(), update()]))).rejects.toThrow("database unavailable");
  fail = false;
  await h.run(update());
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 1));
  expect(condition()).toBe(true);
}
