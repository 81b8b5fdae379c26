import nock from "nock";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import {
  APPROVER,
  AUTHOR,
  agentsSuperseded,
  approvalSuperseded,
  approvedReview,
  auditRows,
  bootE2E,
  expectSegments,
  firstReview,
  HEAD,
  mockGateReads,
  mockPermission,
  mockToGate,
  mockUpdateCheckRun,
  NEW_HEAD,
  NEW7,
  PATCH_V1,
  PATCH_V2,
  PR,
  prEvent,
  requests,
  runsOfPr,
  secondReview,
  type Unexpected,
  watchUnexpected,
} from "./e2e-fixtures.js";
import type { AppHarness } from "./harness.js";
import { APP_DATABASES, R } from "./harness.js";

let h: AppHarness | undefined;
let unexpected: Unexpected[] = [];
beforeEach(() => {
  unexpected = watchUnexpected();
});
afterEach(async () => {
  await h?.stop();
  h = undefined;
  nock.cleanAll();
});

const OLD = { agents: 101, review: 102, approval: 103 };
const NEW = { agents: 201, review: 202, approval: 203 };

describe.each(APP_DATABASES)("end to end on %s", (database) => {
  test("a push while the gate waits: the old run is cancelled on GitHub, a new run reviews the new head, an approval of the old head opens nothing", async () => {
    const e = await bootE2E(database);
    h = e.h;
    const opened = mockToGate(HEAD, PATCH_V1, OLD, firstReview(HEAD));
    await h.receive("pull_request", prEvent("opened"));
    expect(unexpected).toEqual([]);
    expect(nock.pendingMocks()).toEqual([]);

    // 1. The author pushes NEW_HEAD (one more line: `debugger;`) a minute later.
    e.clock.t += 60_000;
    const pushed = mockToGate(NEW_HEAD, PATCH_V2, NEW, secondReview(NEW_HEAD));
    mockUpdateCheckRun(OLD.agents, agentsSuperseded(HEAD, NEW_HEAD));
    mockUpdateCheckRun(OLD.approval, approvalSuperseded(NEW_HEAD));
    await h.receive("pull_request", prEvent("synchronize", NEW_HEAD));
    expect(unexpected).toEqual([]);
    expect(nock.pendingMocks()).toEqual([]);
    expectSegments(requests(h), [
      ...opened,
      // The new run as on `opened` (its review posts only the new finding) …
      ...pushed.slice(0, 2),
      // … its files and review, in any order with the old run's open check runs completed `cancelled` (once the
      // PR was read; the old review phase had completed: left alone) …
      [
        ...(pushed[2] ?? []),
        ...(pushed[3] ?? []),
        `PATCH ${R}/check-runs/${OLD.agents}`,
        `PATCH ${R}/check-runs/${OLD.approval}`,
      ],
      // … then, one interval on, the new run's `agents` and approval phase, its gate waiting.
      ...pushed.slice(4),
    ]);

    const [oldRun, newRun] = await runsOfPr(h);
    expect([oldRun?.facts.headSha, oldRun?.status, oldRun?.reason]).toEqual([
      HEAD,
      "cancelled",
      `superseded by ${NEW7}`,
    ]);
    expect(oldRun?.steps.get("approval")).toMatchObject({
      status: "cancelled",
      reason: `superseded by ${NEW7}`,
    });
    expect(await auditRows(h, oldRun?.id ?? "")).toEqual([
      { actor: AUTHOR, action: "run", stepId: null, sha: HEAD, reason: "pull_request.opened" },
      { actor: AUTHOR, action: "supersede", stepId: null, sha: HEAD, reason: `superseded by ${NEW7}` },
    ]);
    expect([newRun?.facts.headSha, newRun?.status, newRun?.facts.github?.lastPusher]).toEqual([
      NEW_HEAD,
      "waiting",
      AUTHOR,
    ]);

    // 2. carol approves the OLD head: GitHub says the head moved on; the new run's gate reads it and stays shut.
    e.clock.t += 60_000;
    mockGateReads([{ login: APPROVER, state: "APPROVED", sha: HEAD }], NEW_HEAD);
    // The stale approver's permission is looked up although her review cannot count (see the report).
    mockPermission(APPROVER, "write");
    const before = requests(h).length;
    await h.receive("pull_request_review", approvedReview(APPROVER, HEAD));
    expect(unexpected).toEqual([]);
    expect(nock.pendingMocks()).toEqual([]);
    expect(requests(h).slice(before)).toEqual([
      `GET ${R}/pulls/${PR}`,
      `GET ${R}/pulls/${PR}/reviews?per_page=100`,
      `GET ${R}/collaborators/${APPROVER}/permission`,
    ]);
    const [, still] = await runsOfPr(h);
    expect(still?.status).toBe("waiting");
    expect(still?.steps.get("approval")).toMatchObject({
      status: "waiting",
      output: { summary: `needs 1 more approval on ${NEW7}` },
    });
    expect((await auditRows(h, still?.id ?? "")).map((a) => a.action)).toEqual(["run"]);
  });
});
