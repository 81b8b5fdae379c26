import nock from "nock";
import { afterEach, expect, test } from "vitest";
import { reviewMarker } from "../../../src/app/report/pr-review.js";
import { findingFingerprint, reviewPayload } from "../../../src/core/present/present.js";
import type { RunState } from "../../../src/core/run/run-state.js";
import { planOf } from "../../core/helpers.js";
import { API, type AppHarness, R, startApp } from "../harness.js";
import { exactly, finding, ReportedRun } from "../report-fixtures.js";

let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
  nock.cleanAll();
});

const plan = planOf({
  review: { name: "Review", steps: ["code-review:review", "security:security"] },
});

/** The PR's files: src/app.ts shows new lines 1-4, src/db.ts new lines 1-2. */
const FILES = [
  {
    filename: "src/app.ts",
    status: "modified",
    additions: 2,
    deletions: 0,
    patch: "@@ -1,2 +1,4 @@\n a\n+b\n+c\n d",
  },
  { filename: "src/db.ts", status: "added", additions: 2, deletions: 0, patch: "@@ -0,0 +1,2 @@\n+x\n+y" },
];
const LINES: Record<string, Set<number>> = {
  "src/app.ts": new Set([1, 2, 3, 4]),
  "src/db.ts": new Set([1, 2]),
};
const lines = (path: string) => LINES[path] ?? new Set<number>();

const high = finding("src/app.ts", 3, "Unchecked input", "high");
const offDiff = finding("src/app.ts", 40, "Slow loop", "medium");
const wholeFile = finding("src/app.ts", null, "Large file", "low");
const logLine = finding("src/db.ts", 2, "Secret in a log line", "low");

/** Check runs are not what these tests are about: answer them loosely. */
function checkRunsLoosely(): void {
  nock(API)
    .persist()
    .post(`${R}/check-runs`)
    .optionally()
    .reply(201, { id: 1 })
    .patch(`${R}/check-runs/1`)
    .optionally()
    .reply(200, {});
}

function prFiles(): void {
  nock(API).get(`${R}/pulls/7/files`).query({ per_page: 100, page: 1 }).reply(200, FILES);
}

function reviewPhase(run: RunState) {
  return run.plan.phases[0]!;
}

function finished(h: AppHarness, id: string): ReportedRun {
  return ReportedRun.of(h, plan, { id })
    .fail("code-review", { findings: [high, offDiff, wholeFile] })
    .succeed("security", { findings: [logLine] });
}

test("one review per phase once its review steps finished: inline comments only on diff lines, REQUEST_CHANGES at fail_on, never APPROVE; a re-run repeats no finding", async () => {
  h = await startApp({ reporting: true });
  checkRunsLoosely();
  prFiles();
  const run = finished(h, "run-1");
  const payload = reviewPayload(run.state, reviewPhase(run.state), lines, new Set());
  if (!payload) throw new Error("expected a review");
  expect(payload.event).toBe("REQUEST_CHANGES");
  expect(payload.comments.map((c) => `${c.path}:${c.line}`)).toEqual(["src/app.ts:3", "src/db.ts:2"]);
  const seen: unknown[] = [];
  nock(API)
    .post(
      `${R}/pulls/7/reviews`,
      exactly(
        {
          commit_id: run.state.facts.headSha,
          event: "REQUEST_CHANGES",
          body: `${payload.body}\n\n<!-- phasegate:review run-1/review/1.1 -->`,
          comments: payload.comments,
        },
        seen,
      ),
    )
    .reply(200, { id: 500 });
  run.report();
  await h.idle();
  expect(seen).toHaveLength(1);
  expect(JSON.stringify(seen)).not.toContain("APPROVE");
  expect((seen[0] as { body: string }).body).toContain("Slow loop");
  expect((seen[0] as { body: string }).body).toContain("Large file");
  const posted = await h.services.github.postedFingerprints("acme/widgets", 7);
  expect(posted).toEqual(new Set([high, offDiff, wholeFile, logLine].map(findingFingerprint)));
  expect(await h.services.github.effect("run-1", "review:review")).toEqual({
    state: "done",
    githubId: "500",
    data: { attempt: "1.1", fingerprints: payload.fingerprints },
  });

  // Reported again: the review is not posted twice.
  run.report();
  await h.idle();
  expect(nock.pendingMocks()).toEqual([]);

  // A re-run on the same PR finds the same issues plus one: only the new one is posted.
  const fresh = finding("src/app.ts", 2, "Off by one", "medium");
  const rerun = ReportedRun.of(h, plan, { id: "run-2" })
    .succeed("code-review", { findings: [high, fresh] })
    .succeed("security", { findings: [logLine] });
  const second = reviewPayload(rerun.state, reviewPhase(rerun.state), lines, posted);
  expect(second?.comments.map((c) => `${c.path}:${c.line}`)).toEqual(["src/app.ts:2"]);
  const again: unknown[] = [];
  nock(API)
    .post(
      `${R}/pulls/7/reviews`,
      exactly(
        {
          commit_id: rerun.state.facts.headSha,
          event: second?.event,
          body: `${second?.body}\n\n<!-- phasegate:review run-2/review/1.1 -->`,
          comments: second?.comments,
        },
        again,
      ),
    )
    .reply(200, { id: 501 });
  rerun.report();
  await h.idle();
  expect(again).toHaveLength(1);
  expect(JSON.stringify(again)).not.toContain("Unchecked input");
  expect(JSON.stringify(again)).not.toContain("Secret in a log line");
  expect(nock.pendingMocks()).toEqual([]);
});

