import nock from "nock";
import { afterEach, describe, expect, test } from "vitest";
import {
  AUTHOR,
  auditOf,
  boot,
  commentPayload,
  gatePlan,
  HEAD,
  nockGateReads,
  nockMembership,
  nockPermission,
  nockReaction,
  nockReply,
  PUSHER,
  problems,
  stepOf,
  waitingRun,
} from "../gates-fixture.js";
import type { AppHarness } from "../harness.js";

let h: AppHarness | undefined;
afterEach(async () => {
  const seen = h ? problems(h) : [];
  await h?.stop();
  h = undefined;
  nock.cleanAll();
  expect(seen).toEqual([]);
});

const GATE = "prod-approval";
const TEAM = "acme/release";
const short = HEAD.slice(0, 7);

interface Row {
  readonly who: string;
  /** Lookups the evaluation makes for this user (none for the author, last pusher). */
  readonly permission?: string | 404;
  readonly member?: boolean;
  readonly opens: boolean;
  readonly reply?: string;
}

// `/agents approve` on a gate `from: ["@acme/release"]`, count 1.
const table: Row[] = [
  { who: AUTHOR, opens: false, reply: `@${AUTHOR}: the PR author cannot count for approving \`${GATE}\`.` },
  { who: PUSHER, opens: false, reply: `@${PUSHER}: the last pusher cannot count for approving \`${GATE}\`.` },
  {
    who: "rita",
    permission: "read",
    opens: false,
    reply: `@rita: approving \`${GATE}\` needs write permission and membership of @\u200bacme/release (@\u200brita has only read access).`,
  },
  {
    who: "stranger",
    permission: 404,
    opens: false,
    reply: `@stranger: approving \`${GATE}\` needs write permission and membership of @\u200bacme/release (@\u200bstranger has no access to the repository).`,
  },
  {
    who: "wanda",
    permission: "write",
    member: false,
    opens: false,
    reply: `@wanda: approving \`${GATE}\` needs write permission and membership of @\u200bacme/release (@\u200bwanda is not @\u200bacme/release).`,
  },
  {
    who: "ada",
    permission: "admin",
    member: false,
    opens: false,
    reply: `@ada: approving \`${GATE}\` needs write permission and membership of @\u200bacme/release (@\u200bada is not @\u200bacme/release).`,
  },
  {
    who: "tess",
    permission: "triage",
    opens: false,
    reply: `@tess: approving \`${GATE}\` needs write permission and membership of @\u200bacme/release (@\u200btess has only triage access).`,
  },
  { who: "rel", permission: "write", member: true, opens: true },
  { who: "mia", permission: "maintain", member: true, opens: true },
];

describe("who may approve a gate from @acme/release with /agents approve", () => {
  test.each(table)("$who", async (row) => {
    const b = await boot();
    h = b.h;
    const clock = b.clock;
    const run = await waitingRun(h, gatePlan({ [GATE]: { from: ["@acme/release"] } }));
    expect(await stepOf(h, run.id, GATE)).toMatchObject({
      status: "waiting",
      summary: `needs 1 more approval from @acme/release on ${short}`,
    });

    const { payload, id } = commentPayload(clock, row.who, `/agents approve ${GATE}`);
    nockReaction(id);
    nockGateReads();
    if (row.permission !== undefined) nockPermission(row.who, row.permission);
    if (row.member !== undefined) nockMembership(TEAM, row.who, row.member);
    if (row.reply) nockReply(row.reply);
    await h.receive("issue_comment", payload);

    expect(nock.pendingMocks()).toEqual([]);
    expect((await stepOf(h, run.id, GATE)).status).toBe(row.opens ? "succeeded" : "waiting");
    const command = { actor: row.who, action: "approve", stepId: GATE, sha: HEAD, reason: "comment" };
    expect(await auditOf(h, run.id)).toEqual(
      row.opens
        ? [
            command,
            { actor: row.who, action: "approve", stepId: GATE, sha: HEAD, reason: "approved by command" },
          ]
        : [command],
    );
  });
});

