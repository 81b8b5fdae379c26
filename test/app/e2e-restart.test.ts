import nock from "nock";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import type { TestDatabase } from "../db/databases.js";
import { scrapeMetrics } from "../helpers/serve-handler.js";
import {
  APPROVER,
  agentsPassed,
  approvalPassed,
  approvedReview,
  auditAfterStart,
  body,
  bootE2E,
  expectSegments,
  firstReview,
  HEAD,
  MERGE_SHA,
  mergePassed,
  mockCreateCheckRun,
  mockGateReads,
  mockMerge,
  mockPermission,
  mockPull,
  mockToGate,
  mockUpdateCheckRun,
  PATCH_V1,
  PR,
  prEvent,
  requests,
  runsOfPr,
  type Unexpected,
  watchUnexpected,
} from "./e2e-fixtures.js";
import { API, APP_DATABASES, type AppHarness, R } from "./harness.js";

const running: AppHarness[] = [];
let db: TestDatabase | undefined;
let unexpected: Unexpected[] = [];
beforeEach(() => {
  unexpected = watchUnexpected();
});
afterEach(async () => {
  for (const h of running.splice(0)) await h.kill();
  await db?.cleanup();
  db = undefined;
  nock.cleanAll();
});

const IDS = { agents: 101, review: 102, approval: 103 };
const MERGE_CHECK = 104;

/** The effects ledger of a run: key → state, as a restart finds it. */
async function ledger(h: AppHarness, runId: string): Promise<Record<string, string>> {
  const effects = await h.services.github.effects(runId);
  return Object.fromEntries([...effects].map(([k, v]) => [k, v.state]));
}

