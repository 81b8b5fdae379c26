import nock from "nock";
import { afterEach, expect, test } from "vitest";
import type { Clock } from "../../../src/github/clock.js";
import { planOf } from "../../core/helpers.js";
import { API, type AppHarness, R, startApp } from "../harness.js";
import { finding, ReportedRun } from "../report-fixtures.js";

// Writes are paced as in production (one a second per installation, in the order they are asked for) on a clock
// whose waits pass at once: the order GitHub gets them in is the order people see them in.

let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
  nock.cleanAll();
});

/** Pacing time that passes at once: each wait moves the clock on; waits end in the order they began. */
function instantClock(): Clock {
  let t = Date.UTC(2026, 0, 1);
  return {
    now: () => t,
    async sleep(ms) {
      if (ms > 0) t += ms;
      await new Promise<void>((resolve) => setImmediate(resolve));
    },
  };
}

const reviewThenApproval = () => ({
  review: { name: "Review", steps: ["code-review:review", "security:security"] },
  approve: { name: "Approval", needs: ["review"], steps: ["approval:approval"] },
});
const plan = planOf(reviewThenApproval());

const FILES = [
  {
    filename: "src/app.ts",
    status: "modified",
    additions: 2,
    deletions: 0,
    patch: "@@ -1,2 +1,4 @@\n a\n+b\n+c\n d",
  },
];

/** Answers the run's writes, recording them in the order GitHub gets them. */
function recordWrites(): string[] {
  const writes: string[] = [];
  const ids: Record<string, number> = {
    agents: 101,
    "agents / Review": 102,
    "agents / Approval": 103,
    "agents / Merge": 104,
  };
  nock(API).get(`${R}/pulls/7/files`).query({ per_page: 100, page: 1 }).reply(200, FILES);
  nock(API)
    .post(`${R}/pulls/7/reviews`)
    .reply(200, () => {
      writes.push("POST review");
      return { id: 900 };
    });
  for (const [name, id] of Object.entries(ids)) {
    nock(API)
      .post(`${R}/check-runs`, (b: { name?: string }) => b.name === name)
      .optionally()
      .reply(201, () => {
        writes.push(`POST ${name}`);
        return { id };
      })
      .patch(`${R}/check-runs/${id}`)
      .optionally()
      .times(5)
      .reply(200, () => {
        writes.push(`PATCH ${name}`);
        return { id };
      });
  }
  return writes;
}

const findings = [finding("src/app.ts", 3, "Unchecked input", "medium"), finding("src/app.ts", null, "Big")];

test("the PR review goes out before the check-run writes of the same change, paced one write a second", async () => {
  h = await startApp({
    reporting: true,
    paceLimits: { writeIntervalMs: 1000 },
    clock: instantClock(),
    tuning: { checkRunIntervalMs: 0 },
  });
  const writes = recordWrites();
  const run = ReportedRun.of(h, plan).report();
  await h.idle();
  expect(writes).toEqual(["POST agents", "POST agents / Review"]);

  // The review steps finish: the review first, then `agents`, the finished phase and the phase that started.
  run.succeed("code-review", { findings }).succeed("security").report();
  await h.idle();
  expect(writes.slice(2)).toEqual([
    "POST review",
    "PATCH agents",
    "PATCH agents / Review",
    "POST agents / Approval",
  ]);
  expect(nock.pendingMocks()).toEqual([]);
});

test("a review that finishes while its check runs are held back is posted before any check run is created", async () => {
  // Production coalescing: a check run in progress, `agents` too, is created two intervals after it was
  // first wanted (here 2 s: the review steps finish well before).
  h = await startApp({
    reporting: true,
    paceLimits: { writeIntervalMs: 1000 },
    clock: instantClock(),
    tuning: { checkRunIntervalMs: 1000 },
  });
  const writes = recordWrites();
  const run = ReportedRun.of(h, plan).report();
  await new Promise((resolve) => setTimeout(resolve, 50));
  run.succeed("code-review", { findings }).succeed("security").wait("approval").report();
  await h.idle();
  // Nothing was written before the review; the finished phase is created completed right after it, and
  // `agents` and the waiting phase once their hold is over.
  expect(writes).toEqual(["POST review", "POST agents / Review", "POST agents", "POST agents / Approval"]);
  expect(nock.pendingMocks()).toEqual([]);
});

test("a pass that waited on GitHub while the run changed leaves a check run to the next pass: created once, as it is then", async () => {
  // Coalescing on (a short interval): `agents` and the phase are created together once their hold is over.
  h = await startApp({ reporting: true, tuning: { checkRunIntervalMs: 50 } });
  const writes: string[] = [];
  // Records `POST <name> <status>` (`PATCH agents <status>`) and answers with the check run's id.
  const record = (what: string) => async (req: Request) => {
    const b = (await req.json()) as { name?: string; status?: string };
    writes.push(`${what === "POST" ? `POST ${b.name}` : what} ${b.status}`);
    return { id: b.name === "agents" ? 101 : 102 };
  };
  let agentsSeen: () => void = () => undefined;
  const seen = new Promise<void>((resolve) => {
    agentsSeen = resolve;
  });
  nock(API)
    // GitHub is slow to answer the first write; the review step finishes meanwhile.
    .post(`${R}/check-runs`, (b: { name?: string }) => b.name === "agents")
    .delay(300)
    .reply(201, async (req) => {
      agentsSeen();
      return record("POST")(req);
    })
    .post(`${R}/check-runs`)
    .reply(201, record("POST"))
    .patch(`${R}/check-runs/101`)
    .reply(200, record("PATCH agents"));
  const run = ReportedRun.of(h, planOf({ review: { name: "Review", steps: ["lint:security"] } })).report();
  await seen;
  run.succeed("lint").report();
  await h.idle();
  // Not `agents / Review` created in progress from the older view and PATCHed a moment later: one POST.
  expect(writes).toEqual([
    "POST agents in_progress",
    "POST agents / Review completed",
    "PATCH agents completed",
  ]);
  expect(nock.pendingMocks()).toEqual([]);
});

test("before a merge, reportNow writes `agents` alone; the phases' check runs follow the merge's result", async () => {
  h = await startApp({
    reporting: true,
    paceLimits: { writeIntervalMs: 1000 },
    clock: instantClock(),
    tuning: { checkRunIntervalMs: 0 },
  });
  const writes = recordWrites();
  const run = ReportedRun.of(
    h,
    planOf({
      ...reviewThenApproval(),
      merge: { name: "Merge", needs: ["approve"], steps: ["merge:merge"] },
    }),
  ).report();
  await h.idle();
  run.succeed("code-review", { findings }).succeed("security").report();
  await h.idle();
  run.succeed("approval");
  const before = writes.length;
  // The merge step asks for `agents` first (a required check must read success before GitHub merges): the
  // merge waits for this, so nothing else goes ahead of it.
  await run.reporter.reportNow(run.state);
  expect(writes.slice(before)).toEqual(["PATCH agents"]);
  run.succeed("merge").report();
  await h.idle();
  expect(writes.slice(before + 1)).toEqual(["PATCH agents / Approval", "POST agents / Merge"]);
  expect(nock.pendingMocks()).toEqual([]);
});
