import nock from "nock";
import { afterEach, beforeEach, expect, test } from "vitest";
import { harness } from "./harness.js";

const API = "https://api.github.com";

beforeEach(() => nock.cleanAll());
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});

test("writes are paced per installation: two installations interleave, neither waits on the other", async () => {
  const h = harness();
  const sent: string[] = [];
  for (const id of [11, 12, 13, 21, 22, 23]) {
    nock(API)
      .patch(`/repos/o/r/check-runs/${id}`)
      .reply(() => {
        sent.push(`${id} @ ${h.elapsed()}`);
        return [200, {}];
      });
  }
  const [one, two] = await Promise.all([h.forInstallation(1), h.forInstallation(2)]);
  const writes = (octokit: typeof one, base: number) =>
    Promise.all(
      [1, 2, 3].map((n) =>
        octokit.rest.checks.update({ owner: "o", repo: "r", check_run_id: base + n, status: "in_progress" }),
      ),
    );
  await h.run(Promise.all([writes(one, 10), writes(two, 20)]));
  expect(sent.sort()).toEqual(["11 @ 0", "12 @ 1000", "13 @ 2000", "21 @ 0", "22 @ 1000", "23 @ 2000"]);
  expect(h.elapsed()).toBeGreaterThanOrEqual(2000);
  expect(h.waits).toEqual([]);
});

test("reads are not spaced out; a write waits a second after the previous write only", async () => {
  const h = harness();
  const sent: string[] = [];
  nock(API)
    .get("/repos/o/r/pulls/1")
    .times(3)
    .reply(() => {
      sent.push(`GET @ ${h.elapsed()}`);
      return [200, {}];
    })
    .post("/repos/o/r/check-runs")
    .times(2)
    .reply(() => {
      sent.push(`POST @ ${h.elapsed()}`);
      return [201, {}];
    });
  const octokit = await h.forInstallation(1);
  const read = () => octokit.rest.pulls.get({ owner: "o", repo: "r", pull_number: 1 });
  const create = () =>
    octokit.rest.checks.create({ owner: "o", repo: "r", name: "agents", head_sha: "a".repeat(40) });
  await h.run(Promise.all([create(), create(), read(), read(), read()]));
  expect(sent.sort()).toEqual(["GET @ 0", "GET @ 0", "GET @ 0", "POST @ 0", "POST @ 1000"]);
});

test("content-creating writes are capped per minute; other installations are not", async () => {
  const h = harness({ limits: { writeIntervalMs: 0 } });
  const times: number[] = [];
  nock(API)
    .post("/repos/o/r/issues/1/comments")
    .times(82)
    .reply(() => {
      times.push(h.elapsed());
      return [201, {}];
    });
  const [one, two] = await Promise.all([h.forInstallation(1), h.forInstallation(2)]);
  const comment = (octokit: typeof one) =>
    octokit.rest.issues.createComment({ owner: "o", repo: "r", issue_number: 1, body: "hi" });
  const first80 = Array.from({ length: 80 }, () => comment(one));
  const all = Promise.all([...first80, comment(one), comment(two)]);
  await h.run(all);
  expect(times.filter((t) => t === 0)).toHaveLength(81); // 80 of installation 1, 1 of installation 2
  expect(times.at(-1)).toBe(60_000);
});

test("at most 100 requests of one installation are in flight; another installation still gets through", async () => {
  const h = harness();
  const held: (() => void)[] = [];
  let arrived = 0;
  nock(API)
    .get("/repos/o/r")
    .times(102)
    .reply(async () => {
      arrived++;
      await new Promise<void>((resolve) => held.push(resolve));
      return [200, {}];
    });
  const [one, two] = await Promise.all([h.forInstallation(1), h.forInstallation(2)]);
  const all = Promise.all(Array.from({ length: 101 }, () => one.rest.repos.get({ owner: "o", repo: "r" })));
  const other = two.rest.repos.get({ owner: "o", repo: "r" });
  await waitFor(
    () => arrived === 101,
    () => `arrived ${arrived}`,
  );
  await settle();
  expect(arrived).toBe(101); // 100 of installation 1 plus installation 2's one
  held.shift()!();
  await waitFor(() => arrived === 102);
  for (const release of held.splice(0)) release();
  await Promise.all([all, other]);
});

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 1));
}

async function waitFor(condition: () => boolean, show = () => ""): Promise<void> {
  for (let i = 0; i < 2000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 1));
  expect(condition(), show()).toBe(true);
}
