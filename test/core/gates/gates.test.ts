import { describe, expect, test } from "vitest";
import { parseCodeowners } from "../../../src/core/gates/codeowners.js";
import { type GateCommand, type GateReview, gateSpec } from "../../../src/core/gates/gate-facts.js";
import { gateLookups } from "../../../src/core/gates/gate-lookups.js";
import { evaluateGate, type GateFacts, type GateVerdict } from "../../../src/core/gates/gates.js";

const HEAD = "abc1234def5678abc1234def5678abc1234def56";
const OLD = "0ld0000111122223333444455556666777788889";
const WAIT = 1_000_000; // the gate started waiting at this epoch ms
const AFTER = WAIT + 60_000;
const BEFORE = WAIT - 60_000;

/** A gate for step `ship`, from the step's `with` as a workflow file would give it. */
const gate = (w: Record<string, unknown> = {}) => gateSpec({ id: "ship", with: w }, WAIT);

// alice opened the PR, pusher pushed its head; everyone else is named after what they are.
function facts(over: Partial<GateFacts> = {}): GateFacts {
  return {
    headSha: HEAD,
    author: "alice",
    lastPusher: "pusher",
    changedFiles: ["src/app.ts"],
    reviews: [],
    commands: [],
    onlyWaitingGate: true,
    permissions: {
      alice: "admin",
      pusher: "write",
      reader: "read",
      triager: "triage",
      Writer: "write",
      writer2: "write",
      maintainer: "maintain",
      admin: "admin",
      "renovate[bot]": "write",
      helper: "write",
      member: "write",
      octocat: "write",
      "doc-writer": "write",
    },
    teams: { "acme/maintainers": ["Member", "maintainer"], "@acme/web": ["member"] },
    codeowners: null,
    ...over,
  };
}

function review(
  login: string,
  state: GateReview["state"] = "APPROVED",
  over: Partial<GateReview> = {},
): GateReview {
  return { login, state, commitId: HEAD, submittedAt: AFTER, bot: false, ...over };
}

function command(
  login: string,
  verb: GateCommand["verb"] = "approve",
  over: Partial<GateCommand> = {},
): GateCommand {
  return { login, verb, stepId: "ship", reason: null, at: AFTER, bot: false, ...over };
}

/** The closed verdict, or a failure naming the approvers when the gate opened. */
function closed(v: GateVerdict) {
  if (v.open) throw new Error(`expected a closed gate, but it opened for ${v.approvers.join(", ")}`);
  return v;
}

describe("who may approve: one APPROVED review on the head SHA", () => {
  test.each([
    ["the PR author", "alice", false, false, "is the PR author"],
    ["the last pusher", "pusher", false, false, "pushed the last commit"],
    ["a read user", "reader", false, false, "has only read access"],
    ["a triage user", "triager", false, false, "has only triage access"],
    ["a user with no access", "stranger", false, false, "has no access to the repository"],
    ["a write user", "writer", false, true, null],
    ["a maintain user", "maintainer", false, true, null],
    ["an admin", "admin", false, true, null],
    ["a bot by its [bot] login", "renovate[bot]", false, false, "is a bot"],
    ["a bot by its account type", "helper", true, false, "is a bot"],
    ["a login in another case than the permission's", "WRITER", false, true, null],
  ])("%s (%s)", (_what, login, bot, open, reason) => {
    const v = evaluateGate(gate(), facts({ reviews: [review(login, "APPROVED", { bot })] }));
    expect(v.open).toBe(open);
    if (open) expect(v).toEqual({ open: true, approvers: [login], sha: HEAD });
    else expect(closed(v).ignored).toEqual([{ login, reason }]);
  });

  test("the same users by `/agents approve` get the same answers", () => {
    for (const [login, open] of [
      ["alice", false],
      ["pusher", false],
      ["reader", false],
      ["triager", false],
      ["writer", true],
      ["admin", true],
    ] as const) {
      expect(evaluateGate(gate(), facts({ commands: [command(login)] })).open, login).toBe(open);
    }
    expect(
      evaluateGate(gate(), facts({ commands: [command("helper", "approve", { bot: true })] })).open,
    ).toBe(false);
  });

  test("an unknown last pusher excludes nobody", () => {
    expect(evaluateGate(gate(), facts({ lastPusher: null, reviews: [review("pusher")] })).open).toBe(true);
  });
});

