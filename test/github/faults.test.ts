import nock from "nock";
import { afterEach, beforeEach, expect, test } from "vitest";
import { GitHubWriteUncertainError } from "../../src/github/errors.js";
import { harness } from "./harness.js";

const API = "https://api.github.com";

beforeEach(() => nock.cleanAll());
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});

test("a 502 on PATCH is retried with back-off (1 s, 2 s) until it succeeds", async () => {
  const h = harness();
  const times: number[] = [];
  const body = { status: "completed", conclusion: "success" };
  nock(API)
    .patch("/repos/o/r/check-runs/5", body)
    .times(2)
    .reply(() => {
      times.push(h.elapsed());
      return [502, { message: "Server Error" }];
    })
    .patch("/repos/o/r/check-runs/5", body)
    .reply(() => {
      times.push(h.elapsed());
      return [200, { id: 5 }];
    });
  const octokit = await h.forInstallation(1);
  const { data } = await h.run(
    octokit.rest.checks.update({
      owner: "o",
      repo: "r",
      check_run_id: 5,
      status: "completed",
      conclusion: "success",
    }),
  );
  expect(data).toEqual({ id: 5 });
  expect(times).toEqual([0, 1000, 3000]);
  expect(h.waits).toEqual([
    {
      installationId: 1,
      route: "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}",
      reason: "server-error",
      waitMs: 1000,
      attempt: 1,
    },
    {
      installationId: 1,
      route: "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}",
      reason: "server-error",
      waitMs: 2000,
      attempt: 2,
    },
  ]);
});

test("an idempotent request that keeps failing is rethrown after 3 retries", async () => {
  const h = harness();
  nock(API).get("/repos/o/r/pulls/1").times(4).reply(503, { message: "Unavailable" });
  const octokit = await h.forInstallation(1);
  const error = await h
    .run(octokit.rest.pulls.get({ owner: "o", repo: "r", pull_number: 1 }))
    .catch((e: unknown) => e);
  expect(error).toMatchObject({ name: "HttpError", status: 503 });
  expect(h.waits.map((w) => w.waitMs)).toEqual([1000, 2000, 4000]);
});

test("a 502 on POST is not retried: GitHubWriteUncertainError, exactly one request", async () => {
  const h = harness();
  nock(API).post("/repos/o/r/pulls/3/reviews", { event: "COMMENT", body: "b" }).once().reply(502, {});
  const octokit = await h.forInstallation(4);
  const error = await h
    .run(
      octokit.rest.pulls.createReview({ owner: "o", repo: "r", pull_number: 3, event: "COMMENT", body: "b" }),
    )
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(GitHubWriteUncertainError);
  expect(error).toMatchObject({
    route: "POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews",
    installationId: 4,
    status: 502,
    cause: expect.objectContaining({ status: 502 }),
  });
  expect(h.waits).toEqual([]);
});

test("a network error on POST is an uncertain write too", async () => {
  const h = harness();
  nock(API).post("/repos/o/r/check-runs").replyWithError({ code: "ECONNRESET", message: "socket hang up" });
  const octokit = await h.forInstallation(1);
  const error = await h
    .run(octokit.rest.checks.create({ owner: "o", repo: "r", name: "agents", head_sha: "a".repeat(40) }))
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(GitHubWriteUncertainError);
  expect((error as Error).message).toContain("POST /repos/{owner}/{repo}/check-runs for installation 1");
});
