import nock from "nock";
import { afterEach, expect, test } from "vitest";
import { planOf } from "../../core/helpers.js";
import { answerOtherParts, approve, createRun } from "../deploy-fixtures.js";
import { API, type AppHarness, example, R, startApp } from "../harness.js";

const harnesses: AppHarness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.stop();
  nock.cleanAll();
});
async function app(): Promise<AppHarness> {
  answerOtherParts();
  const h = await startApp({ backoff: { serverErrorRetries: 0 } });
  harnesses.push(h);
  return h;
}

// GitHub's merge_group example: head_ref refs/heads/gh-readonly-queue/main/pr-104-929f…
const GROUP_HEAD = "2ffea6db159f6b6c47a24e778fb9ef40cf6b1c7d";
const GROUP_BASE = "380387fbc80638b734a49e1be1c4dfec1c01b33c";
const gated = planOf({ approve: ["gate:approval"] });

async function passingRun(h: AppHarness, number: number): Promise<void> {
  await createRun(h, gated, `run-${number}`, { number });
  await approve(h, `run-${number}`, "gate");
}

function groupCommits(commits: Record<string, number[]>) {
  const scope = nock(API)
    .get(`${R}/compare/${GROUP_BASE}...${GROUP_HEAD}`)
    .reply(200, { commits: Object.keys(commits).map((sha) => ({ sha })) });
  for (const [sha, numbers] of Object.entries(commits)) {
    scope.get(`${R}/commits/${sha}/pulls`).reply(
      200,
      numbers.map((number) => ({ number })),
    );
  }
}

function expectGroupCheck(conclusion: "success" | "failure", title: string, summary: string) {
  nock(API)
    .post(`${R}/check-runs`, {
      name: "agents",
      head_sha: GROUP_HEAD,
      status: "completed",
      conclusion,
      output: { title, summary },
    })
    .reply(201, { id: 1 });
}

test("merge group: every PR has a passing agents run for its head → agents success on the group's head", async () => {
  const h = await app();
  await passingRun(h, 104);
  groupCommits({ c0ffee1: [104] });
  expectGroupCheck(
    "success",
    "Every pull request in the group passed (#104)",
    "- #104: `agents` passed on abc1234",
  );
  await h.receive("merge_group", example("merge_group", "checks_requested"));
  expect(nock.pendingMocks()).toEqual([]);
});

test("merge group: a PR without a run and a PR whose run failed → agents failure naming them", async () => {
  const h = await app();
  await passingRun(h, 104);
  await createRun(h, gated, "run-106", { number: 106 });
  await h.services.engine.submit("run-106", {
    type: "gate-rejected",
    at: h.services.now(),
    stepId: "gate",
    by: "bob",
    reason: "no",
  });
  await h.idle();
  groupCommits({ c1: [104], c2: [105], c3: [106] });
  expectGroupCheck(
    "failure",
    "Not every pull request passed (#104, #105, #106)",
    [
      "- #104: `agents` passed on abc1234",
      "- #105: no phasegate run",
      "- #106: w: Failed: approve (on abc1234)",
    ].join("\n"),
  );
  await h.receive("merge_group", example("merge_group", "checks_requested"));
  expect(nock.pendingMocks()).toEqual([]);
});

test("merge group: reading the group fails → agents failure, never pending", async () => {
  const h = await app();
  nock(API).get(`${R}/compare/${GROUP_BASE}...${GROUP_HEAD}`).reply(404, { message: "Not Found" });
  nock(API)
    .post(`${R}/check-runs`, (body) => {
      expect(body).toEqual({
        name: "agents",
        head_sha: GROUP_HEAD,
        status: "completed",
        conclusion: "failure",
        output: {
          title: "Could not check the merge group",
          summary: expect.stringMatching(/^phasegate could not read the merge group: Not Found/),
        },
      });
      return true;
    })
    .reply(201, { id: 1 });
  await h.receive("merge_group", example("merge_group", "checks_requested"));
  expect(nock.pendingMocks()).toEqual([]);
});