describe("who may approve: `from` users and teams", () => {
  const from = ["@acme/maintainers", "octocat"];
  test.each([
    ["a team member", "member", from, true],
    ["a team member, login in another case", "MEMBER", from, true],
    ["a listed user", "octocat", from, true],
    ["a listed user, listed in another case", "octocat", ["@acme/maintainers", "OctoCat"], true],
    ["a listed user written with @", "octocat", ["@octocat"], true],
    ["a member of a team written without @", "member", ["acme/maintainers"], true],
    ["a member of a team whose key has @", "member", ["@acme/web"], true],
    ["a write user who is neither", "writer", from, false],
    ["an admin who is neither", "admin", from, false],
    ["anyone, when the team's members are unknown", "member", ["@acme/unknown"], false],
    ["a team member who is the author", "alice", ["alice"], false],
  ])("%s", (_what, login, fromList, open) => {
    const v = evaluateGate(gate({ from: fromList }), facts({ reviews: [review(login)] }));
    expect(v.open).toBe(open);
  });

  test("a non-member is told who may approve", () => {
    const v = closed(evaluateGate(gate({ from }), facts({ reviews: [review("writer")] })));
    expect(v.ignored).toEqual([{ login: "writer", reason: "is not @acme/maintainers or @octocat" }]);
    expect(v.eligible).toBe("@acme/maintainers or @octocat");
    expect(v.missing).toBe("needs 1 more approval from @acme/maintainers or @octocat on abc1234");
  });

  test("a team member with only read access still may not approve", () => {
    const v = evaluateGate(
      gate({ from: ["@acme/maintainers"] }),
      facts({ teams: { "acme/maintainers": ["reader"] }, reviews: [review("reader")] }),
    );
    expect(closed(v).ignored).toEqual([{ login: "reader", reason: "has only read access" }]);
  });
});

