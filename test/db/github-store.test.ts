import { describe, expect, it } from "vitest";
import { newRunState } from "../../src/core/run/run-state.js";
import type { Job } from "../../src/core/webhooks/webhook-job.js";
import { GitHubStore } from "../../src/db/github-store.js";
import { planOf } from "../core/helpers.js";
import { forEachDatabase } from "./databases.js";

const repo = {
  owner: "acme",
  name: "widgets",
  fullName: "acme/widgets",
  installationId: 42,
  defaultBranch: "main",
};
const job: Job = { type: "review", repo, number: 7 };

forEachDatabase("GitHubStore", (get) => {
  describe("the job queue of deliveries", () => {
    it("records a delivery with its job once; a redelivery is refused; done jobs leave the queue", async () => {
      const g = new GitHubStore(get().db);
      expect(await g.recordJob({ id: "d-1", event: "pull_request_review", receivedAt: 1, job })).toBe(true);
      expect(await g.recordJob({ id: "d-1", event: "pull_request_review", receivedAt: 2, job })).toBe(false);
      expect(await g.recordJob({ id: "d-2", event: "watch", receivedAt: 3, job: null })).toBe(true);
      expect(
        await g.recordJob({ id: "d-3", event: "issues", receivedAt: 4, job: { ...job, number: 8 } }),
      ).toBe(true);
      expect(await g.pendingJobs(100)).toEqual([
        { deliveryId: "d-1", event: "pull_request_review", job },
        { deliveryId: "d-3", event: "issues", job: { ...job, number: 8 } },
      ]);
      await g.jobDone("d-1", 10);
      expect((await g.pendingJobs(100)).map((p) => p.deliveryId)).toEqual(["d-3"]);
      const rows = await get()
        .db.kysely.selectFrom("deliveries")
        .select(["id", "done_at"])
        .orderBy("id")
        .execute();
      expect(rows).toEqual([
        { id: "d-1", done_at: 10 },
        { id: "d-2", done_at: 3 },
        { id: "d-3", done_at: null },
      ]);
    });
  });

  describe("claims on jobs (replicas)", () => {
    it("a claimed job is nobody else's until its claim runs out; then exactly one process takes it", async () => {
      const g = new GitHubStore(get().db);
      const claim = { by: "a", until: 100 };
      expect(await g.recordJob({ id: "d-1", event: "issues", receivedAt: 1, job, claim })).toBe(true);
      expect(await g.pendingJobs(99)).toEqual([]);
      expect(await g.claimJob("d-1", "b", 200, 99)).toBe(false);
      // a renews while it works
      expect(await g.renewJob("d-1", "a", 150)).toBe(true);
      expect(await g.pendingJobs(120)).toEqual([]);
      // a died: at 150 the claim has run out; b and c race, one wins
      expect((await g.pendingJobs(150)).map((p) => p.deliveryId)).toEqual(["d-1"]);
      const won = await Promise.all([g.claimJob("d-1", "b", 300, 150), g.claimJob("d-1", "c", 300, 150)]);
      expect(won.filter(Boolean)).toHaveLength(1);
      // the old holder cannot renew what was taken over
      expect(await g.renewJob("d-1", "a", 400)).toBe(false);
      await g.jobDone("d-1", 160);
      expect(await g.claimJob("d-1", "c", 900, 800)).toBe(false);
      expect(await g.pendingJobs(1000)).toEqual([]);
      const row = await get()
        .db.kysely.selectFrom("deliveries")
        .select(["claimed_by", "claimed_until", "done_at"])
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ claimed_by: won[0] ? "b" : "c", claimed_until: null, done_at: 160 });
    });
  });

  it("keeps effects per run and key, updates them in place, and finds runs by an effect's GitHub id", async () => {
    const g = new GitHubStore(get().db);
    await g.putEffect("r1", "check:agents", { state: "pending", githubId: null, data: null }, 1);
    expect(await g.effect("r1", "check:agents")).toEqual({ state: "pending", githubId: null, data: null });
    await g.putEffect("r1", "check:agents", { state: "done", githubId: "99", data: { hash: "x" } }, 2);
    await g.putEffect("r1", "merge", { state: "done", githubId: "m".repeat(40), data: null }, 3);
    expect(await g.effect("r1", "check:agents")).toEqual({
      state: "done",
      githubId: "99",
      data: { hash: "x" },
    });
    expect([...(await g.effects("r1", "check:")).keys()]).toEqual(["check:agents"]);
    expect(await g.effect("r2", "merge")).toBeNull();
    expect(await g.runIdsByEffect("merge", "m".repeat(40))).toEqual(["r1"]);
  });

  it("remembers posted findings per PR", async () => {
    const g = new GitHubStore(get().db);
    await g.addPostedFindings("acme/widgets", 7, ["a", "b"], 1);
    await g.addPostedFindings("acme/widgets", 7, ["b", "c"], 2);
    expect([...(await g.postedFingerprints("acme/widgets", 7))].sort()).toEqual(["a", "b", "c"]);
    expect((await g.postedFingerprints("acme/widgets", 8)).size).toBe(0);
  });

  it("finds a PR's runs and a SHA's runs, newest first", async () => {
    const { store, db } = get();
    const g = new GitHubStore(db);
    const plan = planOf({ p: ["a:review"] });
    const facts = { repo: "acme/widgets", number: 7 };
    for (const [id, at, headSha] of [
      ["old", 1, "s1"],
      ["new", 2, "s2"],
      ["other", 3, "s2"],
    ] as const) {
      const run = newRunState({ id, plan, createdAt: at, facts: { ...queuedFacts(), ...facts, headSha } });
      await store.createRun(id === "other" ? { ...run, facts: { ...run.facts, number: 9 } } : run);
    }
    expect(await g.runIdsFor("acme/widgets", 7)).toEqual(["new", "old"]);
    expect(await g.runIdsForSha("acme/widgets", "s2")).toEqual(["other", "new"]);
  });

  it("keeps deployment protection requests until answered", async () => {
    const g = new GitHubStore(get().db);
    const r = {
      callbackUrl: "https://x/cb/1",
      repo: "acme/widgets",
      installationId: 42,
      sha: "s1",
      environment: "prod",
    };
    await g.addProtectionRequest(r, 1);
    await g.addProtectionRequest(r, 2);
    expect(await g.openProtectionRequests("acme/widgets", "s1")).toEqual([r]);
    await g.answerProtectionRequest(r.callbackUrl, "approved", 3);
    expect(await g.openProtectionRequests("acme/widgets", "s1")).toEqual([]);
  });

  it("claims a protection request once, and a released claim can be taken again", async () => {
    const g = new GitHubStore(get().db);
    const r = {
      callbackUrl: "https://x/cb/2",
      repo: "acme/widgets",
      installationId: 42,
      sha: "s2",
      environment: "prod",
    };
    expect(await g.claimProtectionRequest(r.callbackUrl, "approved", 5)).toBe(false); // not stored
    await g.addProtectionRequest(r, 1);
    const claims = await Promise.all([
      g.claimProtectionRequest(r.callbackUrl, "approved", 5),
      g.claimProtectionRequest(r.callbackUrl, "rejected", 5),
    ]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await g.openProtectionRequests("acme/widgets", "s2")).toEqual([]);
    expect(await g.claimProtectionRequest(r.callbackUrl, "approved", 6)).toBe(false);
    await g.releaseProtectionRequest(r.callbackUrl, 4); // not this claim: kept
    expect(await g.openProtectionRequests("acme/widgets", "s2")).toEqual([]);
    await g.releaseProtectionRequest(r.callbackUrl, 5);
    expect(await g.openProtectionRequests("acme/widgets", "s2")).toEqual([r]);
    expect(await g.claimProtectionRequest(r.callbackUrl, "approved", 7)).toBe(true);
  });
});

function queuedFacts() {
  return {
    source: "pull_request" as const,
    repo: "acme/widgets",
    number: 7,
    headSha: "s",
    baseRef: "main",
    author: "alice",
    labels: [],
    changedFiles: [],
    title: "t",
  };
}
