import { describe, expect, test } from "vitest";
import type { Profile } from "../../../src/core/learning/profiles.js";
import { routeModel } from "../../../src/core/learning/routing.js";

/** A profile with just what routing reads: model, task type, step kind, judged count and score. */
function prof(model: string, taskType: string, judged: number, score: number, stepKind = "agent"): Profile {
  return {
    persona: "reviewer",
    model,
    stepKind,
    taskType,
    judged,
    right: judged,
    wrong: 0,
    expertise: 1,
    confidence: Math.min(1, judged / 20),
    health: 1,
    score,
    precision: 1,
    curve: [],
  };
}

describe("routeModel", () => {
  test("(1) one candidate: it, whatever the profiles say", () => {
    const choice = routeModel(["gpt-a"], "ts", [prof("gpt-a", "ts", 30, 0.2)], "agent");
    expect(choice).toEqual({
      model: "gpt-a",
      reason: "only model",
      taskType: "ts",
      scores: [{ model: "gpt-a", score: 0.2, judged: 30 }],
    });
    expect(routeModel(["gpt-a", "gpt-a"], "ts", [], "agent").reason).toBe("only model");
  });

  test("(2) no judged findings on the task type for any candidate: the first listed", () => {
    const profiles = [prof("gpt-b", "py", 40, 0.9)];
    const choice = routeModel(["gpt-a", "gpt-b"], "ts", profiles, "agent");
    expect(choice.model).toBe("gpt-a");
    expect(choice.reason).toBe("no judged findings yet on ts: first listed");
    expect(choice.scores).toEqual([
      { model: "gpt-a", score: null, judged: 0 },
      { model: "gpt-b", score: null, judged: 0 },
    ]);
  });

  test("(2) no task type (no changed files): the first listed", () => {
    const choice = routeModel(["gpt-b", "gpt-a"], null, [prof("gpt-a", "ts", 40, 0.9)], "agent");
    expect(choice).toMatchObject({ model: "gpt-b", reason: "no task type: first listed", taskType: null });
  });

  test("(3) a candidate under 20 judged findings is tried before the scores decide", () => {
    const profiles = [prof("gpt-a", "ts", 25, 0.9), prof("gpt-b", "ts", 4, 0.3)];
    const choice = routeModel(["gpt-a", "gpt-b"], "ts", profiles, "agent");
    expect(choice.model).toBe("gpt-b");
    expect(choice.reason).toBe("trying gpt-b: 4 of 20 judged findings on ts");
  });

  test("(3) exploration in list order, a candidate with no profile counting 0", () => {
    const profiles = [prof("gpt-b", "ts", 30, 0.9), prof("gpt-c", "ts", 2, 0.1)];
    expect(routeModel(["gpt-a", "gpt-b", "gpt-c"], "ts", profiles, "agent").reason).toBe(
      "trying gpt-a: 0 of 20 judged findings on ts",
    );
    expect(routeModel(["gpt-b", "gpt-c", "gpt-a"], "ts", profiles, "agent").reason).toBe(
      "trying gpt-c: 2 of 20 judged findings on ts",
    );
  });

  test("(4) the highest score, the runner-up's score and the chosen model's judged count", () => {
    const profiles = [prof("gpt-a", "ts", 37, 0.81), prof("gpt-b", "ts", 25, 0.64)];
    const choice = routeModel(["gpt-b", "gpt-a"], "ts", profiles, "agent");
    expect(choice.model).toBe("gpt-a");
    expect(choice.reason).toBe("score 0.81 vs 0.64 on ts, 37 judged findings");
    expect(choice.scores).toEqual([
      { model: "gpt-b", score: 0.64, judged: 25 },
      { model: "gpt-a", score: 0.81, judged: 37 },
    ]);
  });

  test("(4) exactly 20 judged findings is full confidence: no more exploring", () => {
    const profiles = [prof("gpt-a", "ts", 20, 0.5), prof("gpt-b", "ts", 20, 0.7)];
    expect(routeModel(["gpt-a", "gpt-b"], "ts", profiles, "agent").reason).toBe(
      "score 0.70 vs 0.50 on ts, 20 judged findings",
    );
  });

  test("(4) with three candidates only the runner-up is named", () => {
    const profiles = [prof("a", "py", 50, 0.5), prof("b", "py", 60, 0.9), prof("c", "py", 21, 0.7)];
    const choice = routeModel(["a", "b", "c"], "py", profiles, "agent");
    expect(choice.model).toBe("b");
    expect(choice.reason).toBe("score 0.90 vs 0.70 on py, 60 judged findings");
  });

  test("(4) a tie goes to list order", () => {
    const profiles = [prof("gpt-a", "ts", 30, 0.7), prof("gpt-b", "ts", 40, 0.7)];
    expect(routeModel(["gpt-a", "gpt-b"], "ts", profiles, "agent")).toMatchObject({
      model: "gpt-a",
      reason: "score 0.70 vs 0.70 on ts, 30 judged findings",
    });
    expect(routeModel(["gpt-b", "gpt-a"], "ts", profiles, "agent").model).toBe("gpt-b");
  });

  test("only the given step kind's profiles count", () => {
    const profiles = [
      prof("gpt-a", "ts", 30, 0.6),
      prof("gpt-b", "ts", 30, 0.5),
      prof("gpt-b", "ts", 90, 0.99, "security"),
    ];
    expect(routeModel(["gpt-a", "gpt-b"], "ts", profiles, "agent").reason).toBe(
      "score 0.60 vs 0.50 on ts, 30 judged findings",
    );
  });

  test("no candidate is a programming error", () => {
    expect(() => routeModel([], "ts", [], "agent")).toThrow(/at least one model/);
  });
});
