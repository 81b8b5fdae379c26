import { describe, expect, it } from "vitest";
import {
  FindingStore,
  type JudgementRecord,
  type LedgerFinding,
  type PostedFinding,
} from "../../src/db/finding-store.js";
import { forEachDatabase } from "./databases.js";

const REPO = "acme/widgets";
const OTHER = "acme/gadgets";

/** A finding as the reporter posts it on PR 7 of acme/widgets, posted at 100. */
function posted(fingerprint: string, over: Partial<PostedFinding> = {}): PostedFinding {
  return {
    repo: REPO,
    number: 7,
    fingerprint,
    runId: "run-1",
    stepId: "review",
    persona: "reviewer",
    model: "gpt-a",
    stepKind: "agent",
    taskType: "ts",
    file: "src/db.ts",
    line: 12,
    severity: "high",
    title: "SQL injection",
    source: null,
    codeHash: "c0ffee0123456789",
    postedIn: "inline",
    reviewId: "r-1",
    headSha: "a".repeat(40),
    postedAt: 100,
    ...over,
  };
}

/** The ledger row of a finding nobody judged yet. */
function open(p: PostedFinding, over: Partial<LedgerFinding> = {}): LedgerFinding {
  return {
    ...p,
    state: "open",
    explicit: false,
    judgedBy: null,
    judgedAt: null,
    reason: null,
    clears: false,
    commentId: null,
    threadId: null,
    codeChangedAt: null,
    threadResolvedAt: null,
    reactionsReadAt: null,
    ...over,
  };
}

const reply = (
  judgement: "useful" | "wrong",
  actor: string,
  at: number,
  over: Partial<JudgementRecord> = {},
) =>
  ({ judgement, source: "reply", actor, reason: null, at, clears: false, ...over }) satisfies JudgementRecord;
const push = (at: number): JudgementRecord => ({
  judgement: "addressed",
  source: "push",
  actor: "alice",
  reason: null,
  at,
  clears: false,
});

