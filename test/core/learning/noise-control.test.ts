import { describe, expect, test } from "vitest";
import { cellKey, heldBackCells, holdsBack } from "../../../src/core/learning/noise-control.js";
import type { Profile } from "../../../src/core/learning/profiles.js";

function prof(model: string, expertise: number, confidence: number, taskType = "ts"): Profile {
  return {
    persona: "reviewer",
    model,
    stepKind: "agent",
    taskType,
    judged: confidence * 20,
    right: 0,
    wrong: 0,
    expertise,
    confidence,
    health: 1,
    score: 0,
    precision: 0,
    curve: [],
  };
}

const key = (model: string, taskType = "ts") =>
  cellKey({ persona: "reviewer", model, stepKind: "agent", taskType });

describe("heldBackCells", () => {
  test("below min_precision at confidence ≥ 0.5 is held back; at or above it, or less sure, is not", () => {
    const held = heldBackCells(
      [
        prof("low-sure", 0.4, 0.5), // held: 0.4 < 0.5 at confidence 0.5
        prof("low-unsure", 0.4, 0.45), // 9 judged findings: not enough to hold back
        prof("at-threshold", 0.5, 1), // not below
        prof("good", 0.9, 1),
        prof("low-sure", 0.1, 1, "py"), // held, in another task type
      ],
      0.5,
    );
    expect([...held].sort()).toEqual([key("low-sure"), key("low-sure", "py")].sort());
  });

  test("null min_precision (unset) holds nothing back", () => {
    expect(heldBackCells([prof("bad", 0, 1)], null).size).toBe(0);
  });

  test("cellKey joins persona, model, step kind and task type with NUL", () => {
    expect(cellKey({ persona: "p", model: "m", stepKind: "agent", taskType: "ts" })).toBe("p\0m\0agent\0ts");
  });
});

describe("holdsBack", () => {
  const held = heldBackCells([prof("gpt-a", 0.2, 1)], 0.5);
  const cell = { persona: "reviewer", model: "gpt-a", stepKind: "agent" };

  test("a finding of a held-back cell, by its file's task type", () => {
    expect(holdsBack({ severity: "low", file: "src/a.ts" }, cell, held)).toBe(true);
    expect(holdsBack({ severity: "high", file: "src/b.tsx", source: "model" }, cell, held)).toBe(true);
    expect(holdsBack({ severity: "low", file: "app/a.py" }, cell, held)).toBe(false);
    expect(holdsBack({ severity: "low", file: "src/a.ts" }, { ...cell, model: "gpt-b" }, held)).toBe(false);
    expect(holdsBack({ severity: "low", file: "src/a.ts" }, { ...cell, stepKind: "security" }, held)).toBe(
      false,
    );
  });

  test("never a blocker nor the secret scan", () => {
    expect(holdsBack({ severity: "blocker", file: "src/a.ts" }, cell, held)).toBe(false);
    expect(holdsBack({ severity: "high", file: "src/a.ts", source: "secret-scan" }, cell, held)).toBe(false);
  });
});