describe("reviews: head SHA, latest decision, dismissed, changes requested", () => {
  const t1 = AFTER;
  const t2 = AFTER + 1000;
  test.each<[string, Record<string, unknown>, GateReview[], boolean, string[]]>([
    ["APPROVED on an older SHA", {}, [review("writer", "APPROVED", { commitId: OLD })], false, []],
    [
      "APPROVED on an older SHA with stale: true",
      { stale: true },
      [review("writer", "APPROVED", { commitId: OLD })],
      true,
      [],
    ],
    [
      "APPROVED then CHANGES_REQUESTED",
      {},
      [
        review("writer", "APPROVED", { submittedAt: t1 }),
        review("writer", "CHANGES_REQUESTED", { submittedAt: t2 }),
      ],
      false,
      ["writer"],
    ],
    [
      "CHANGES_REQUESTED then APPROVED",
      {},
      [
        review("writer", "CHANGES_REQUESTED", { submittedAt: t1 }),
        review("writer", "APPROVED", { submittedAt: t2 }),
      ],
      true,
      [],
    ],
    [
      "the latest by time, whatever the list order",
      {},
      [
        review("writer", "CHANGES_REQUESTED", { submittedAt: t2 }),
        review("writer", "APPROVED", { submittedAt: t1 }),
      ],
      false,
      ["writer"],
    ],
    [
      "APPROVED then COMMENTED (a comment leaves the approval standing)",
      {},
      [review("writer", "APPROVED", { submittedAt: t1 }), review("writer", "COMMENTED", { submittedAt: t2 })],
      true,
      [],
    ],
    ["a dismissed approval", {}, [review("writer", "DISMISSED")], false, []],
    [
      "an approval on the head SHA given before the gate waited (only comments are timed)",
      {},
      [review("writer", "APPROVED", { submittedAt: BEFORE })],
      true,
      [],
    ],
    [
      "a dismissed request for changes, with another approval",
      {},
      [review("writer", "DISMISSED"), review("admin")],
      true,
      [],
    ],
    [
      "CHANGES_REQUESTED by another eligible reviewer",
      {},
      [review("admin"), review("writer", "CHANGES_REQUESTED")],
      false,
      ["writer"],
    ],
    [
      "CHANGES_REQUESTED on an older SHA still blocks",
      {},
      [review("admin"), review("writer", "CHANGES_REQUESTED", { commitId: OLD })],
      false,
      ["writer"],
    ],
    [
      "CHANGES_REQUESTED by a read user",
      {},
      [review("admin"), review("reader", "CHANGES_REQUESTED")],
      true,
      [],
    ],
    [
      "CHANGES_REQUESTED by a bot (the app's own reviews)",
      {},
      [review("admin"), review("phasegate[bot]", "CHANGES_REQUESTED", { bot: true })],
      true,
      [],
    ],
    [
      "CHANGES_REQUESTED by someone outside `from`",
      { from: ["octocat"] },
      [review("octocat"), review("writer", "CHANGES_REQUESTED")],
      true,
      [],
    ],
    [
      "a user's two approvals count once",
      { count: 2 },
      [review("writer"), review("writer", "APPROVED", { submittedAt: t2 })],
      false,
      [],
    ],
  ])("%s", (_what, w, reviews, open, blockers) => {
    const v = evaluateGate(gate(w), facts({ reviews }));
    expect(v.open).toBe(open);
    if (!v.open) expect(v.changesRequestedBy).toEqual(blockers);
  });

  test("a stale approval says which SHA it was on", () => {
    const v = closed(
      evaluateGate(gate(), facts({ reviews: [review("writer", "APPROVED", { commitId: OLD })] })),
    );
    expect(v.ignored).toEqual([{ login: "writer", reason: "approved 0ld0000, not the head abc1234" }]);
  });

  test("a stale approval followed by `/agents approve` counts, and is not reported as ignored", () => {
    const v = evaluateGate(
      gate(),
      facts({ reviews: [review("writer", "APPROVED", { commitId: OLD })], commands: [command("writer")] }),
    );
    expect(v).toEqual({ open: true, approvers: ["writer"], sha: HEAD });
  });
});