describe("which gate an approve means", () => {
  test("no step named: the only waiting gate", async () => {
    const b = await boot();
    h = b.h;
    const run = await waitingRun(h, gatePlan({ [GATE]: {} }));
    const { payload, id } = commentPayload(b.clock, "wes", "/agents approve");
    nockReaction(id);
    nockGateReads();
    nockPermission("wes", "write");
    await h.receive("issue_comment", payload);
    expect(nock.pendingMocks()).toEqual([]);
    expect((await stepOf(h, run.id, GATE)).status).toBe("succeeded");
  });

  test("no step named with several waiting, a step that is not waiting or does not exist: a reply, no audit", async () => {
    const b = await boot();
    h = b.h;
    const run = await waitingRun(
      h,
      gatePlan({ first: {}, second: {} }, { later: { needs: ["release"], steps: ["third:approval"] } }),
    );
    const replies = [
      [
        "/agents approve",
        "@wes: several gates are waiting (`first`, `second`); name one, e.g. `/agents approve first`.",
      ],
      ["/agents approve third", "@wes: `third` is not waiting for approval (it is queued)."],
      ["/agents approve nope", "@wes: there is no step `nope` in this run."],
    ] as const;
    for (const [body, answer] of replies) {
      const { payload, id } = commentPayload(b.clock, "wes", body);
      nockReaction(id);
      nockReply(answer);
      await h.receive("issue_comment", payload);
    }
    expect(nock.pendingMocks()).toEqual([]);
    expect(await auditOf(h, run.id)).toEqual([]);
  });

  test("no gate waiting: the reply says so", async () => {
    const b = await boot();
    h = b.h;
    const run = await waitingRun(h, gatePlan({ [GATE]: {} }));
    await h.services.engine.submit(run.id, {
      type: "step-skipped",
      at: b.clock.t,
      stepId: GATE,
      by: "mia",
      reason: "x",
    });
    await h.idle();
    const { payload, id } = commentPayload(b.clock, "wes", "/agents status\n/agents approve");
    nockReaction(id);
    nockReply(
      [
        `**w** on \`${short}\`: succeeded`,
        "",
        "| step | state | duration | tokens | result |",
        "| --- | --- | --- | --- | --- |",
        `| \`${GATE}\` | skipped | 0ms | — | skipped by @\u200bmia: x |`, // mentions in cells are defused
      ].join("\n"),
    );
    nockReply("@wes: no approval gate is waiting.");
    await h.receive("issue_comment", payload);
    expect(nock.pendingMocks()).toEqual([]);
  });
});

describe("issue runs: no reviews, only commands; the issue's author never approves", () => {
  const ISSUE = 12;
  const issueFacts = { source: "issue" as const, number: ISSUE, author: "ivy", changedFiles: [] };

  test.each([
    {
      who: "ivy",
      permission: undefined,
      reply: `@ivy: the issue author cannot count for approving \`${GATE}\`.`,
      opens: false,
    },
    {
      who: "rita",
      permission: "read",
      reply: `@rita: approving \`${GATE}\` needs write permission (@\u200brita has only read access).`,
      opens: false,
    },
    { who: "wes", permission: "write", reply: undefined, opens: true },
  ])("$who", async (row) => {
    const b = await boot();
    h = b.h;
    // The gate's first evaluation reads nothing from GitHub: an issue has no head and no reviews.
    const run = await waitingRun(h, gatePlan({ [GATE]: {} }), { facts: issueFacts, initial: () => {} });
    const { payload, id } = commentPayload(b.clock, row.who, `/agents approve ${GATE}`, {
      number: ISSUE,
      issue: true,
    });
    nockReaction(id);
    if (row.permission) nockPermission(row.who, row.permission);
    if (row.reply) nockReply(row.reply, ISSUE);
    await h.receive("issue_comment", payload);
    expect(nock.pendingMocks()).toEqual([]);
    expect((await stepOf(h, run.id, GATE)).status).toBe(row.opens ? "succeeded" : "waiting");
  });
});
