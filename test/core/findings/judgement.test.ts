import { describe, expect, test } from "vitest";
import {
  applyJudgement,
  isExplicit,
  type JudgedState,
  judgementClears,
} from "../../../src/core/findings/judgement.js";

const open: JudgedState = { state: "open", explicit: false, judgedAt: null };

describe("applyJudgement: an explicit judgement (useful/wrong) wins unless it is older than a stored one", () => {
  test("on an open finding it sets the state, explicit, at its time", () => {
    expect(applyJudgement(open, { judgement: "useful", source: "reply", at: 5 })).toEqual({
      state: "useful",
      explicit: true,
      judgedAt: 5,
    });
    // A 👍/👎 read at close is explicit too: said by a person.
    expect(applyJudgement(open, { judgement: "wrong", source: "reaction", at: 7 })).toEqual({
      state: "wrong",
      explicit: true,
      judgedAt: 7,
    });
  });

  test("a newer explicit judgement replaces an older explicit one; one at the same instant too", () => {
    const wrong: JudgedState = { state: "wrong", explicit: true, judgedAt: 10 };
    expect(applyJudgement(wrong, { judgement: "useful", source: "reply", at: 11 })).toEqual({
      state: "useful",
      explicit: true,
      judgedAt: 11,
    });
    expect(applyJudgement(wrong, { judgement: "useful", source: "reaction", at: 10 })).toEqual({
      state: "useful",
      explicit: true,
      judgedAt: 10,
    });
  });

  test("an explicit judgement older than the stored explicit one changes nothing (a 👍 read at close)", () => {
    const wrong: JudgedState = { state: "wrong", explicit: true, judgedAt: 10 };
    expect(applyJudgement(wrong, { judgement: "useful", source: "reaction", at: 9 })).toBeNull();
  });

  test("the same explicit judgement again moves its time forward (it is not 'same state → null')", () => {
    const wrong: JudgedState = { state: "wrong", explicit: true, judgedAt: 10 };
    expect(applyJudgement(wrong, { judgement: "wrong", source: "reply", at: 20 })).toEqual({
      state: "wrong",
      explicit: true,
      judgedAt: 20,
    });
  });

  test("an explicit judgement beats an inferred state even when it is older than it", () => {
    const addressed: JudgedState = { state: "addressed", explicit: false, judgedAt: 50 };
    expect(applyJudgement(addressed, { judgement: "wrong", source: "reaction", at: 3 })).toEqual({
      state: "wrong",
      explicit: true,
      judgedAt: 3,
    });
  });

  test("a stored explicit state without a time never refuses a new explicit judgement", () => {
    const legacy: JudgedState = { state: "useful", explicit: true, judgedAt: null };
    expect(applyJudgement(legacy, { judgement: "wrong", source: "reply", at: 1 })).toEqual({
      state: "wrong",
      explicit: true,
      judgedAt: 1,
    });
  });
});

describe("applyJudgement: inferred judgements (thread, push)", () => {
  test("never override an explicit judgement, whatever their time", () => {
    const useful: JudgedState = { state: "useful", explicit: true, judgedAt: 5 };
    expect(applyJudgement(useful, { judgement: "addressed", source: "push", at: 9 })).toBeNull();
    expect(applyJudgement(useful, { judgement: "dismissed", source: "thread", at: 9 })).toBeNull();
    expect(applyJudgement(useful, { judgement: "addressed", source: "thread", at: 9 })).toBeNull();
  });

  test("a push addresses an open finding, and only an open one", () => {
    expect(applyJudgement(open, { judgement: "addressed", source: "push", at: 9 })).toEqual({
      state: "addressed",
      explicit: false,
      judgedAt: 9,
    });
    const dismissed: JudgedState = { state: "dismissed", explicit: false, judgedAt: 5 };
    expect(applyJudgement(dismissed, { judgement: "addressed", source: "push", at: 9 })).toBeNull();
  });

  test("a resolved thread sets addressed or dismissed on an open finding", () => {
    expect(applyJudgement(open, { judgement: "dismissed", source: "thread", at: 4 })).toEqual({
      state: "dismissed",
      explicit: false,
      judgedAt: 4,
    });
    expect(applyJudgement(open, { judgement: "addressed", source: "thread", at: 4 })).toEqual({
      state: "addressed",
      explicit: false,
      judgedAt: 4,
    });
  });

  test("a resolved thread replaces another inferred state (unlike a push)", () => {
    const addressed: JudgedState = { state: "addressed", explicit: false, judgedAt: 5 };
    expect(applyJudgement(addressed, { judgement: "dismissed", source: "thread", at: 8 })).toEqual({
      state: "dismissed",
      explicit: false,
      judgedAt: 8,
    });
    const dismissed: JudgedState = { state: "dismissed", explicit: false, judgedAt: 5 };
    expect(applyJudgement(dismissed, { judgement: "addressed", source: "thread", at: 8 })).toEqual({
      state: "addressed",
      explicit: false,
      judgedAt: 8,
    });
  });

  test("the same inferred state again changes nothing", () => {
    const addressed: JudgedState = { state: "addressed", explicit: false, judgedAt: 5 };
    expect(applyJudgement(addressed, { judgement: "addressed", source: "thread", at: 8 })).toBeNull();
    const dismissed: JudgedState = { state: "dismissed", explicit: false, judgedAt: 5 };
    expect(applyJudgement(dismissed, { judgement: "dismissed", source: "thread", at: 8 })).toBeNull();
  });
});

describe("isExplicit", () => {
  test("useful and wrong are said by a person; addressed and dismissed are inferred", () => {
    expect(isExplicit("useful")).toBe(true);
    expect(isExplicit("wrong")).toBe(true);
    expect(isExplicit("addressed")).toBe(false);
    expect(isExplicit("dismissed")).toBe(false);
  });
});

describe("judgementClears: wrong/dismissed by someone other than the PR's author and last pusher", () => {
  const pr = { author: "alice", lastPusher: "bob" };

  test("wrong and dismissed by a third writer clear", () => {
    expect(judgementClears("wrong", "carol", pr)).toBe(true);
    expect(judgementClears("dismissed", "carol", pr)).toBe(true);
  });

  test("useful and addressed never clear, whoever says them", () => {
    expect(judgementClears("useful", "carol", pr)).toBe(false);
    expect(judgementClears("addressed", "carol", pr)).toBe(false);
  });

  test("the author and the last pusher never clear their own PR's findings, in any letter case", () => {
    expect(judgementClears("wrong", "alice", pr)).toBe(false);
    expect(judgementClears("dismissed", "bob", pr)).toBe(false);
    expect(judgementClears("wrong", "Alice", pr)).toBe(false);
    expect(judgementClears("dismissed", "BOB", pr)).toBe(false);
    expect(judgementClears("wrong", "alice", { author: "ALICE", lastPusher: null })).toBe(false);
    expect(judgementClears("wrong", "bob", { author: null, lastPusher: "Bob" })).toBe(false);
  });

  test("an unknown author or pusher is nobody: the other one still cannot clear", () => {
    expect(judgementClears("wrong", "carol", { author: null, lastPusher: "bob" })).toBe(true);
    expect(judgementClears("wrong", "bob", { author: null, lastPusher: "bob" })).toBe(false);
    expect(judgementClears("wrong", "alice", { author: "alice", lastPusher: null })).toBe(false);
    expect(judgementClears("dismissed", "carol", { author: null, lastPusher: null })).toBe(true);
  });
});
