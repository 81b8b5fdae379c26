import nock from "nock";
import { afterEach, describe, expect, test } from "vitest";
import {
  type ApiReview,
  AUTHOR,
  auditOf,
  boot,
  gatePlan,
  HEAD,
  nockGateReads,
  nockMembership,
  nockPermission,
  nockPull,
  OLD_SHA,
  PUSHER,
  problems,
  reviewPayload,
  stepOf,
  waitingRun,
} from "../gates-fixture.js";
import { API, type AppHarness, R } from "../harness.js";

let h: AppHarness | undefined;
afterEach(async () => {
  const seen = h ? problems(h) : [];
  await h?.stop();
  h = undefined;
  nock.cleanAll();
  expect(seen).toEqual([]);
});

const GATE = "prod-approval";
const short = HEAD.slice(0, 7);
const WAITING = `needs 1 more approval from @acme/release on ${short}`;

interface Row {
  readonly name: string;
  readonly reviews: readonly ApiReview[];
  /** Permission and membership lookups the evaluation makes. */
  readonly permissions: Readonly<Record<string, string | 404>>;
  readonly members: Readonly<Record<string, boolean>>;
  readonly status: "waiting" | "succeeded";
  readonly summary: string;
  /** The webhook itself is dropped (a bot's review): no request at all. */
  readonly ignored?: boolean;
}

// A gate `from: ["@acme/release"]`, count 1, evaluated when a review is submitted.
const table: Row[] = [
  {
    name: "APPROVED on the head by a release member with write",
    reviews: [{ login: "rel", state: "APPROVED" }],
    permissions: { rel: "write" },
    members: { rel: true },
    status: "succeeded",
    summary: `approved by @rel on ${short}`,
  },
  {
    name: "APPROVED on an older SHA (stale) does not count",
    reviews: [{ login: "rel", state: "APPROVED", sha: OLD_SHA }],
    permissions: { rel: "write" },
    members: { rel: true },
    status: "waiting",
    summary: WAITING,
  },
  {
    name: "a read user's APPROVED does not count (no membership lookup)",
    reviews: [{ login: "rita", state: "APPROVED" }],
    permissions: { rita: "read" },
    members: {},
    status: "waiting",
    summary: WAITING,
  },
  {
    name: "a write user outside the team does not count",
    reviews: [{ login: "wanda", state: "APPROVED" }],
    permissions: { wanda: "write" },
    members: { wanda: false },
    status: "waiting",
    summary: WAITING,
  },
  {
    name: "the author and the last pusher are never looked up nor counted",
    reviews: [
      { login: AUTHOR, state: "APPROVED" },
      { login: PUSHER, state: "APPROVED" },
    ],
    permissions: {},
    members: {},
    status: "waiting",
    summary: WAITING,
  },
  {
    name: "a bot's APPROVED is never looked up nor counted: its webhook is not even read",
    reviews: [{ login: "helper[bot]", state: "APPROVED", bot: true }],
    ignored: true,
    permissions: {},
    members: {},
    status: "waiting",
    summary: WAITING,
  },
  {
    name: "an eligible CHANGES_REQUESTED blocks an otherwise passing gate",
    reviews: [
      { login: "rel", state: "APPROVED" },
      { login: "carol", state: "CHANGES_REQUESTED" },
    ],
    permissions: { rel: "write", carol: "admin" },
    members: { rel: true, carol: true },
    status: "waiting",
    summary: `changes requested by @carol on ${short}`,
  },
  {
    name: "a CHANGES_REQUESTED followed by the same user's APPROVED counts as approved",
    reviews: [
      { login: "rel", state: "CHANGES_REQUESTED", at: "2026-11-22T06:00:10Z" },
      { login: "rel", state: "APPROVED", at: "2026-11-22T06:00:20Z" },
    ],
    permissions: { rel: "maintain" },
    members: { rel: true },
    status: "succeeded",
    summary: `approved by @rel on ${short}`,
  },
];

describe("pull_request_review submitted re-evaluates the gate", () => {
  test.each(table)("$name", async (row) => {
    h = (await boot()).h;
    const run = await waitingRun(h, gatePlan({ [GATE]: { from: ["@acme/release"] } }));
    expect(await stepOf(h, run.id, GATE)).toMatchObject({ status: "waiting", summary: WAITING });

    if (!row.ignored) nockGateReads(row.reviews);
    for (const [login, role] of Object.entries(row.permissions)) nockPermission(login, role);
    for (const [login, member] of Object.entries(row.members)) nockMembership("acme/release", login, member);
    await h.receive("pull_request_review", reviewPayload("submitted", row.reviews[0]?.login ?? "x"));

    expect(nock.pendingMocks()).toEqual([]);
    expect(await stepOf(h, run.id, GATE)).toMatchObject({ status: row.status, summary: row.summary });
    expect(await auditOf(h, run.id)).toEqual(
      row.status === "succeeded"
        ? [{ actor: "rel", action: "approve", stepId: GATE, sha: HEAD, reason: "approved by review" }]
        : [],
    );
  });
});

test("a PR approved before its gate is reached passes at once", async () => {
  h = (await boot()).h;
  const run = await waitingRun(h, gatePlan({ [GATE]: {} }), {
    initial: () => {
      nockGateReads([{ login: "wes", state: "APPROVED" }]);
      nockPermission("wes", "write");
    },
  });
  expect(nock.pendingMocks()).toEqual([]);
  expect(await stepOf(h, run.id, GATE)).toMatchObject({
    status: "succeeded",
    summary: `approved by @wes on ${short}`,
  });
  expect((await h.services.store.loadRun(run.id))?.status).toBe("succeeded");
});

