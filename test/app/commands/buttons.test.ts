import nock from "nock";
import { afterEach, expect, test } from "vitest";
import {
  auditOf,
  boot,
  type Clock,
  commentPayload,
  gatePlan,
  HEAD,
  nockGateReads,
  nockMembership,
  nockPermission,
  nockReaction,
  nockReply,
  problems,
  stepOf,
  waitingRun,
} from "../gates-fixture.js";
import { APP_ID, type AppHarness, example } from "../harness.js";

let h: AppHarness | undefined;
let clock: Clock;
afterEach(async () => {
  const seen = h ? problems(h) : [];
  await h?.stop();
  h = undefined;
  nock.cleanAll();
  expect(seen).toEqual([]);
});

const short = HEAD.slice(0, 7);

function click(sender: string, identifier: string, externalId = "run-1/release"): Record<string, unknown> {
  clock.t += 1000;
  return example("check_run", "requested_action", {
    check_run: { app: { id: APP_ID }, external_id: externalId, head_sha: HEAD, name: "agents / release" },
    requested_action: { identifier },
    sender: { login: sender, type: "User" },
  });
}

function rerequest(sender: string, externalId = "run-1/release"): Record<string, unknown> {
  return example("check_run", "rerequested", {
    check_run: { app: { id: APP_ID }, external_id: externalId, head_sha: HEAD, name: "agents / release" },
    sender: { login: sender, type: "User" },
  });
}

async function rejectedRun() {
  ({ h, clock } = await boot());
  const run = await waitingRun(h, gatePlan({ gate: { from: ["rel"] } }));
  const { payload, id } = commentPayload(clock, "rel", "/agents reject gate");
  nockReaction(id);
  nockGateReads();
  nockPermission("rel", "write");
  await h.receive("issue_comment", payload);
  expect((await stepOf(h, run.id, "gate")).status).toBe("failed");
  return run;
}

test("Approve button: checked like /agents approve; a refusal is a PR comment naming the user", async () => {
  ({ h, clock } = await boot());
  const run = await waitingRun(h, gatePlan({ gate: { from: ["@acme/release"] } }));

  nockGateReads();
  nockPermission("rita", "read");
  nockReply(
    "@rita: approving `gate` needs write permission and membership of @\u200bacme/release (@\u200brita has only read access).",
  );
  await h.receive("check_run", click("rita", "approve:gate"));
  expect((await stepOf(h, run.id, "gate")).status).toBe("waiting");

  nockGateReads();
  nockPermission("rel", "write");
  nockMembership("acme/release", "rel", true);
  await h.receive("check_run", click("rel", "approve:gate"));
  expect(nock.pendingMocks()).toEqual([]);
  expect(await stepOf(h, run.id, "gate")).toMatchObject({
    status: "succeeded",
    summary: `approved by @rel on ${short}`,
  });
  expect(await auditOf(h, run.id)).toEqual([
    { actor: "rita", action: "approve", stepId: "gate", sha: HEAD, reason: "button" },
    { actor: "rel", action: "approve", stepId: "gate", sha: HEAD, reason: "button" },
    { actor: "rel", action: "approve", stepId: "gate", sha: HEAD, reason: "approved by command" },
  ]);
});

test("Retry failed button: write+ retries the phase's failed steps; read is refused", async () => {
  const run = await rejectedRun();
  nockPermission("rita", "read");
  nockReply("@rita: `/agents retry gate` needs write permission (@rita has read access).");
  await h?.receive("check_run", click("rita", "retry-failed"));
  expect((await stepOf(h as AppHarness, run.id, "gate")).status).toBe("failed");

  nockPermission("wanda", "write");
  nockGateReads();
  await h?.receive("check_run", click("wanda", "retry-failed"));
  expect(nock.pendingMocks()).toEqual([]);
  expect(await stepOf(h as AppHarness, run.id, "gate")).toMatchObject({
    status: "waiting",
    summary: `needs 1 more approval from @rel on ${short}`,
  });
  expect((await auditOf(h as AppHarness, run.id)).map((a) => [a.actor, a.action, a.reason])).toEqual([
    ["rel", "reject", null],
    ["wanda", "retry", "button"],
  ]);
});

test("check_run rerequested on a phase retries its failed steps (write+)", async () => {
  const run = await rejectedRun();
  nockPermission("rita", "read");
  nockReply("@rita: `/agents retry gate` needs write permission (@rita has read access).");
  await h?.receive("check_run", rerequest("rita"));

  nockPermission("mia", "admin");
  nockGateReads();
  await h?.receive("check_run", rerequest("mia"));
  expect(nock.pendingMocks()).toEqual([]);
  expect((await stepOf(h as AppHarness, run.id, "gate")).status).toBe("waiting");
  expect((await h?.services.store.loadRun(run.id))?.status).toBe("waiting");
});

test("a button of an unknown run or phase does nothing", async () => {
  ({ h, clock } = await boot());
  await waitingRun(h, gatePlan({ gate: {} }));
  await h.receive("check_run", click("rel", "approve:gate", "run-9/release"));
  await h.receive("check_run", click("rel", "approve:gate", "run-1/nope"));
  await h.receive("check_run", click("rel", "lgtm"));
  expect(nock.pendingMocks()).toEqual([]);
});
