import nock from "nock";
import { afterEach, expect, test } from "vitest";
import { commandHelp } from "../../../src/core/webhooks/slash-command.js";
import {
  auditOf,
  boot,
  type Clock,
  commentPayload,
  gatePlan,
  HEAD,
  nockGateReads,
  nockPermission,
  nockReaction,
  nockReply,
  problems,
  stepOf,
  waitingRun,
} from "../gates-fixture.js";
import { API, type AppHarness, R } from "../harness.js";

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
const HELP = commandHelp("/agents");

async function start(gates: Record<string, Record<string, unknown>> = { gate: {} }) {
  ({ h, clock } = await boot());
  return waitingRun(h, gatePlan(gates));
}

/** Delivers a comment, expecting 👀 on it first. */
async function say(author: string, body: string, expectReaction = true): Promise<void> {
  const { payload, id } = commentPayload(clock, author, body);
  if (expectReaction) nockReaction(id);
  await h?.receive("issue_comment", payload);
}

test("help and an unknown or invalid command are answered with the command list; no permission lookup", async () => {
  const run = await start();
  nockReply(HELP);
  await say("rita", "/agents help");
  nockReply(`@rita: unknown command \`/agents frobnicate\`.\n\n${HELP}`);
  await say("rita", "please\n/agents frobnicate now");
  nockReply(`@rita: \`/agents skip\` needs a step id.\n\n${HELP}`);
  await say("rita", "/agents skip");
  expect(nock.pendingMocks()).toEqual([]);
  expect(await auditOf(h as AppHarness, run.id)).toEqual([]);
});

test("comments without commands, quoted commands and bots' comments are left alone (no request at all)", async () => {
  await start();
  await say("rita", "LGTM, thanks!", false);
  await say("rita", "> /agents cancel\n```\n/agents cancel\n```", false);
  const { payload } = commentPayload(clock, "helper[bot]", "/agents cancel", { bot: true });
  await h?.receive("issue_comment", payload);
  expect(nock.pendingMocks()).toEqual([]);
});

test("status replies with the run's table and its waiting gates", async () => {
  await start();
  nockReply(
    [
      `**w** on \`${short}\`: waiting`,
      "",
      "| step | state | duration | tokens | result |",
      "| --- | --- | --- | --- | --- |",
      `| \`gate\` | waiting for approval | — | — | needs 1 more approval on ${short} |`,
      "",
      "Waiting gates:",
      `- \`gate\` needs 1 more approval on ${short} (who: anyone with write access)`,
    ].join("\n"),
  );
  await say("rita", "/agents status");
  expect(nock.pendingMocks()).toEqual([]);
});

test("skip: a maintainer skips a step (audited); a write user is refused", async () => {
  const run = await start({ first: {}, second: {} });
  nockPermission("wanda", "write");
  nockReply("@wanda: `/agents skip second` needs admin or maintain permission (@wanda has write access).");
  await say("wanda", "/agents skip second");
  expect((await stepOf(h as AppHarness, run.id, "second")).status).toBe("waiting");

  nockPermission("mia", "maintain");
  await say("mia", "/agents skip second not needed for docs");
  expect(nock.pendingMocks()).toEqual([]);
  expect(await stepOf(h as AppHarness, run.id, "second")).toMatchObject({
    status: "skipped",
    reason: "skipped by @mia: not needed for docs",
  });
  expect(await auditOf(h as AppHarness, run.id)).toEqual([
    { actor: "mia", action: "skip", stepId: "second", sha: HEAD, reason: "not needed for docs" },
  ]);
});

test("the permission answer is reused within 60 s (one lookup for two commands) and asked again after", async () => {
  await start();
  nockPermission("wanda", "write");
  nockReply("@wanda: no step has failed; nothing to retry.");
  await say("wanda", "/agents retry");
  nockReply("@wanda: no step has failed; nothing to retry.");
  await say("wanda", "/agents retry", true);
  expect(nock.pendingMocks()).toEqual([]);

  clock.t += 60_000;
  nockPermission("wanda", "read");
  nockReply("@wanda: `/agents retry` needs write permission (@wanda has read access).");
  await say("wanda", "/agents retry");
  expect(nock.pendingMocks()).toEqual([]);
});