test("no new finding: no review at all, and the PR's files are not even fetched", async () => {
  h = await startApp({ reporting: true });
  checkRunsLoosely();
  await h.services.github.addPostedFindings("acme/widgets", 7, [findingFingerprint(logLine)], 1);
  const run = ReportedRun.of(h, plan)
    .succeed("code-review")
    .succeed("security", { findings: [logLine] });
  run.report();
  await h.idle();
  expect(await h.services.github.effect("run-1", "review:review")).toEqual({
    state: "done",
    githubId: null,
    data: { attempt: "1.1" },
  });
  expect(nock.pendingMocks()).toEqual([]);
});

test("GitHub answers 422 for an inline comment line: the findings go in the review body instead (one retry)", async () => {
  h = await startApp({ reporting: true });
  checkRunsLoosely();
  prFiles();
  const run = finished(h, "run-1");
  const phase = reviewPhase(run.state);
  const inline = reviewPayload(run.state, phase, lines, new Set());
  const inBody = reviewPayload(run.state, phase, () => new Set(), new Set());
  expect(inline?.comments).toHaveLength(2);
  expect(inBody?.comments).toEqual([]);
  const marker = "\n\n<!-- phasegate:review run-1/review/1.1 -->";
  nock(API)
    .post(`${R}/pulls/7/reviews`, (b) => b.comments.length === 2)
    .reply(422, { message: "Unprocessable Entity", errors: ["Line could not be resolved"] })
    .post(
      `${R}/pulls/7/reviews`,
      exactly({
        commit_id: run.state.facts.headSha,
        event: "REQUEST_CHANGES",
        body: `${inBody?.body}${marker}`,
        comments: [],
      }),
    )
    .reply(200, { id: 502 });
  run.report();
  await h.idle();
  expect(nock.pendingMocks()).toEqual([]);
  expect(inBody?.body).toContain("Unchecked input");
  expect(await h.services.github.postedFingerprints("acme/widgets", 7)).toEqual(
    new Set([high, offDiff, wholeFile, logLine].map(findingFingerprint)),
  );
  expect(h.logs).toContainEqual(
    expect.objectContaining({
      runId: "run-1",
      msg: expect.stringContaining("GitHub refused an inline review comment"),
    }),
  );
});

test("a 5xx on POST reviews: the PR's reviews are listed and the one with our marker adopted, not posted again", async () => {
  h = await startApp({ reporting: true });
  checkRunsLoosely();
  prFiles();
  const run = finished(h, "run-1");
  const marker = reviewMarker("run-1", "review", "1.1");
  nock(API)
    .post(`${R}/pulls/7/reviews`)
    .reply(502, { message: "Bad gateway" })
    .get(`${R}/pulls/7/reviews`)
    .query({ per_page: 100 })
    .reply(200, [
      // Anyone can type a marker: a person's review is not ours.
      { id: 7, user: { login: "mallory", type: "User" }, body: marker },
      { id: 8, user: { login: "phasegate[bot]", type: "Bot" }, body: `findings…\n\n${marker}` },
    ]);
  run.report();
  await h.idle();
  expect(nock.pendingMocks()).toEqual([]);
  expect((await h.services.github.effect("run-1", "review:review"))?.githubId).toBe("8");
  expect((await h.services.github.postedFingerprints("acme/widgets", 7)).size).toBe(4);
});

test("a restart with a pending review in the ledger finds the posted review: no duplicate", async () => {
  h = await startApp({ reporting: true });
  const db = h.db;
  const fingerprints = [high, offDiff, wholeFile, logLine].map(findingFingerprint);
  await h.services.github.putEffect(
    "run-1",
    "review:review",
    { state: "pending", githubId: null, data: { attempt: "1.1", fingerprints } },
    1,
  );
  await h.kill();
  h = await startApp({ reporting: true, db });
  checkRunsLoosely();
  nock(API)
    .get(`${R}/pulls/7/reviews`)
    .query({ per_page: 100 })
    .reply(200, [{ id: 9, user: { type: "Bot" }, body: `x\n\n${reviewMarker("run-1", "review", "1.1")}` }]);
  const run = finished(h, "run-1");
  run.report();
  await h.idle();
  expect(nock.pendingMocks()).toEqual([]);
  expect(await h.services.github.effect("run-1", "review:review")).toEqual({
    state: "done",
    githubId: "9",
    data: { attempt: "1.1" },
  });
  expect(await h.services.github.postedFingerprints("acme/widgets", 7)).toEqual(new Set(fingerprints));
});

test("a cancelled run posts no review", async () => {
  h = await startApp({ reporting: true });
  checkRunsLoosely();
  const run = ReportedRun.of(h, plan)
    .succeed("code-review", { findings: [high] })
    .send({ type: "cancel", at: 1, by: "alice", reason: "not needed" });
  run.report();
  await h.idle();
  expect(await h.services.github.effect("run-1", "review:review")).toBeNull();
  expect(nock.pendingMocks()).toEqual([]);
});