describe("`/agents approve` and `/agents reject`", () => {
  test.each<[string, GateCommand[], boolean, boolean, { by: string; reason: string } | null]>([
    ["approve after the wait started", [command("writer")], true, true, null],
    ["approve before the wait started", [command("writer", "approve", { at: BEFORE })], true, false, null],
    [
      "approve at the very moment the wait started",
      [command("writer", "approve", { at: WAIT })],
      true,
      false,
      null,
    ],
    [
      "approve with no step, only waiting gate",
      [command("writer", "approve", { stepId: null })],
      true,
      true,
      null,
    ],
    [
      "approve with no step, other gates waiting",
      [command("writer", "approve", { stepId: null })],
      false,
      false,
      null,
    ],
    [
      "approve naming another step",
      [command("writer", "approve", { stepId: "deploy-ok" })],
      true,
      false,
      null,
    ],
    [
      "approve naming the step in another case",
      [command("writer", "approve", { stepId: "SHIP" })],
      true,
      true,
      null,
    ],
    [
      "reject after the wait started",
      [command("writer", "reject", { reason: " too risky " })],
      true,
      false,
      { by: "writer", reason: "too risky" },
    ],
    ["reject with no reason", [command("writer", "reject")], true, false, { by: "writer", reason: "" }],
    ["reject before the wait started", [command("writer", "reject", { at: BEFORE })], true, false, null],
    [
      "reject with no step, only waiting gate",
      [command("writer", "reject", { stepId: null })],
      true,
      false,
      { by: "writer", reason: "" },
    ],
    ["reject by a read user", [command("admin"), command("reader", "reject")], true, true, null],
    ["reject by the author", [command("admin"), command("alice", "reject")], true, true, null],
    ["reject by a bot", [command("admin"), command("helper", "reject", { bot: true })], true, true, null],
    [
      "reject after another's approval",
      [command("admin"), command("writer", "reject", { at: AFTER + 1 })],
      true,
      false,
      { by: "writer", reason: "" },
    ],
    [
      "the first of two rejections",
      [
        command("admin", "reject", { at: AFTER + 2, reason: "b" }),
        command("writer", "reject", { reason: "a" }),
      ],
      true,
      false,
      { by: "writer", reason: "a" },
    ],
  ])("%s", (_what, commands, onlyWaitingGate, open, rejected) => {
    const v = evaluateGate(gate(), facts({ commands, onlyWaitingGate }));
    expect(v.open).toBe(open);
    if (!v.open) expect(v.rejected).toEqual(rejected);
  });

  test("an early approval is reported as such", () => {
    const v = closed(
      evaluateGate(gate(), facts({ commands: [command("writer", "approve", { at: BEFORE })] })),
    );
    expect(v.ignored).toEqual([{ login: "writer", reason: "approved before the gate started waiting" }]);
  });

  test("a review and a comment by the same user count once", () => {
    const v = closed(
      evaluateGate(gate({ count: 2 }), facts({ reviews: [review("writer")], commands: [command("WRITER")] })),
    );
    expect(v.approvers).toEqual(["writer"]);
    expect(v.missing).toBe("needs 1 more approval on abc1234");
  });
});

describe("count", () => {
  test.each<[string, number, string[], boolean]>([
    ["count 2 with one approver", 2, ["writer"], false],
    ["count 2 with two approvers", 2, ["writer", "admin"], true],
    ["count 2 with one approver and the author", 2, ["writer", "alice"], false],
    ["count 1 (the default) with two approvers", 1, ["writer", "admin"], true],
  ])("%s", (_what, count, logins, open) => {
    const reviews = logins.map((l, i) => review(l, "APPROVED", { submittedAt: AFTER + i }));
    const v = evaluateGate(gate({ count }), facts({ reviews }));
    expect(v.open).toBe(open);
  });

  test("approvers are listed in the order they approved", () => {
    const reviews = [review("writer", "APPROVED", { submittedAt: AFTER + 5 }), review("admin")];
    expect(evaluateGate(gate({ count: 2 }), facts({ reviews }))).toEqual({
      open: true,
      approvers: ["admin", "writer"],
      sha: HEAD,
    });
  });
});

