import { describe, expect, test } from "vitest";
import { findCycle, topoSort } from "../../../src/core/run/dag.js";

/** Edges from a literal map: `{ merge: ["approve"] }` means merge depends on approve. */
const graph =
  (edges: Record<string, string[]>) =>
  (n: string): string[] =>
    edges[n] ?? [];

describe("topoSort", () => {
  test("puts dependencies first and keeps input order among independent nodes", () => {
    const edges = graph({ merge: ["approve"], approve: ["review", "security"] });
    expect(topoSort(["merge", "approve", "security", "review"], edges)).toEqual([
      "security",
      "review",
      "approve",
      "merge",
    ]);
  });

  test("ignores edges to nodes that are not in the list", () => {
    expect(topoSort(["a", "b"], graph({ a: ["ghost", "b"] }))).toEqual(["b", "a"]);
  });

  test("counts a repeated edge once per occurrence without losing the node", () => {
    expect(topoSort(["a", "b"], graph({ a: ["b", "b"] }))).toEqual(["b", "a"]);
  });

  test("throws naming the cycle", () => {
    expect(() => topoSort(["a", "b", "c"], graph({ a: ["b"], b: ["c"], c: ["a"] }))).toThrow(
      "cycle: a → b → c → a",
    );
  });

  test("orders a 10,000-node chain without recursion", () => {
    const nodes = Array.from({ length: 10_000 }, (_, i) => `n${i}`);
    // n0 depends on n1, …: the last node must come first.
    const order = topoSort(nodes, (n) => {
      const i = Number(n.slice(1));
      return i + 1 < nodes.length ? [`n${i + 1}`] : [];
    });
    expect(order[0]).toBe("n9999");
    expect(order[9999]).toBe("n0");
  });
});

describe("findCycle", () => {
  test("returns null for a DAG", () => {
    expect(findCycle(["a", "b", "c"], graph({ a: ["b", "c"], b: ["c"] }))).toBeNull();
  });

  test("returns the cycle path with the first node repeated", () => {
    expect(findCycle(["a", "b"], graph({ a: ["b"], b: ["a"] }))).toEqual(["a", "b", "a"]);
  });

  test("finds a self-loop", () => {
    expect(findCycle(["x", "a"], graph({ a: ["a"] }))).toEqual(["a", "a"]);
  });

  test("returns only the cycle, not the path that led to it", () => {
    const edges = graph({ start: ["x"], x: ["y"], y: ["z"], z: ["x"] });
    expect(findCycle(["start", "x", "y", "z"], edges)).toEqual(["x", "y", "z", "x"]);
  });

  test("does not report a diamond as a cycle", () => {
    const edges = graph({ d: ["b", "c"], b: ["a"], c: ["a"] });
    expect(findCycle(["d", "c", "b", "a"], edges)).toBeNull();
  });

  test("finds a 10,000-node cycle without overflowing the stack", () => {
    const n = 10_000;
    const nodes = Array.from({ length: n }, (_, i) => `n${i}`);
    const cycle = findCycle(nodes, (node) => [`n${(Number(node.slice(1)) + 1) % n}`]);
    expect(cycle).toHaveLength(n + 1);
    expect(cycle?.[0]).toBe("n0");
    expect(cycle?.[n]).toBe("n0");
  });
});