forEachDatabase("FindingStore", (get) => {
  const store = () => new FindingStore(get().db);
  /** Raw `learn` flags of a repository's findings, by fingerprint. */
  const learnFlags = async (repo: string) =>
    (
      await get()
        .db.kysely.selectFrom("findings")
        .select(["number", "fingerprint", "learn"])
        .where("repo", "=", repo)
        .orderBy("number")
        .orderBy("fingerprint")
        .execute()
    ).map((r) => [r.number, r.fingerprint, Number(r.learn)]);

  describe("recording posted findings", () => {
    it("records each finding open; the first post of a fingerprint wins, per PR", async () => {
      const s = store();
      await s.recordPosted([]);
      const first = posted("f1");
      await s.recordPosted([first]);
      await s.recordPosted([
        posted("f1", { runId: "run-2", title: "Injection via id", postedAt: 500, postedIn: "body" }),
        posted("f1", { number: 8, postedAt: 600 }),
      ]);
      expect(await s.get(REPO, 7, "f1")).toEqual(open(first));
      expect(await s.get(REPO, 8, "f1")).toEqual(open(posted("f1", { number: 8, postedAt: 600 })));
      expect(await learnFlags(REPO)).toEqual([
        [7, "f1", 1],
        [8, "f1", 1],
      ]);
    });

    it("a second post of a judged finding leaves its state alone", async () => {
      const s = store();
      await s.recordPosted([posted("f1")]);
      await s.judge(REPO, 7, "f1", reply("wrong", "carol", 1000, { reason: "checked above", clears: true }));
      await s.recordPosted([posted("f1", { postedAt: 2000 })]);
      expect(await s.get(REPO, 7, "f1")).toMatchObject({
        state: "wrong",
        judgedBy: "carol",
        reason: "checked above",
        clears: true,
        postedAt: 100,
      });
    });

    it("keeps the first 500 characters of a title", async () => {
      const s = store();
      await s.recordPosted([posted("f1", { title: "x".repeat(600) })]);
      expect((await s.get(REPO, 7, "f1"))?.title).toBe("x".repeat(500));
    });

    it("forPr: one PR's findings by time posted, then fingerprint; get: one or null", async () => {
      const s = store();
      await s.recordPosted([
        posted("b", { postedAt: 200 }),
        posted("c", { postedAt: 100 }),
        posted("a", { postedAt: 200, line: null, source: "secret-scan", codeHash: null }),
        posted("d", { number: 8 }),
        posted("e", { repo: OTHER }),
      ]);
      expect((await s.forPr(REPO, 7)).map((f) => f.fingerprint)).toEqual(["c", "a", "b"]);
      expect(await s.forPr(REPO, 9)).toEqual([]);
      expect(await s.get(REPO, 7, "a")).toEqual(
        open(posted("a", { postedAt: 200, line: null, source: "secret-scan", codeHash: null })),
      );
      expect(await s.get(REPO, 7, "d")).toBeNull();
      expect(await s.get(OTHER, 7, "a")).toBeNull();
    });

    it("setLocation records the comment and thread; byComment finds the finding by its comment", async () => {
      const s = store();
      await s.recordPosted([posted("f1"), posted("f2"), posted("f1", { repo: OTHER })]);
      expect(await s.byComment(REPO, "c-1")).toBeNull();
      await s.setLocation(REPO, 7, "f1", { commentId: "c-1" });
      expect(await s.byComment(REPO, "c-1")).toEqual(open(posted("f1"), { commentId: "c-1" }));
      await s.setLocation(REPO, 7, "f1", { threadId: "PRRT_1" });
      await s.setLocation(REPO, 7, "f1", {});
      expect(await s.byComment(REPO, "c-1")).toEqual(
        open(posted("f1"), { commentId: "c-1", threadId: "PRRT_1" }),
      );
      expect(await s.byComment(OTHER, "c-1")).toBeNull();
      expect(await s.get(REPO, 7, "f2")).toEqual(open(posted("f2")));
      expect(await s.get(OTHER, 7, "f1")).toEqual(open(posted("f1", { repo: OTHER })));
    });

    it("markReactionsRead marks the given fingerprints of one PR only", async () => {
      const s = store();
      await s.recordPosted([posted("f1"), posted("f2"), posted("f3"), posted("f1", { number: 8 })]);
      await s.markReactionsRead(REPO, 7, [], 4000);
      await s.markReactionsRead(REPO, 7, ["f1", "f2"], 5000);
      expect((await s.forPr(REPO, 7)).map((f) => [f.fingerprint, f.reactionsReadAt])).toEqual([
        ["f1", 5000],
        ["f2", 5000],
        ["f3", null],
      ]);
      expect((await s.get(REPO, 8, "f1"))?.reactionsReadAt).toBeNull();
    });
  });

  describe("judging", () => {
    it("applies a judgement by the precedence and records every judgement with `applied`", async () => {
      const s = store();
      await s.recordPosted([posted("f1")]);
      const wrong = reply("wrong", "carol", 1000, { reason: "validated above", clears: true });
      const judged = open(posted("f1"), {
        state: "wrong",
        explicit: true,
        judgedBy: "carol",
        judgedAt: 1000,
        reason: "validated above",
        clears: true,
      });
      expect(await s.judge(REPO, 7, "f1", wrong)).toEqual({ finding: judged, applied: true });
      expect(await s.get(REPO, 7, "f1")).toEqual(judged);

      // A 👍 from before the reply, read at close: older than the explicit judgement, recorded but not applied.
      const thumb = { ...reply("useful", "dave", 900), source: "reaction" as const };
      expect(await s.judge(REPO, 7, "f1", thumb)).toEqual({ finding: judged, applied: false });
      expect(await s.get(REPO, 7, "f1")).toEqual(judged);

      expect(await s.judgementsFor(REPO, 7)).toEqual([
        {
          fingerprint: "f1",
          judgement: "useful",
          source: "reaction",
          actor: "dave",
          reason: null,
          applied: false,
          at: 900,
        },
        {
          fingerprint: "f1",
          judgement: "wrong",
          source: "reply",
          actor: "carol",
          reason: "validated above",
          applied: true,
          at: 1000,
        },
      ]);
    });

    it("a fingerprint not in the PR's ledger: null, and nothing recorded", async () => {
      const s = store();
      await s.recordPosted([posted("f1", { number: 8 })]);
      expect(await s.judge(REPO, 7, "f1", reply("useful", "carol", 1000))).toBeNull();
      expect(await s.judgementsFor(REPO, 7)).toEqual([]);
      expect(await s.judgementCounts()).toEqual([]);
    });

    it("a push addresses an open finding and sets code_changed_at", async () => {
      const s = store();
      await s.recordPosted([posted("f1")]);
      const result = await s.judge(REPO, 7, "f1", push(3000));
      expect(result?.applied).toBe(true);
      expect(await s.get(REPO, 7, "f1")).toEqual(
        open(posted("f1"), { state: "addressed", judgedBy: "alice", judgedAt: 3000, codeChangedAt: 3000 }),
      );
    });

    it("a push on an explicitly judged finding is not applied but still sets code_changed_at, once", async () => {
      const s = store();
      await s.recordPosted([posted("f1")]);
      await s.judge(REPO, 7, "f1", reply("useful", "carol", 1000));
      expect((await s.judge(REPO, 7, "f1", push(3000)))?.applied).toBe(false);
      expect((await s.judge(REPO, 7, "f1", push(4000)))?.applied).toBe(false);
      expect(await s.get(REPO, 7, "f1")).toEqual(
        open(posted("f1"), {
          state: "useful",
          explicit: true,
          judgedBy: "carol",
          judgedAt: 1000,
          codeChangedAt: 3000,
        }),
      );
      expect((await s.judgementsFor(REPO, 7)).map((j) => [j.judgement, j.source, j.applied, j.at])).toEqual([
        ["useful", "reply", true, 1000],
        ["addressed", "push", false, 3000],
        ["addressed", "push", false, 4000],
      ]);
    });

    it("judge returns the finding as stored after a push (code_changed_at included)", async () => {
      const s = store();
      await s.recordPosted([posted("f1"), posted("f2")]);
      const applied = await s.judge(REPO, 7, "f1", push(3000));
      expect(applied?.finding).toEqual(await s.get(REPO, 7, "f1"));
      await s.judge(REPO, 7, "f2", reply("useful", "carol", 1000));
      const notApplied = await s.judge(REPO, 7, "f2", push(3000));
      expect(notApplied?.finding).toEqual(await s.get(REPO, 7, "f2"));
    });

    it("an inferred judgement after a reset teaches again only when it is applied", async () => {
      const s = store();
      await s.recordPosted([posted("f1"), posted("f2")]);
      await s.judge(REPO, 7, "f1", { ...push(1000), judgement: "dismissed", source: "thread" });
      await s.judge(REPO, 7, "f2", reply("wrong", "carol", 1000));
      expect(await s.resetLearning(REPO, "admin", 2000)).toBe(2);
      // f1: a thread resolved again after a push changed the code → addressed (applied); f2: explicit, not applied.
      expect((await s.judge(REPO, 7, "f1", { ...push(3000), source: "thread" }))?.applied).toBe(true);
      expect((await s.judge(REPO, 7, "f2", push(3000)))?.applied).toBe(false);
      expect(await learnFlags(REPO)).toEqual([
        [7, "f1", 1],
        [7, "f2", 0],
      ]);
    });

    it("two concurrent judgements of one finding: the newer explicit one stands, both are recorded", async () => {
      const s = store();
      const fps = ["f1", "f2", "f3", "f4", "f5", "f6"];
      await s.recordPosted(fps.map((fp) => posted(fp)));
      // The newer judgement starts first: without a row lock both would read `open` and the older would win.
      const results = await Promise.all(
        fps.flatMap((fp) => [
          s.judge(REPO, 7, fp, reply("useful", "dave", 2000)),
          s.judge(REPO, 7, fp, reply("wrong", "carol", 1000, { reason: "no", clears: true })),
        ]),
      );
      for (const fp of fps) {
        expect(await s.get(REPO, 7, fp)).toEqual(
          open(posted(fp), { state: "useful", explicit: true, judgedBy: "dave", judgedAt: 2000 }),
        );
      }
      const rows = await s.judgementsFor(REPO, 7);
      expect(rows).toHaveLength(12);
      for (const fp of fps) {
        const mine = rows.filter((r) => r.fingerprint === fp);
        expect(mine.map((r) => [r.judgement, r.actor, r.at]).sort()).toEqual([
          ["useful", "dave", 2000],
          ["wrong", "carol", 1000],
        ]);
        // The newer one was applied whatever the order; each row says what its call returned.
        expect(mine.find((r) => r.judgement === "useful")?.applied).toBe(true);
      }
      const applied = results.map((r) => r?.applied);
      const recorded = fps.flatMap((fp) => [
        rows.find((r) => r.fingerprint === fp && r.judgement === "useful")?.applied,
        rows.find((r) => r.fingerprint === fp && r.judgement === "wrong")?.applied,
      ]);
      expect(applied).toEqual(recorded);
    });
  });

  describe("what judgements change", () => {
    it("cleared: the PR's wrong/dismissed findings judged by someone who may clear them", async () => {
      const s = store();
      await s.recordPosted(["f1", "f2", "f3", "f4", "f5", "f6"].map((fp) => posted(fp)));
      await s.recordPosted([posted("f1", { number: 8 })]);
      await s.judge(REPO, 7, "f1", reply("wrong", "carol", 1000, { clears: true }));
      await s.judge(REPO, 7, "f2", { ...push(1000), judgement: "dismissed", source: "thread", clears: true });
      await s.judge(REPO, 7, "f3", reply("wrong", "alice", 1000)); // the author: does not clear
      await s.judge(REPO, 7, "f4", reply("useful", "carol", 1000, { clears: true }));
      await s.judge(REPO, 7, "f5", reply("wrong", "carol", 1000, { clears: true }));
      await s.judge(REPO, 7, "f5", reply("useful", "dave", 2000)); // a later useful: counts again
      await s.judge(REPO, 8, "f1", reply("wrong", "carol", 1000, { clears: true }));
      expect(await s.cleared(REPO, 7)).toEqual(
        new Map([
          ["f1", "wrong"],
          ["f2", "dismissed"],
        ]),
      );
      expect(await s.cleared(REPO, 9)).toEqual(new Map());
    });

    it("a writer's clearing stands while the state does: the author saying `wrong` again does not undo it", async () => {
      const s = store();
      await s.recordPosted([posted("f1"), posted("f2")]);
      await s.judge(REPO, 7, "f1", reply("wrong", "carol", 1000, { clears: true }));
      const again = await s.judge(REPO, 7, "f1", reply("wrong", "alice", 2000));
      expect([again?.applied, again?.finding.judgedBy, again?.finding.clears]).toEqual([true, "alice", true]);
      // A `useful` in between ends the clearing; the author's `wrong` after it does not clear.
      await s.judge(REPO, 7, "f2", reply("wrong", "carol", 1000, { clears: true }));
      await s.judge(REPO, 7, "f2", reply("useful", "dave", 2000));
      await s.judge(REPO, 7, "f2", reply("wrong", "alice", 3000));
      expect(await s.cleared(REPO, 7)).toEqual(new Map([["f1", "wrong"]]));
    });

    it("countByState: posted findings by state, of a PR, a repository or all; held-back ones left out", async () => {
      const s = store();
      await s.recordPosted([
        posted("f1"),
        posted("f2", { postedIn: "body" }),
        posted("f3"),
        posted("f4"),
        posted("f5", { postedIn: "held-back" }),
        posted("f1", { number: 8 }),
        posted("f1", { repo: OTHER }),
      ]);
      await s.judge(REPO, 7, "f3", reply("wrong", "carol", 1000));
      await s.judge(REPO, 7, "f4", push(1000));
      await s.judge(OTHER, 7, "f1", reply("useful", "carol", 1000));
      expect(await s.countByState({ repo: REPO, number: 7 })).toEqual({
        open: 2,
        useful: 0,
        wrong: 1,
        addressed: 1,
        dismissed: 0,
      });
      expect(await s.countByState({ repo: REPO })).toEqual({
        open: 3,
        useful: 0,
        wrong: 1,
        addressed: 1,
        dismissed: 0,
      });
      expect(await s.countByState()).toEqual({ open: 3, useful: 1, wrong: 1, addressed: 1, dismissed: 0 });
      expect(await s.countByState({ repo: "acme/none" })).toEqual({
        open: 0,
        useful: 0,
        wrong: 0,
        addressed: 0,
        dismissed: 0,
      });
    });

    it("judgementCounts: by judgement, source and applied", async () => {
      const s = store();
      await s.recordPosted([posted("f1"), posted("f2"), posted("f3")]);
      await s.judge(REPO, 7, "f1", reply("wrong", "carol", 1000));
      await s.judge(REPO, 7, "f1", { ...reply("useful", "dave", 900), source: "reaction" });
      await s.judge(REPO, 7, "f1", push(1100));
      await s.judge(REPO, 7, "f2", push(1100));
      await s.judge(REPO, 7, "f3", reply("wrong", "carol", 1000));
      const counts = await s.judgementCounts();
      expect(counts.map((c) => `${c.judgement}/${c.source}`)).toEqual([
        "addressed/push",
        "addressed/push",
        "useful/reaction",
        "wrong/reply",
      ]);
      expect(
        [...counts].sort(
          (a, b) => Number(a.applied) - Number(b.applied) || a.judgement.localeCompare(b.judgement),
        ),
      ).toEqual([
        { judgement: "addressed", source: "push", applied: false, n: 1 },
        { judgement: "useful", source: "reaction", applied: false, n: 1 },
        { judgement: "addressed", source: "push", applied: true, n: 1 },
        { judgement: "wrong", source: "reply", applied: true, n: 2 },
      ]);
    });
  });

  describe("learning", () => {
    /*
     * acme/widgets PR 7: f1 reviewer/gpt-a/ts wrong at 1000, f2 docs/gpt-b/docs useful at 2000, f3 open,
     * f4 held back (open); PR 8: f1 reviewer addressed at 3000. acme/gadgets PR 1: g1 reviewer dismissed at 2500.
     */
    async function seed(s: FindingStore): Promise<void> {
      await s.recordPosted([
        posted("f1"),
        posted("f2", { persona: "docs", model: "gpt-b", taskType: "docs", file: "README.md" }),
        posted("f3"),
        posted("f4", { postedIn: "held-back" }),
        posted("f1", { number: 8 }),
        posted("g1", { repo: OTHER, number: 1, model: "gpt-b", taskType: "py", file: "a.py" }),
      ]);
      await s.judge(REPO, 7, "f1", reply("wrong", "carol", 1000));
      await s.judge(REPO, 7, "f2", reply("useful", "carol", 2000));
      await s.judge(REPO, 8, "f1", push(3000));
      await s.judge(OTHER, 1, "g1", { ...push(2500), judgement: "dismissed", source: "thread" });
    }
    const f1 = { repo: REPO, persona: "reviewer", model: "gpt-a", stepKind: "agent", taskType: "ts" };
    const wrongF1 = { ...f1, state: "wrong", judgedAt: 1000 };
    const usefulF2 = {
      ...f1,
      persona: "docs",
      model: "gpt-b",
      taskType: "docs",
      state: "useful",
      judgedAt: 2000,
    };
    const addressedF1 = { ...f1, state: "addressed", judgedAt: 3000 };
    const dismissedG1 = {
      ...f1,
      repo: OTHER,
      model: "gpt-b",
      taskType: "py",
      state: "dismissed",
      judgedAt: 2500,
    };
    const byTime = <T extends { judgedAt: number }>(rows: T[]) =>
      [...rows].sort((a, b) => a.judgedAt - b.judgedAt);

    it("judged: judged findings that teach, filtered by repository, persona and time", async () => {
      const s = store();
      await seed(s);
      expect(byTime(await s.judged())).toEqual([wrongF1, usefulF2, dismissedG1, addressedF1]);
      expect(byTime(await s.judged({ repo: REPO }))).toEqual([wrongF1, usefulF2, addressedF1]);
      expect(byTime(await s.judged({ persona: "reviewer" }))).toEqual([wrongF1, dismissedG1, addressedF1]);
      expect(byTime(await s.judged({ since: 2000 }))).toEqual([usefulF2, dismissedG1, addressedF1]);
      expect(await s.judged({ repo: REPO, persona: "reviewer", since: 2001 })).toEqual([addressedF1]);
      expect(await s.judged({ repo: "acme/none" })).toEqual([]);
    });

    it("resetLearning of one persona: its judged findings in that repository stop teaching, states stay", async () => {
      const s = store();
      await seed(s);
      expect(await s.resetLearning(REPO, "admin", 9000, "reviewer")).toBe(2);
      expect(await learnFlags(REPO)).toEqual([
        [7, "f1", 0],
        [7, "f2", 1],
        [7, "f3", 1],
        [7, "f4", 1],
        [8, "f1", 0],
      ]);
      expect(await learnFlags(OTHER)).toEqual([[1, "g1", 1]]);
      expect(byTime(await s.judged())).toEqual([usefulF2, dismissedG1]);
      expect((await s.get(REPO, 7, "f1"))?.state).toBe("wrong");
      expect(await s.countByState({ repo: REPO })).toEqual({
        open: 1,
        useful: 1,
        wrong: 1,
        addressed: 1,
        dismissed: 0,
      });

      // A later judgement teaches again.
      await s.judge(REPO, 7, "f1", reply("useful", "dave", 9500));
      expect(byTime(await s.judged({ repo: REPO }))).toEqual([
        usefulF2,
        { ...f1, state: "useful", judgedAt: 9500 },
      ]);

      // The reset itself is in the audit trail (PR 0, the persona as fingerprint), and in the counts.
      const resets = await get()
        .db.kysely.selectFrom("finding_judgements")
        .selectAll()
        .where("judgement", "=", "reset")
        .execute();
      expect(resets.map((r) => ({ ...r, at: Number(r.at) }))).toEqual([
        {
          repo: REPO,
          number: 0,
          fingerprint: "reviewer",
          judgement: "reset",
          source: "reset",
          actor: "admin",
          reason: null,
          applied: 1,
          at: 9000,
        },
      ]);
      expect(await s.judgementCounts()).toContainEqual({
        judgement: "reset",
        source: "reset",
        applied: true,
        n: 1,
      });
    });

    it("resetLearning of every persona; again: nothing left to forget", async () => {
      const s = store();
      await seed(s);
      expect(await s.resetLearning(REPO, "admin", 9000)).toBe(3);
      expect(await s.resetLearning(REPO, "admin", 9100)).toBe(0);
      expect(await s.judged({ repo: REPO })).toEqual([]);
      expect(await s.judged()).toEqual([dismissedG1]);
      const resets = await get()
        .db.kysely.selectFrom("finding_judgements")
        .select(["fingerprint", "at"])
        .where("source", "=", "reset")
        .orderBy("at")
        .execute();
      expect(resets.map((r) => [r.fingerprint, Number(r.at)])).toEqual([
        ["*", 9000],
        ["*", 9100],
      ]);
    });
  });
});