describe("from: codeowners", () => {
  const CODEOWNERS = parseCodeowners(
    ["* @admin", "/src/ @acme/web", "/docs/ @doc-writer @octocat", "/vendor/", "*.go dev@example.com"].join(
      "\n",
    ),
  );
  const changed = ["src/app.ts", "docs/a.md", "vendor/lib.js"];
  const co = (changedFiles: string[], approvers: string[], over: Partial<GateFacts> = {}) =>
    evaluateGate(
      gate({ from: "codeowners" }),
      facts({ codeowners: CODEOWNERS, changedFiles, reviews: approvers.map((l) => review(l)), ...over }),
    );

  test.each<[string, string[], string[], boolean, string[]]>([
    ["covered by a team member and a user owner", changed, ["member", "doc-writer"], true, []],
    ["either owner of a file covers it", changed, ["member", "octocat"], true, []],
    ["partly covered: names the uncovered files", changed, ["member"], false, ["docs/a.md"]],
    ["covered by nobody", changed, [], false, ["src/app.ts", "docs/a.md"]],
    [
      "a write user who owns nothing changed does not count",
      changed,
      ["writer"],
      false,
      ["src/app.ts", "docs/a.md"],
    ],
    ["`*` owners do not own what a later rule took", ["src/app.ts"], ["admin"], false, ["src/app.ts"]],
    ["`*` owners own what no later rule took", ["README.md"], ["admin"], true, []],
    ["files with no owner need no approval beyond the count", ["vendor/lib.js"], ["writer"], true, []],
    ["a file owned only by an email cannot be covered", ["cmd/main.go"], ["admin"], false, ["cmd/main.go"]],
  ])("%s", (_what, changedFiles, approvers, open, uncovered) => {
    const v = co(changedFiles, approvers);
    expect(v.open).toBe(open);
    if (!v.open) expect(v.uncovered).toEqual(uncovered);
  });

  test("no CODEOWNERS file: every file is unowned, and anyone with write may approve", () => {
    const v = evaluateGate(gate({ from: "codeowners" }), facts({ codeowners: null }));
    expect(closed(v).eligible).toBe("anyone with write access");
    expect(closed(v).missing).toBe("needs 1 more approval on abc1234");
    expect(evaluateGate(gate({ from: "codeowners" }), facts({ reviews: [review("writer")] })).open).toBe(
      true,
    );
  });

  test("a code owner who is the author does not cover their own files", () => {
    const v = closed(co(["docs/a.md"], ["doc-writer"], { author: "doc-writer" }));
    expect(v.uncovered).toEqual(["docs/a.md"]);
    expect(v.ignored).toEqual([{ login: "doc-writer", reason: "is the PR author" }]);
  });

  test("changes requested by a code owner block; by a non-owner they do not", () => {
    const blocked = closed(
      co(["docs/a.md"], ["doc-writer"], {
        reviews: [review("doc-writer"), review("octocat", "CHANGES_REQUESTED")],
      }),
    );
    expect(blocked.changesRequestedBy).toEqual(["octocat"]);
    expect(
      co(["docs/a.md"], [], { reviews: [review("doc-writer"), review("writer", "CHANGES_REQUESTED")] }).open,
    ).toBe(true);
  });

  test("count still applies on top of coverage", () => {
    const v = closed(
      evaluateGate(
        gate({ from: "codeowners", count: 2 }),
        facts({ codeowners: CODEOWNERS, changedFiles: ["docs/a.md"], reviews: [review("doc-writer")] }),
      ),
    );
    expect(v.uncovered).toEqual([]);
    expect(v.missing).toBe("needs 1 more approval from code owners on abc1234");
  });
});

