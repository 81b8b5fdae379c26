import nock from "nock";
import { afterEach, expect, test } from "vitest";
import { newRunState } from "../../../src/core/run/run-state.js";
import { planOf } from "../../core/helpers.js";
import {
  answerOtherParts,
  approve,
  audit,
  createRun,
  HEAD,
  load,
  MERGE_SHA,
  prFacts,
} from "../deploy-fixtures.js";
import { API, type AppHarness, R, startApp } from "../harness.js";

const harnesses: AppHarness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.stop();
  nock.cleanAll();
});
async function app(opts: Parameters<typeof startApp>[0] = {}): Promise<AppHarness> {
  answerOtherParts();
  const h = await startApp({ backoff: { serverErrorRetries: 0 }, ...opts });
  harnesses.push(h);
  return h;
}

const mergeOnly = planOf({ ship: [{ id: "merge", uses: "merge", with: { method: "squash" } }] });
const gated = planOf({
  approve: ["gate:approval"],
  ship: { needs: ["approve"], steps: [{ id: "merge", uses: "merge" }] },
});

test("merge: PUT with the approved head SHA and the method; records the merge commit, the effect and the audit", async () => {
  const h = await app();
  nock(API)
    .put(`${R}/pulls/7/merge`, { sha: HEAD, merge_method: "squash" })
    .reply(200, { sha: MERGE_SHA, merged: true, message: "Pull Request successfully merged" });
  await createRun(h, mergeOnly);

  const run = await load(h);
  expect(run.status).toBe("succeeded");
  expect(run.steps.get("merge")).toMatchObject({
    status: "succeeded",
    output: { summary: "merged abc1234 with squash as def5678", data: { mergeSha: MERGE_SHA, sha: HEAD } },
  });
  expect(await h.services.github.effect("run-1", "merge")).toEqual({
    state: "done",
    githubId: MERGE_SHA,
    data: { sha: HEAD },
  });
  expect(await h.services.github.runIdsByEffect("merge", MERGE_SHA)).toEqual(["run-1"]);
  expect(await audit(h)).toEqual([
    {
      runId: "run-1",
      actor: "phasegate",
      action: "merge",
      stepId: "merge",
      sha: HEAD,
      reason: `merged with squash as ${MERGE_SHA}`,
    },
  ]);
  expect(nock.pendingMocks()).toEqual([]);
});

test("merge refused with 409: the step fails with GitHub's message, the gate waits again, a new approval merges", async () => {
  const h = await app();
  await createRun(h, gated);
  expect((await load(h)).steps.get("gate")?.status).toBe("waiting");

  const message = "Head branch was modified. Review and try the merge again.";
  nock(API)
    .put(`${R}/pulls/7/merge`, { sha: HEAD, merge_method: "merge" })
    .reply(409, { message, documentation_url: "https://docs.github.com/rest" });
  let run = await approve(h, "run-1", "gate");
  expect(run.steps.get("merge")).toMatchObject({
    status: "failed",
    error: message,
    output: { summary: `merge refused: ${message}` },
  });
  expect(run.steps.get("gate")).toMatchObject({ status: "waiting", waitingFor: "approval" });
  expect(run.status).toBe("waiting");
  expect(nock.pendingMocks()).toEqual([]);

  // Approved again: the second attempt first makes sure the PR was not merged meanwhile, then merges.
  nock(API)
    .get(`${R}/pulls/7`)
    .reply(200, { number: 7, merged: false, merge_commit_sha: null, head: { sha: HEAD } })
    .put(`${R}/pulls/7/merge`, { sha: HEAD, merge_method: "merge" })
    .reply(200, { sha: MERGE_SHA, merged: true, message: "Pull Request successfully merged" });
  run = await approve(h, "run-1", "gate", "carol");
  expect(run.steps.get("merge")).toMatchObject({ status: "succeeded", attempts: 2 });
  expect(run.status).toBe("succeeded");
  expect((await audit(h)).map((a) => [a.action, a.reason])).toEqual([
    ["merge-refused", message],
    ["merge", `merged with merge as ${MERGE_SHA}`],
  ]);
  expect(nock.pendingMocks()).toEqual([]);
});

test("merge refused with 405: the step fails with GitHub's message", async () => {
  const h = await app();
  await createRun(h, gated);
  nock(API)
    .put(`${R}/pulls/7/merge`, { sha: HEAD, merge_method: "merge" })
    .reply(405, { message: "Pull Request is not mergeable" });
  const run = await approve(h, "run-1", "gate");
  expect(run.steps.get("merge")).toMatchObject({ status: "failed", error: "Pull Request is not mergeable" });
  expect(run.steps.get("gate")?.status).toBe("waiting");
  expect(nock.pendingMocks()).toEqual([]);
});

test("restart after a merge whose answer was never recorded: the PR is found merged, no second PUT", async () => {
  const h = await app();
  const seen = new Promise<void>((resolve) => {
    nock(API)
      .put(`${R}/pulls/7/merge`, { sha: HEAD, merge_method: "squash" })
      .delay(5_000)
      .reply(200, () => {
        return { sha: MERGE_SHA, merged: true, message: "Pull Request successfully merged" };
      })
      .on("request", () => resolve());
  });
  await h.services.engine.createRun(
    newRunState({ id: "run-1", plan: mergeOnly, facts: prFacts(), createdAt: h.services.now() }),
  );
  await seen;
  // The process dies while GitHub merges: the answer is lost, the merge stays pending in the ledger.
  await h.kill();
  expect(
    await h.db.db.kysely
      .selectFrom("effects")
      .select(["key", "state", "github_id"])
      .where("key", "=", "merge")
      .execute(),
  ).toEqual([{ key: "merge", state: "pending", github_id: null }]);

  nock(API)
    .get(`${R}/pulls/7`)
    .reply(200, { number: 7, merged: true, merge_commit_sha: MERGE_SHA, head: { sha: HEAD } });
  const again = await app({ db: h.db });
  await again.idle();
  await again.services.engine.settled("run-1");
  await again.idle();
  const run = await load(again);
  expect(run.steps.get("merge")).toMatchObject({
    status: "succeeded",
    attempts: 2,
    output: { summary: "merged abc1234 with squash as def5678" },
  });
  expect(await again.services.github.effect("run-1", "merge")).toMatchObject({
    state: "done",
    githubId: MERGE_SHA,
  });
  expect(nock.pendingMocks()).toEqual([]);
  await h.db.cleanup();
});