describe.each(APP_DATABASES)("end to end on %s", (database) => {
  test("restart while the gate waits: nothing is sent again; the approval then PATCHes each check run once and merges once", async () => {
    const first = await bootE2E(database);
    running.push(first.h);
    db = first.h.db;
    mockToGate(HEAD, PATCH_V1, IDS, firstReview(HEAD));
    await first.h.receive("pull_request", prEvent("opened"));
    expect(unexpected).toEqual([]);
    expect(nock.pendingMocks()).toEqual([]);
    const [run] = await runsOfPr(first.h);
    const runId = run?.id ?? "";
    expect(await ledger(first.h, runId)).toEqual({
      "check:agents": "done",
      "check:agents / Review": "done",
      "check:agents / Approval": "done",
      "review:review": "done",
    });

    // 1. The process dies; a new one starts on the same database: resuming sends nothing (GitHub shows it all).
    running.splice(0);
    await first.h.kill();
    const second = await bootE2E(database, { db, clock: first.clock });
    running.push(second.h);
    const h = second.h;
    await h.idle();
    expect(requests(h)).toEqual([]);

    // 2. The approving review: gate reads, then (at once, no interval pending in this process) both PATCHes and
    //    the merge, then the merge phase created completed. No POST of `agents`, Review, Approval or a PR review.
    second.clock.t += 60_000;
    mockGateReads([{ login: APPROVER, state: "APPROVED", sha: HEAD }]);
    mockPermission(APPROVER, "write");
    mockMerge("squash", HEAD);
    mockUpdateCheckRun(IDS.agents, agentsPassed(HEAD));
    mockUpdateCheckRun(IDS.approval, approvalPassed(HEAD, APPROVER));
    mockCreateCheckRun(MERGE_CHECK, mergePassed(HEAD, true));
    await h.receive("pull_request_review", approvedReview(APPROVER, HEAD));
    expect(unexpected).toEqual([]);
    expect(nock.pendingMocks()).toEqual([]);
    expectSegments(requests(h), [
      [`GET ${R}/pulls/${PR}`],
      [`GET ${R}/pulls/${PR}/reviews?per_page=100`],
      [`GET ${R}/collaborators/${APPROVER}/permission`],
      [
        `PATCH ${R}/check-runs/${IDS.agents}`,
        `PUT ${R}/pulls/${PR}/merge`,
        `PATCH ${R}/check-runs/${IDS.approval}`,
      ],
      // The only creation: the merge phase had never started before.
      [`POST ${R}/check-runs`],
    ]);
    const [done] = await runsOfPr(h);
    expect(done?.status).toBe("succeeded");
    const audit = await auditAfterStart(h, runId);
    expect([audit.first?.action, ...audit.rest.map((a) => a.action)]).toEqual(["run", "approve", "merge"]);
    expect(await ledger(h, runId)).toEqual({
      "check:agents": "done",
      "check:agents / Review": "done",
      "check:agents / Approval": "done",
      "check:agents / Merge": "done",
      "review:review": "done",
      merge: "done",
    });
  });

  test("restart while the merge PUT was in flight (ledger `pending`, lease expired): the new process finds the PR merged and sends no second PUT", async () => {
    const first = await bootE2E(database);
    running.push(first.h);
    db = first.h.db;
    mockToGate(HEAD, PATCH_V1, IDS, firstReview(HEAD));
    await first.h.receive("pull_request", prEvent("opened"));
    expect(nock.pendingMocks()).toEqual([]);
    const [run] = await runsOfPr(first.h);
    const runId = run?.id ?? "";

    // 1. The approval arrives; GitHub takes its time answering the merge, and the process dies meanwhile.
    first.clock.t += 60_000;
    mockGateReads([{ login: APPROVER, state: "APPROVED", sha: HEAD }]);
    mockPermission(APPROVER, "write");
    // `agents` reads success before the merge is asked for.
    mockUpdateCheckRun(IDS.agents, agentsPassed(HEAD));
    const putSeen = new Promise<void>((resolve) => {
      nock(API)
        .put(`${R}/pulls/${PR}/merge`, body({ sha: HEAD, merge_method: "squash" }))
        .delay(10_000)
        .reply(200, { sha: MERGE_SHA, merged: true, message: "Pull Request successfully merged" })
        .on("request", () => resolve());
    });
    void first.h.probot.receive({
      id: "review-1",
      name: "pull_request_review",
      payload: approvedReview(APPROVER, HEAD),
    } as Parameters<AppHarness["probot"]["receive"]>[0]);
    await putSeen;
    running.splice(0);
    await first.h.kill();
    expect(unexpected).toEqual([]);
    expect(nock.pendingMocks()).toEqual([]);
    expect(await db.store.loadRun(runId).then((r) => r?.steps.get("merge")?.status)).toBe("running");
    expect(
      await db.db.kysely
        .selectFrom("effects")
        .select(["key", "state", "github_id"])
        .where("run_id", "=", runId)
        .where("key", "=", "merge")
        .execute(),
    ).toEqual([{ key: "merge", state: "pending", github_id: null }]);

    // The approval phase's update, held back by the interval, died with the process.
    expect(requests(first.h).slice(-5)).toEqual([
      `GET ${R}/pulls/${PR}`,
      `GET ${R}/pulls/${PR}/reviews?per_page=100`,
      `GET ${R}/collaborators/${APPROVER}/permission`,
      `PATCH ${R}/check-runs/${IDS.agents}`,
      `PUT ${R}/pulls/${PR}/merge`,
    ]);

    // 2. A new process: the merge step's lease is over, it runs again and asks GitHub first: merged, with our
    //    head. Meanwhile the resumed reporter sends what GitHub does not show yet; the merge phase, finished
    //    within the interval, is created completed.
    first.clock.t += 60_000;
    mockPull({ merged: true });
    mockUpdateCheckRun(IDS.approval, approvalPassed(HEAD, APPROVER));
    mockCreateCheckRun(MERGE_CHECK, mergePassed(HEAD, true));
    const second = await bootE2E(database, { db, clock: first.clock });
    running.push(second.h);
    const h = second.h;
    await h.idle();
    await h.services.engine.settled(runId);
    await h.idle();
    expect(unexpected).toEqual([]);
    expect(nock.pendingMocks()).toEqual([]);
    expectSegments(requests(h), [
      [`GET ${R}/pulls/${PR}`, `PATCH ${R}/check-runs/${IDS.approval}`],
      [`POST ${R}/check-runs`],
    ]);
    expect(requests(h)).not.toContain(`PUT ${R}/pulls/${PR}/merge`);
    const [done] = await runsOfPr(h);
    expect(done?.status).toBe("succeeded");
    expect(done?.steps.get("merge")).toMatchObject({ status: "succeeded", attempts: 2 });
    // The new process took the merge step back from the dead one: one lease expiry on /metrics.
    expect(await scrapeMetrics(h.http)).toContain("phasegate_engine_lease_expiries_total 1\n");
    expect(await h.services.github.effect(runId, "merge")).toEqual({
      state: "done",
      githubId: MERGE_SHA,
      data: { sha: HEAD },
    });
    const audit = await auditAfterStart(h, runId);
    expect([audit.first?.action, ...audit.rest.map((a) => a.action)]).toEqual(["run", "approve", "merge"]);
  });
});
