import pino from "pino";
import { expect, test } from "vitest";
import { contextLogger, withLogContext } from "../../src/engine/log-context.js";
import { bootE2E, firstReview, HEAD, mockToGate, PATCH_V1, prEvent, runsOfPr } from "../app/e2e-fixtures.js";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const base = pino({ level: "debug" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { lines, log: contextLogger(base) };
}

test("lines inside a context carry its fields, nested contexts merge, lines outside carry none", async () => {
  const { lines, log } = capture();
  log.info({ n: 0 }, "outside");
  await withLogContext({ deliveryId: "d-1" }, async () => {
    log.info({ n: 1 }, "job");
    await withLogContext({ runId: "r-1", stepId: "review" }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      log.warn({ n: 2 }, "step, after an await");
    });
    log.error({ n: 3 }, "job again");
  });
  log.debug({ n: 4 }, "outside again");

  const fields = lines.map(({ n, msg, deliveryId, runId, stepId }) => ({
    n,
    msg,
    deliveryId,
    runId,
    stepId,
  }));
  expect(fields).toEqual([
    { n: 0, msg: "outside", deliveryId: undefined, runId: undefined, stepId: undefined },
    { n: 1, msg: "job", deliveryId: "d-1", runId: undefined, stepId: undefined },
    { n: 2, msg: "step, after an await", deliveryId: "d-1", runId: "r-1", stepId: "review" },
    { n: 3, msg: "job again", deliveryId: "d-1", runId: undefined, stepId: undefined },
    { n: 4, msg: "outside again", deliveryId: undefined, runId: undefined, stepId: undefined },
  ]);
});

test("parallel contexts do not see each other's fields; inner fields win", async () => {
  const { lines, log } = capture();
  await Promise.all(
    ["a", "b"].map((id) =>
      withLogContext({ deliveryId: id }, async () => {
        await new Promise((resolve) => setTimeout(resolve, id === "a" ? 5 : 0));
        withLogContext({ deliveryId: `${id}-inner` }, () => log.info({ id }, "line"));
      }),
    ),
  );
  expect(lines.map(({ id, deliveryId }) => ({ id, deliveryId }))).toEqual([
    { id: "b", deliveryId: "b-inner" },
    { id: "a", deliveryId: "a-inner" },
  ]);
});

test("in the app, a webhook job's lines carry its delivery id, and its run's lines the run id", async () => {
  const e = await bootE2E("sqlite");
  try {
    mockToGate(HEAD, PATCH_V1, { agents: 101, review: 102, approval: 103 }, firstReview(HEAD));
    const before = e.h.logs.length;
    await e.h.receive("pull_request", prEvent("opened"), "delivery-ops-1");
    const [run] = await runsOfPr(e.h);
    // Probot's own "Webhook received" comes before the job starts.
    const job = e.h.logs.slice(before).filter((l) => l.msg !== "Webhook received");
    expect(job.length).toBeGreaterThan(5);
    for (const line of job) expect(line, String(line.msg)).toMatchObject({ deliveryId: "delivery-ops-1" });
    expect(job.find((l) => l.msg === "run started")).toMatchObject({ runId: run?.id });
    const checkRuns = job.filter((l) =>
      String(l.msg).includes("POST https://api.github.com/repos/acme/widgets/check-runs"),
    );
    expect(checkRuns.length).toBe(3);
    for (const line of checkRuns) expect(line).toMatchObject({ runId: run?.id });
  } finally {
    await e.h.stop();
  }
});