describe("the exact `missing` text", () => {
  const many = Array.from({ length: 7 }, (_, i) => `src/f${i}.ts`);
  const codeowners = parseCodeowners("/src/ @acme/web\n/docs/ @doc-writer");
  test.each<[string, Record<string, unknown>, Partial<GateFacts>, string]>([
    ["no approval yet", {}, {}, "needs 1 more approval on abc1234"],
    [
      "the spec's example",
      { from: ["@acme/maintainers"] },
      {},
      "needs 1 more approval from @acme/maintainers on abc1234",
    ],
    [
      "two missing, users and teams",
      { count: 2, from: ["acme/maintainers", "octocat"] },
      {},
      "needs 2 more approvals from @acme/maintainers or @octocat on abc1234",
    ],
    ["one of two given", { count: 2 }, { reviews: [review("writer")] }, "needs 1 more approval on abc1234"],
    [
      "changes requested",
      {},
      { reviews: [review("writer", "CHANGES_REQUESTED")] },
      "changes requested by @writer; needs 1 more approval on abc1234",
    ],
    [
      "changes requested, enough approvals",
      {},
      { reviews: [review("admin"), review("writer", "CHANGES_REQUESTED")] },
      "changes requested by @writer on abc1234",
    ],
    [
      "rejected with a reason",
      {},
      { commands: [command("writer", "reject", { reason: "not before the release" })] },
      "rejected by @writer: not before the release",
    ],
    ["rejected without a reason", {}, { commands: [command("writer", "reject")] }, "rejected by @writer"],
    [
      "codeowners, nobody yet",
      { from: "codeowners" },
      { codeowners, changedFiles: ["src/a.ts", "docs/b.md"] },
      "needs 1 more approval from code owners, covering src/a.ts, docs/b.md on abc1234",
    ],
    [
      "codeowners, partly covered",
      { from: "codeowners" },
      { codeowners, changedFiles: ["src/a.ts", "docs/b.md"], reviews: [review("doc-writer")] },
      "needs approval from code owners of src/a.ts on abc1234",
    ],
    [
      "codeowners, many files",
      { from: "codeowners" },
      { codeowners, changedFiles: many },
      "needs 1 more approval from code owners, covering src/f0.ts, src/f1.ts, src/f2.ts, src/f3.ts, src/f4.ts and 2 more on abc1234",
    ],
  ])("%s", (_what, w, over, missing) => {
    expect(closed(evaluateGate(gate(w), facts(over))).missing).toBe(missing);
  });
});

describe("a re-opened gate (the merge was refused)", () => {
  test("approving reviews from before it was re-opened do not count; later ones and commands do", () => {
    const reopened = gateSpec({ id: "ship", with: {} }, AFTER + 10, { reviewsSince: AFTER + 10 });
    const old = evaluateGate(reopened, facts({ reviews: [review("writer")] }));
    expect(old).toMatchObject({
      open: false,
      missing: "needs 1 more approval on abc1234 (the merge was refused: approve again)",
      ignored: [{ login: "writer", reason: "approved before the merge was refused; approve again" }],
    });
    const fresh = evaluateGate(
      reopened,
      facts({ reviews: [review("writer", "APPROVED", { submittedAt: AFTER + 20 })] }),
    );
    expect(fresh).toEqual({ open: true, approvers: ["writer"], sha: HEAD });
    const byCommand = evaluateGate(
      reopened,
      facts({ commands: [command("writer", "approve", { at: AFTER + 20 })] }),
    );
    expect(byCommand.open).toBe(true);
  });
});

describe("a gate after a merge", () => {
  const MERGED = AFTER + 10; // the merge succeeded after the first reviews
  const afterMerge = (w: Record<string, unknown> = {}) =>
    gateSpec({ id: "ship", with: w }, MERGED + 100, { afterMerge: MERGED });

  test("reviews from before the merge count for nothing, whatever their state; later ones do", () => {
    const before = evaluateGate(
      afterMerge(),
      facts({ reviews: [review("writer"), review("admin", "CHANGES_REQUESTED")] }),
    );
    expect(before).toMatchObject({
      open: false,
      changesRequestedBy: [],
      approvers: [],
      missing: "needs 1 more approval on abc1234 (reviews from before the merge do not count)",
      ignored: [],
    });
    const at = (t: number) => ({ submittedAt: t });
    expect(
      evaluateGate(afterMerge(), facts({ reviews: [review("writer", "APPROVED", at(MERGED))] })).open,
    ).toBe(false);
    expect(
      evaluateGate(afterMerge(), facts({ reviews: [review("writer", "APPROVED", at(MERGED + 1))] })),
    ).toEqual({ open: true, approvers: ["writer"], sha: HEAD });
    // A reviewer who approved before and requests changes after the merge blocks; the reverse approves.
    expect(
      evaluateGate(
        afterMerge({ count: 2 }),
        facts({
          reviews: [
            review("writer", "APPROVED", at(BEFORE)),
            review("writer", "CHANGES_REQUESTED", at(MERGED + 5)),
            review("admin", "CHANGES_REQUESTED", at(BEFORE)),
            review("admin", "APPROVED", at(MERGED + 6)),
          ],
        }),
      ),
    ).toMatchObject({ open: false, changesRequestedBy: ["writer"], approvers: ["admin"] });
  });

  test("the author, the last pusher and bots never count after the merge either; commands after it do", () => {
    const late = { submittedAt: MERGED + 1 };
    const v = evaluateGate(
      afterMerge(),
      facts({
        reviews: [
          review("alice", "APPROVED", late),
          review("pusher", "APPROVED", late),
          review("helper", "APPROVED", { ...late, bot: true }),
        ],
        commands: [command("reader", "approve", { at: MERGED + 200 })],
      }),
    );
    expect(closed(v).ignored).toEqual([
      { login: "alice", reason: "is the PR author" },
      { login: "pusher", reason: "pushed the last commit" },
      { login: "helper", reason: "is a bot" },
      { login: "reader", reason: "has only read access" },
    ]);
    expect(
      evaluateGate(afterMerge(), facts({ commands: [command("writer", "approve", { at: MERGED + 200 })] })),
    ).toEqual({ open: true, approvers: ["writer"], sha: HEAD });
  });

  test("gateLookups asks nothing about reviewers from before the merge", () => {
    const known = facts({
      reviews: [
        review("writer", "APPROVED", { submittedAt: MERGED }),
        review("admin", "APPROVED", { submittedAt: MERGED + 1 }),
      ],
    });
    expect(gateLookups(afterMerge(), known).users).toEqual(["admin"]);
  });
});

