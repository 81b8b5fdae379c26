import nock from "nock";
import { afterEach, expect, test } from "vitest";
import { webhookJob } from "../../../src/core/webhooks/webhook-job.js";
import { GitHubStore } from "../../../src/db/github-store.js";
import { API, APP_ID, type AppHarness, example, R, startApp } from "../harness.js";

let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
  nock.cleanAll();
});

test("a repeated delivery id is a no-op; a webhook we don't use is recorded as done", async () => {
  h = await startApp();
  const payload = example("pull_request", "assigned");
  await h.receive("pull_request", payload, "delivery-1");
  await h.receive("pull_request", payload, "delivery-1");
  await h.receive("watch", { ...payload, action: "started" }, "delivery-2");
  const rows = await h.db.db.kysely
    .selectFrom("deliveries")
    .select(["id", "event", "job", "done_at"])
    .orderBy("id")
    .execute();
  expect(rows).toEqual([
    { id: "delivery-1", event: "pull_request", job: null, done_at: expect.any(Number) },
    { id: "delivery-2", event: "watch", job: null, done_at: expect.any(Number) },
  ]);
  expect(h.logs.filter((l) => l.msg === "repeated delivery ignored")).toEqual([
    expect.objectContaining({ deliveryId: "delivery-1", event: "pull_request" }),
  ]);
  expect(nock.pendingMocks()).toEqual([]);
});

test("a job acknowledged before a crash is done when the app starts again, once", async () => {
  h = await startApp();
  const db = h.db;
  await h.kill();
  // The old process recorded the delivery and its job, then died before doing it.
  const payload = example("pull_request", "opened");
  const job = webhookJob("pull_request", payload, APP_ID, 1);
  if (!("job" in job)) throw new Error("expected a job");
  await new GitHubStore(db.db).recordJob({
    id: "delivery-9",
    event: "pull_request",
    receivedAt: 1,
    job: job.job,
  });
  const contents = nock(API)
    .get(`${R}/contents/.agents%2Fworkflow.yaml`)
    .query({ ref: "main" })
    .reply(404, { message: "Not Found" });
  h = await startApp({ db });
  await h.idle();
  expect(contents.isDone()).toBe(true);
  const row = await db.db.kysely
    .selectFrom("deliveries")
    .select(["done_at"])
    .where("id", "=", "delivery-9")
    .executeTakeFirst();
  expect(row?.done_at).toEqual(expect.any(Number));
  expect(nock.pendingMocks()).toEqual([]);
  // A later redelivery of the same id is still a no-op.
  await h.receive("pull_request", payload, "delivery-9");
  expect(nock.pendingMocks()).toEqual([]);
  await h.stop();
  h = undefined;
  await db.cleanup();
});
