import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunChanges } from "../../src/app/run-changes.js";
import { dashboardHandler } from "../../src/dashboard/handler.js";
import { type AppHarness, startApp } from "../app/harness.js";
import { serve } from "../helpers/serve-handler.js";
import { TOKEN, waitingRun } from "./fixtures.js";

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const POLL_MS = 40;

/** A server-sent event stream, read in the background: `changes()` counts the `change` events so far. */
async function openStream(url: string) {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` }, signal: controller.signal });
  expect(res.status).toBe(200);
  let text = "";
  const decoder = new TextDecoder();
  const reading = (async () => {
    for await (const chunk of res.body!) text += decoder.decode(chunk as Uint8Array);
  })().catch(() => undefined);
  return {
    changes: () => text.split("event: change\n").length - 1,
    close: async () => {
      controller.abort();
      await reading;
    },
  };
}

// A change made by another server on the same database reaches no in-process listener: the stream's poll of
// the database must find it. Here nothing ever calls `changes.changed`, so only the poll can.
describe.each(["sqlite", "postgres"] as const)("live pages poll the database (%s)", (database) => {
  let app: AppHarness;
  let server: Awaited<ReturnType<typeof serve>>;

  beforeAll(async () => {
    app = await startApp({ database });
    await app.services.store.createRun(waitingRun("run-a", T0));
    const handler = dashboardHandler({
      token: TOKEN,
      store: app.services.store,
      db: app.services.store.database,
      github: app.services.github,
      changes: new RunChanges(),
      log: app.probot.log,
      webBase: "https://github.com",
      pollMs: POLL_MS,
    });
    server = await serve(handler);
  });
  afterAll(async () => {
    await server?.close();
    await app?.stop();
  });

  it("a run's page hears of a change to that run only", async () => {
    const stream = await openStream(`${server.url}/agents/runs/run-a/events`);
    await app.services.store.createRun(waitingRun("run-other", T0 + 1));
    await sleep(POLL_MS * 6);
    expect(stream.changes()).toBe(0);
    await app.services.store.updateRun("run-a", (s) => ({ state: { ...s, tokens: s.tokens + 1 } }));
    await expect.poll(stream.changes, { timeout: 5_000 }).toBe(1);
    await sleep(POLL_MS * 6);
    expect(stream.changes()).toBe(1);
    await stream.close();
  });

  it("the runs list hears of a new run and of a change to a listed run, not of runs outside its filter", async () => {
    const stream = await openStream(`${server.url}/agents/events?repo=acme/app`);
    await app.services.store.createRun(waitingRun("run-api", T0 + 2, { repo: "acme/api" }));
    await sleep(POLL_MS * 6);
    expect(stream.changes()).toBe(0);
    await app.services.store.createRun(waitingRun("run-b", T0 + 3));
    await expect.poll(stream.changes, { timeout: 5_000 }).toBe(1);
    await app.services.store.updateRun("run-a", (s) => ({ state: { ...s, tokens: s.tokens + 1 } }));
    await expect.poll(stream.changes, { timeout: 5_000 }).toBe(2);
    await stream.close();
  });
});