describe("gateSpec", () => {
  test("applies the defaults: count 1, anyone with write, head SHA only", () => {
    expect(gateSpec({ id: "ok", with: {} }, 5)).toEqual({
      stepId: "ok",
      count: 1,
      from: null,
      stale: false,
      waitingSince: 5,
      reviewsSince: null,
      afterMerge: null,
    });
  });

  test("reads count, from and stale from the step's `with`", () => {
    expect(gateSpec({ id: "ok", with: { count: 2, from: ["@acme/x", "bob"], stale: true } }, 5)).toEqual({
      stepId: "ok",
      count: 2,
      from: ["@acme/x", "bob"],
      stale: true,
      waitingSince: 5,
      reviewsSince: null,
      afterMerge: null,
    });
    expect(gateSpec({ id: "ok", with: { from: "codeowners" } }, 5).from).toBe("codeowners");
  });

  test("takes when reviews start counting: a re-opened gate's, and the merge a gate follows", () => {
    expect(gateSpec({ id: "ok", with: {} }, 5, { reviewsSince: 3, afterMerge: 2 })).toMatchObject({
      reviewsSince: 3,
      afterMerge: 2,
    });
  });
});

describe("gateLookups", () => {
  test("asks only about people and teams the gate can use", () => {
    const known = facts({
      reviews: [
        review("writer"),
        review("WRITER", "CHANGES_REQUESTED"),
        review("commenter", "COMMENTED"),
        review("alice"),
        review("pusher"),
        review("x[bot]"),
      ],
      commands: [
        command("octocat"),
        command("other", "approve", { stepId: "deploy-ok" }),
        command("helper", "reject", { bot: true }),
      ],
    });
    expect(gateLookups(gate({ from: ["@acme/maintainers", "bob"] }), known)).toEqual({
      users: ["writer", "octocat"],
      teams: ["acme/maintainers"],
    });
  });

  test("with codeowners, the teams that own changed files", () => {
    const codeowners = parseCodeowners("* @acme/all\n/src/ @acme/web @bob\n/docs/ @Acme/Docs");
    const known = facts({ codeowners, changedFiles: ["src/a.ts", "docs/b.md", "src/c.ts"] });
    expect(gateLookups(gate({ from: "codeowners" }), known).teams).toEqual(["acme/web", "Acme/Docs"]);
  });
});
