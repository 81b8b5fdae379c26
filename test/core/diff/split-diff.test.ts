import { describe, expect, test } from "vitest";
import type { DiffLine, FileDiff, Hunk } from "../../../src/core/diff/diff.js";
import { packChunks } from "../../../src/core/diff/pack-chunks.js";
import { orderForReview } from "../../../src/core/diff/review-order.js";
import { pieceLines, splitFile } from "../../../src/core/diff/split-diff.js";
import { addedFile, modifiedFile } from "../../fixtures/file-diff.js";

/** A cost of 10 per file header and hunk header plus 1 per line: easy to reason about. */
const cost = (f: FileDiff) => 10 + f.hunks.reduce((n, h) => n + 10 + h.lines.length, 0);

function hunkAt(newStart: number, added: number): Hunk {
  const lines: DiffLine[] = [
    { type: "context", text: "ctx", newLine: newStart, oldLine: newStart },
    ...Array.from(
      { length: added },
      (_, i): DiffLine => ({
        type: "add",
        text: `line ${i}`,
        newLine: newStart + 1 + i,
        oldLine: null,
      }),
    ),
  ];
  return { oldStart: newStart, oldLines: 1, newStart, newLines: 1 + added, header: "fn()", lines };
}

const threeHunks: FileDiff = {
  ...modifiedFile("src/a.ts", {}),
  hunks: [hunkAt(10, 20), hunkAt(100, 20), hunkAt(200, 20)],
  additions: 60,
};

describe("splitFile", () => {
  test("a file that fits stays whole, without a part label", () => {
    expect(splitFile(threeHunks, 1000, cost)).toEqual([threeHunks]);
  });

  test("a file too large is split between hunks, each piece labelled and within the limit", () => {
    const parts = splitFile(threeHunks, 75, cost);
    expect(parts.map((p) => p.hunks.map((h) => h.newStart))).toEqual([[10, 100], [200]]);
    expect(parts.map((p) => p.part)).toEqual([
      { index: 1, of: 2 },
      { index: 2, of: 2 },
    ]);
    for (const p of parts) expect(cost(p)).toBeLessThanOrEqual(75);
  });

  test("a hunk too large alone is cut by lines, with true headers; no line is lost or repeated", () => {
    const file = addedFile(
      "src/big.ts",
      Array.from({ length: 100 }, (_, i) => `l${i}`),
    );
    const parts = splitFile(file, 50, cost);
    expect(parts.length).toBe(4);
    for (const p of parts) expect(cost(p)).toBeLessThanOrEqual(50);
    const lines = parts.flatMap((p) => p.hunks.flatMap((h) => h.lines));
    expect(lines).toEqual(file.hunks[0]?.lines);
    expect(parts[1]?.hunks[0]).toMatchObject({ newStart: 31, newLines: 30, oldLines: 0 });
    expect(pieceLines(parts[1]!)).toBe("lines 31–60");
  });

  test("a single line over the limit stays a piece of its own (the caller reports it)", () => {
    const file = addedFile("min.js", ["short", "x".repeat(10)]);
    const wide = (f: FileDiff) =>
      10 + f.hunks.reduce((n, h) => n + 10 + h.lines.reduce((m, l) => m + l.text.length, 0), 0);
    const parts = splitFile(file, 25, wide);
    expect(parts.map((p) => p.hunks[0]?.lines.map((l) => l.text))).toEqual([["short"], ["x".repeat(10)]]);
    expect(wide(parts[1]!)).toBeGreaterThan(25);
  });
});

test("packChunks keeps order and never exceeds the limit with more than one piece", () => {
  const a = addedFile("a", ["x"]);
  const pieces = [40, 30, 50, 10, 90].map((tokens, i) => ({ file: { ...a, path: `f${i}` }, tokens }));
  expect(packChunks(pieces, 80).map((c) => [c.files.map((f) => f.path), c.tokens])).toEqual([
    [["f0", "f1"], 70],
    [["f2", "f3"], 60],
    [["f4"], 90],
  ]);
});

test("orderForReview: source, then tests, then docs and config; larger changes first", () => {
  const files = [
    addedFile("README.md", ["a", "b", "c", "d"]),
    addedFile("test/a.test.ts", ["a", "b", "c"]),
    addedFile("src/small.ts", ["a"]),
    addedFile("config.yaml", ["a"]),
    addedFile("src/big.py", ["a", "b"]),
  ];
  expect(orderForReview(files).map((f) => f.path)).toEqual([
    "src/big.py",
    "src/small.ts",
    "test/a.test.ts",
    "README.md",
    "config.yaml",
  ]);
});