test("reject fails the gate and the run; retry by a write user runs it again; cancel stops the run", async () => {
  const run = await start({ gate: { from: ["rel"] } });
  nockGateReads();
  nockPermission("rel", "write");
  await say("rel", "/agents reject gate not ready: see the failing deploy");
  expect(await stepOf(h as AppHarness, run.id, "gate")).toMatchObject({
    status: "failed",
    error: "rejected by @rel: not ready: see the failing deploy",
  });
  expect((await h?.services.store.loadRun(run.id))?.status).toBe("failed");

  // A read user may not retry; a write user may: the gate waits again and is evaluated again (the old
  // rejection came before it started waiting, so it no longer counts).
  nockPermission("rita", "read");
  nockReply("@rita: `/agents retry` needs write permission (@rita has read access).");
  await say("rita", "/agents retry");
  nockPermission("wanda", "write");
  nockGateReads();
  await say("wanda", "/agents retry gate");
  expect(await stepOf(h as AppHarness, run.id, "gate")).toMatchObject({
    status: "waiting",
    summary: `needs 1 more approval from @rel on ${short}`,
  });

  await say("wanda", "/agents cancel wrong branch");
  expect(nock.pendingMocks()).toEqual([]);
  const after = await h?.services.store.loadRun(run.id);
  expect(after?.status).toBe("cancelled");
  expect(after?.steps.get("gate")?.status).toBe("cancelled");
  expect(await auditOf(h as AppHarness, run.id)).toEqual([
    {
      actor: "rel",
      action: "reject",
      stepId: "gate",
      sha: HEAD,
      reason: "not ready: see the failing deploy",
    },
    { actor: "wanda", action: "retry", stepId: "gate", sha: HEAD, reason: "comment" },
    { actor: "wanda", action: "cancel", stepId: null, sha: HEAD, reason: "wrong branch" },
  ]);
});

test("run needs write permission: a read user is refused without starting anything", async () => {
  await start();
  nockPermission("rita", "read");
  nockReply("@rita: `/agents run code-review` needs write permission (@rita has read access).");
  await say("rita", "/agents run code-review");
  expect(nock.pendingMocks()).toEqual([]);
});

test("on a PR without a run only run and help are answered", async () => {
  ({ h, clock } = await boot());
  await say("rita", "/agents status", false);
  nockReply(HELP);
  await say("rita", "/agents help");
  expect(nock.pendingMocks()).toEqual([]);
});

test("the run's command_prefix applies; /agents then means nothing", async () => {
  ({ h, clock } = await boot());
  await waitingRun(h, { ...gatePlan({ gate: {} }), commandPrefix: "/bot" });
  await say("rita", "/agents help", false);
  nockReply(commandHelp("/bot"));
  await say("rita", "/bot help");
  expect(nock.pendingMocks()).toEqual([]);
});

test("a reject whose first word is no step of the run rejects the only waiting gate with the whole reason", async () => {
  const run = await start({ gate: {} });
  nockGateReads();
  nockPermission("wes", "write");
  await say("wes", "/agents reject looks risky");
  expect(nock.pendingMocks()).toEqual([]);
  expect(await stepOf(h as AppHarness, run.id, "gate")).toMatchObject({
    status: "failed",
    error: "rejected by @wes: looks risky",
  });
  expect(await auditOf(h as AppHarness, run.id)).toEqual([
    { actor: "wes", action: "reject", stepId: "gate", sha: HEAD, reason: "looks risky" },
  ]);
});

// Kept last and simple: the runs module owns what `/agents run` reads; this pins the hand-over and the reply.
test("run by a write user hands over to the runs module and replies with its error", async () => {
  ({ h, clock } = await boot());
  nockPermission("wanda", "write");
  nock(API)
    .get(`${R}/contents/.agents%2Fworkflow.yaml`)
    .query({ ref: "main" })
    .reply(404, { message: "Not Found" });
  nock(API)
    .get(`${R}/pulls/7`)
    .reply(200, {
      number: 7,
      state: "open",
      head: { sha: HEAD, ref: "feature" },
      base: { ref: "main" },
      user: { login: "alice" },
      labels: [],
      title: "Add a thing",
      body: "",
    });
  const known = Object.keys(h.services.templates)
    .map((t) => `\`${t}\` (template)`)
    .join(", ");
  nockReply(`@wanda: unknown workflow or template \`nope\`; known: ${known}`);
  await say("wanda", "/agents run nope");
  expect(nock.pendingMocks()).toEqual([]);
});
