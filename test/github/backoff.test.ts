import nock from "nock";
import { afterEach, beforeEach, expect, test } from "vitest";
import { GitHubRateLimitError } from "../../src/github/errors.js";
import { harness } from "./harness.js";

const API = "https://api.github.com";
const COMMENTS = "/repos/o/r/issues/1/comments";
const ROUTE = "POST /repos/{owner}/{repo}/issues/{issue_number}/comments";
const SECONDARY = {
  message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
};

beforeEach(() => nock.cleanAll());
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});

const comment = (octokit: Awaited<ReturnType<ReturnType<typeof harness>["forInstallation"]>>) =>
  octokit.rest.issues.createComment({ owner: "o", repo: "r", issue_number: 1, body: "hi" });

test("a secondary limit with retry-after pauses that installation for exactly that long, then succeeds", async () => {
  const h = harness();
  const sent: string[] = [];
  const note = (label: string) => sent.push(`${label} @ ${h.elapsed()}`);
  nock(API)
    .post(COMMENTS, { body: "hi" })
    .reply(() => {
      note("POST comment");
      return [403, SECONDARY, { "retry-after": "30" }];
    })
    .post(COMMENTS, { body: "hi" })
    .reply(() => {
      note("POST comment");
      return [201, { id: 7 }];
    })
    .get("/repos/o/r")
    .times(2)
    .reply(() => {
      note("GET repo");
      return [200, {}];
    });
  const [one, two] = await Promise.all([h.forInstallation(1), h.forInstallation(2)]);
  const posted = comment(one);
  // Virtual time stands still outside h.run, so these reads are issued while installation 1 is paused.
  await until(() => h.waits.length === 1);
  const [result] = await h.run(
    Promise.all([
      posted,
      one.rest.repos.get({ owner: "o", repo: "r" }),
      two.rest.repos.get({ owner: "o", repo: "r" }),
    ]),
  );
  expect(result.data).toEqual({ id: 7 });
  expect(sent.sort()).toEqual([
    "GET repo @ 0",
    "GET repo @ 30000",
    "POST comment @ 0",
    "POST comment @ 30000",
  ]);
  expect(h.waits).toEqual([
    { installationId: 1, route: ROUTE, reason: "secondary-rate-limit", waitMs: 30_000, attempt: 1 },
  ]);
});

test("a secondary limit without retry-after backs off 60 s, 120 s, 240 s", async () => {
  const h = harness();
  const times: number[] = [];
  const limited = () => {
    times.push(h.elapsed());
    return [403, SECONDARY] as const;
  };
  nock(API)
    .post(COMMENTS)
    .times(3)
    .reply(limited)
    .post(COMMENTS)
    .reply(() => {
      times.push(h.elapsed());
      return [201, {}];
    });
  await h.run(comment(await h.forInstallation(1)));
  expect(times).toEqual([0, 60_000, 180_000, 420_000]);
  expect(h.waits.map((w) => [w.reason, w.waitMs])).toEqual([
    ["secondary-rate-limit", 60_000],
    ["secondary-rate-limit", 120_000],
    ["secondary-rate-limit", 240_000],
  ]);
});

test("the primary limit (x-ratelimit-remaining: 0) waits until x-ratelimit-reset", async () => {
  const h = harness();
  const reset = Math.floor(h.clock.now() / 1000) + 120;
  const times: number[] = [];
  nock(API)
    .get("/repos/o/r/pulls/1")
    .reply(() => {
      times.push(h.elapsed());
      const headers = { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) };
      return [403, { message: "API rate limit exceeded for installation ID 1." }, headers];
    })
    .get("/repos/o/r/pulls/1")
    .reply(() => {
      times.push(h.elapsed());
      return [200, { number: 1 }];
    });
  const octokit = await h.forInstallation(1);
  const { data } = await h.run(octokit.rest.pulls.get({ owner: "o", repo: "r", pull_number: 1 }));
  expect(data).toEqual({ number: 1 });
  // One second past the reset: GitHub's reset has one-second resolution.
  expect(times).toEqual([0, 121_000]);
  expect(h.waits).toEqual([
    {
      installationId: 1,
      route: "GET /repos/{owner}/{repo}/pulls/{pull_number}",
      reason: "primary-rate-limit",
      waitMs: 121_000,
      attempt: 1,
    },
  ]);
});

test("gives up with GitHubRateLimitError once the next back-off would pass the bound (15 min by default)", async () => {
  const h = harness();
  nock(API).post(COMMENTS).times(5).reply(429, SECONDARY);
  const error = await h.run(comment(await h.forInstallation(9))).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(GitHubRateLimitError);
  expect(error).toMatchObject({ route: ROUTE, installationId: 9, waitedMs: 900_000, nextWaitMs: 960_000 });
  expect((error as Error).message).toBe(
    `GitHub rate limit on ${ROUTE} for installation 9: gave up after waiting 900 s (the next wait, 960 s, would pass the bound)`,
  );
  expect(h.waits.map((w) => w.waitMs)).toEqual([60_000, 120_000, 240_000, 480_000]);
  expect(h.elapsed()).toBe(900_000);
});

test("the bound is configurable: a retry-after longer than maxWaitMs fails at once", async () => {
  const h = harness({ maxWaitMs: 10_000 });
  nock(API).post(COMMENTS).reply(403, SECONDARY, { "retry-after": "60" });
  const error = await h.run(comment(await h.forInstallation(1))).catch((e: unknown) => e);
  expect(error).toMatchObject({ name: "GitHubRateLimitError", waitedMs: 0, nextWaitMs: 60_000 });
  expect(h.waits).toEqual([]);
});

test("a 403 that is not a rate limit is rethrown at once", async () => {
  const h = harness();
  nock(API).post(COMMENTS).reply(403, { message: "Resource not accessible by integration" });
  const error = await h.run(comment(await h.forInstallation(1))).catch((e: unknown) => e);
  expect(error).toMatchObject({ status: 403, message: expect.stringContaining("Resource not accessible") });
  expect(h.waits).toEqual([]);
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 1));
  expect(condition()).toBe(true);
}

test("writes queued before a pause resume a second apart after it, not in a burst", async () => {
  const h = harness();
  const sent: string[] = [];
  const note = (label: string) => sent.push(`${label} @ ${h.elapsed()}`);
  nock(API)
    .post(COMMENTS)
    .reply(() => {
      note("POST");
      return [403, SECONDARY, { "retry-after": "10" }];
    })
    .post(COMMENTS)
    .reply(() => {
      note("POST");
      return [201, {}];
    });
  for (const id of [1, 2]) {
    nock(API)
      .patch(`/repos/o/r/check-runs/${id}`)
      .reply(() => {
        note(`PATCH ${id}`);
        return [200, {}];
      });
  }
  const octokit = await h.forInstallation(1);
  const update = (id: number) =>
    octokit.rest.checks.update({ owner: "o", repo: "r", check_run_id: id, status: "in_progress" });
  await h.run(Promise.all([comment(octokit), update(1), update(2)]));
  expect(sent).toEqual(["POST @ 0", "PATCH 1 @ 10000", "PATCH 2 @ 11000", "POST @ 12000"]);
});
