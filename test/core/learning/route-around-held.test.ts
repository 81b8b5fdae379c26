import { describe, expect, test } from "vitest";
import { heldBackCells } from "../../../src/core/learning/noise-control.js";
import {
  computeProfiles,
  type JudgedFinding,
  type JudgedState,
} from "../../../src/core/learning/profiles.js";
import { routeAroundHeld, routeModel } from "../../../src/core/learning/routing.js";

const NOW = Date.UTC(2025, 5, 1, 12);
const cell = { persona: "reviewer", stepKind: "review" };

/** `right` useful and `wrong` wrong findings of `model` on `taskType`, all judged now (weight 3 each). */
function judged(model: string, taskType: string, right: number, wrong: number): JudgedFinding[] {
  const one = (state: JudgedState): JudgedFinding => ({
    persona: "reviewer",
    model,
    stepKind: "review",
    taskType,
    state,
    judgedAt: NOW,
  });
  return [
    ...Array.from({ length: right }, () => one("useful")),
    ...Array.from({ length: wrong }, () => one("wrong")),
  ];
}

/*
 * On py, with health 1 (score = 0.3 + 0.5 · expertise + 0.2 · confidence):
 * - weak:   2 right of 12 → expertise 1/6, confidence 0.6, score 0.5033 — held back at min_precision 0.5;
 * - weaker: 1 right of 10 → expertise 0.1, confidence 0.5, score 0.45  — held back;
 * - strong: 25 of 25      → expertise 1,   confidence 1,   score 1.00;
 * - mid:    16 of 20      → expertise 0.8, confidence 1,   score 0.90.
 */
const profiles = computeProfiles(
  [
    ...judged("weak", "py", 2, 10),
    ...judged("weaker", "py", 1, 9),
    ...judged("strong", "py", 25, 0),
    ...judged("mid", "py", 16, 4),
  ],
  NOW,
);
const held = heldBackCells(profiles, 0.5);

const standing = {
  weak: { model: "weak", score: expect.closeTo(0.50333, 4), judged: 12 },
  weaker: { model: "weaker", score: expect.closeTo(0.45, 10), judged: 10 },
  strong: { model: "strong", score: expect.closeTo(1, 10), judged: 25 },
  mid: { model: "mid", score: expect.closeTo(0.9, 10), judged: 20 },
};

describe("routeAroundHeld", () => {
  test("the fixture: weak and weaker are held back on py, strong and mid are not", () => {
    expect([...held].sort()).toEqual(["reviewer\0weak\0review\0py", "reviewer\0weaker\0review\0py"]);
  });

  test("a held-back model is passed over; with one model left the reason is the note alone", () => {
    expect(routeAroundHeld(["weak", "strong"], "py", profiles, cell, held)).toEqual({
      model: "strong",
      reason: "weak held back on py (low precision)",
      taskType: "py",
      scores: [standing.weak, standing.strong],
    });
  });

  test("it is passed over even where routeModel would have tried it (under 20 judged findings)", () => {
    expect(routeModel(["weak", "strong"], "py", profiles, "review").model).toBe("weak");
    expect(routeAroundHeld(["weak", "strong"], "py", profiles, cell, held).model).toBe("strong");
  });

  test("with several models left: routeModel's reason among them, then the note", () => {
    expect(routeAroundHeld(["weak", "mid", "strong"], "py", profiles, cell, held)).toEqual({
      model: "strong",
      reason: "score 1.00 vs 0.90 on py, 25 judged findings; weak held back on py (low precision)",
      taskType: "py",
      scores: [standing.weak, standing.mid, standing.strong],
    });
  });

  test("every model passed over is named, in list order", () => {
    const choice = routeAroundHeld(["weaker", "strong", "weak"], "py", profiles, cell, held);
    expect(choice.model).toBe("strong");
    expect(choice.reason).toBe("weaker, weak held back on py (low precision)");
    expect(choice.scores).toEqual([standing.weaker, standing.strong, standing.weak]);
  });

  test("every model held back: all stay candidates, as routeModel chooses", () => {
    const choice = routeAroundHeld(["weak", "weaker"], "py", profiles, cell, held);
    expect(choice).toEqual(routeModel(["weak", "weaker"], "py", profiles, "review"));
    expect(choice).toEqual({
      model: "weak",
      reason: "trying weak: 12 of 20 judged findings on py",
      taskType: "py",
      scores: [standing.weak, standing.weaker],
    });
  });

  test("held back on another task type, persona or step kind: no effect", () => {
    const onTs = routeAroundHeld(["weak", "strong"], "ts", profiles, cell, held);
    expect(onTs).toEqual({
      model: "weak",
      reason: "no judged findings yet on ts: first listed",
      taskType: "ts",
      scores: [
        { model: "weak", score: null, judged: 0 },
        { model: "strong", score: null, judged: 0 },
      ],
    });
    const otherPersona = routeAroundHeld(
      ["weak", "strong"],
      "py",
      profiles,
      { ...cell, persona: "docs" },
      held,
    );
    expect(otherPersona).toEqual(routeModel(["weak", "strong"], "py", profiles, "review"));
    expect(otherPersona.model).toBe("weak");
    const otherKind = routeAroundHeld(
      ["weak", "strong"],
      "py",
      profiles,
      { ...cell, stepKind: "agent" },
      held,
    );
    expect(otherKind.reason).toBe("no judged findings yet on py: first listed");
  });

  test("no task type, or noise control off: plain routeModel", () => {
    expect(routeAroundHeld(["weak", "strong"], null, profiles, cell, held)).toEqual({
      model: "weak",
      reason: "no task type: first listed",
      taskType: null,
      scores: [
        { model: "weak", score: null, judged: 0 },
        { model: "strong", score: null, judged: 0 },
      ],
    });
    expect(routeAroundHeld(["weak", "strong"], "py", profiles, cell, heldBackCells(profiles, null))).toEqual(
      routeModel(["weak", "strong"], "py", profiles, "review"),
    );
  });
});
