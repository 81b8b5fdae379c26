import nock from "nock";
import { afterEach, expect, test } from "vitest";
import { type AppHarness, example, startApp } from "./harness.js";

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