test("a dismissed CHANGES_REQUESTED re-evaluates and the gate opens (lookups reused from the cache)", async () => {
  h = (await boot()).h;
  const run = await waitingRun(h, gatePlan({ [GATE]: { from: ["@acme/release"] } }));
  nockGateReads([
    { login: "rel", state: "APPROVED" },
    { login: "carol", state: "CHANGES_REQUESTED" },
  ]);
  nockPermission("rel", "write");
  nockPermission("carol", "write");
  nockMembership("acme/release", "rel", true);
  nockMembership("acme/release", "carol", true);
  await h.receive("pull_request_review", reviewPayload("submitted", "carol"));
  expect(await stepOf(h, run.id, GATE)).toMatchObject({
    status: "waiting",
    summary: `changes requested by @carol on ${short}`,
  });

  // Dismissed: the review's state is DISMISSED; only the two reads again, the lookups are cached.
  nockGateReads([
    { login: "rel", state: "APPROVED" },
    { login: "carol", state: "DISMISSED" },
  ]);
  await h.receive("pull_request_review", reviewPayload("dismissed", "maintainer"));
  expect(nock.pendingMocks()).toEqual([]);
  expect(await stepOf(h, run.id, GATE)).toMatchObject({
    status: "succeeded",
    summary: `approved by @rel on ${short}`,
  });
});

test("a review on a PR whose head moved on does nothing (a synchronize will supersede the run)", async () => {
  h = (await boot()).h;
  const run = await waitingRun(h, gatePlan({ [GATE]: {} }));
  // Only the PR is read: with its head moved on, its reviews cannot matter to this run.
  nockPull({ head: OLD_SHA });
  await h.receive("pull_request_review", reviewPayload("submitted", "rel"));
  expect(nock.pendingMocks()).toEqual([]);
  expect(await stepOf(h, run.id, GATE)).toMatchObject({
    status: "waiting",
    summary: `needs 1 more approval on ${short}`,
  });
});

describe("from: codeowners", () => {
  const codeowners = Buffer.from("# owners\nsrc/ @acme/core\ndocs/ @dora\n").toString("base64");
  const nockCodeowners = () => {
    nock(API)
      .get(`${R}/contents/.github%2FCODEOWNERS`)
      .query({ ref: "main" })
      .reply(404, { message: "Not Found" });
    nock(API)
      .get(`${R}/contents/CODEOWNERS`)
      .query({ ref: "main" })
      .reply(200, { type: "file", encoding: "base64", path: "CODEOWNERS", content: codeowners });
  };

  test("approvers must together cover every owned changed file (read from the default branch)", async () => {
    h = (await boot()).h;
    const run = await waitingRun(h, gatePlan({ [GATE]: { from: "codeowners" } }), {
      initial: () => {
        nockGateReads();
        nockCodeowners();
      },
    });
    expect(await stepOf(h, run.id, GATE)).toMatchObject({
      status: "waiting",
      summary: `needs 1 more approval from code owners, covering src/app.ts, docs/guide.md on ${short}`,
    });

    // A core member covers src/ only.
    nockGateReads([{ login: "cora", state: "APPROVED", at: "2026-11-22T06:00:10Z" }]);
    nockCodeowners();
    nockPermission("cora", "write");
    nockMembership("acme/core", "cora", true);
    await h.receive("pull_request_review", reviewPayload("submitted", "cora"));
    expect(nock.pendingMocks()).toEqual([]);
    expect(await stepOf(h, run.id, GATE)).toMatchObject({
      status: "waiting",
      summary: `needs approval from code owners of docs/guide.md on ${short}`,
    });

    // @dora owns docs/: together they cover both files.
    nockGateReads([
      { login: "cora", state: "APPROVED", at: "2026-11-22T06:00:10Z" },
      { login: "dora", state: "APPROVED", at: "2026-11-22T06:00:20Z" },
    ]);
    nockCodeowners();
    nockPermission("dora", "write");
    nockMembership("acme/core", "dora", false);
    await h.receive("pull_request_review", reviewPayload("submitted", "dora"));
    expect(nock.pendingMocks()).toEqual([]);
    expect(await stepOf(h, run.id, GATE)).toMatchObject({
      status: "succeeded",
      summary: `approved by @cora, @dora on ${short}`,
    });
    expect(await auditOf(h, run.id)).toEqual([
      { actor: "cora, dora", action: "approve", stepId: GATE, sha: HEAD, reason: "approved by review" },
    ]);
  });
});

test("one approving review opens a gate, and the next gate, reached then, passes at once on the same review", async () => {
  h = (await boot()).h;
  const plan = gatePlan({ first: {} }, { later: { needs: ["release"], steps: ["second:approval"] } });
  const run = await waitingRun(h, plan);
  nockGateReads([{ login: "wes", state: "APPROVED" }]); // evaluation of `first`
  nockPermission("wes", "write");
  nockGateReads([{ login: "wes", state: "APPROVED" }]); // `second` starts waiting: its own evaluation (cached lookup)
  await h.receive("pull_request_review", reviewPayload("submitted", "wes"));
  expect(nock.pendingMocks()).toEqual([]);
  const after = await h.services.store.loadRun(run.id);
  expect(after?.status).toBe("succeeded");
  expect(await auditOf(h, run.id)).toEqual([
    { actor: "wes", action: "approve", stepId: "first", sha: HEAD, reason: "approved by review" },
    { actor: "wes", action: "approve", stepId: "second", sha: HEAD, reason: "approved by review" },
  ]);
});
