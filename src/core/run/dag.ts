/**
 * Generic helpers for directed graphs given as a node list and an `edgesOf` function. An edge `a → b` means
 * "a depends on b" (b comes first). Edges to nodes missing from `nodes` are ignored, so callers can report unknown
 * ids separately. Both helpers are iterative: a 10,000-node chain must not overflow the stack.
 */

type EdgesOf = (node: string) => Iterable<string>;

function adjacency(nodes: readonly string[], edgesOf: EdgesOf): Map<string, string[]> {
  const known = new Set(nodes);
  const adj = new Map<string, string[]>();
  for (const n of nodes)
    adj.set(
      n,
      [...edgesOf(n)].filter((m) => known.has(m)),
    );
  return adj;
}

/**
 * Orders `nodes` so that every node comes after the nodes it depends on; ties keep the input order.
 * Throws if the graph has a cycle (validated workflows never do; call `findCycle` to name it).
 *
 * @example topoSort(["merge", "review"], (n) => (n === "merge" ? ["review"] : [])) // ["review", "merge"]
 */
export function topoSort(nodes: readonly string[], edgesOf: EdgesOf): string[] {
  const adj = adjacency(nodes, edgesOf);
  const waitingOn = new Map<string, number>();
  const dependants = new Map<string, string[]>();
  for (const [n, deps] of adj) {
    waitingOn.set(n, deps.length);
    for (const d of deps) {
      const list = dependants.get(d);
      if (list) list.push(n);
      else dependants.set(d, [n]);
    }
  }
  const order = nodes.filter((n) => waitingOn.get(n) === 0);
  // `order` doubles as the queue: everything before `i` is placed, everything after is ready.
  for (let i = 0; i < order.length; i++) {
    for (const next of dependants.get(order[i]!) ?? []) {
      const left = waitingOn.get(next)! - 1;
      waitingOn.set(next, left);
      if (left === 0) order.push(next);
    }
  }
  if (order.length < adj.size) {
    const cycle = findCycle(nodes, edgesOf) ?? [];
    throw new Error(`cycle: ${cycle.join(" → ")}`);
  }
  return order;
}

const WHITE = 0;
const GREY = 1;
const BLACK = 2;

/**
 * Returns one cycle as a path that follows the edges and repeats its first node at the end, or null.
 * Depth-first from each node in input order, so the answer is deterministic.
 *
 * @example findCycle(["a", "b"], (n) => (n === "a" ? ["b"] : ["a"])) // ["a", "b", "a"]
 */
export function findCycle(nodes: readonly string[], edgesOf: EdgesOf): string[] | null {
  const adj = adjacency(nodes, edgesOf);
  const color = new Map<string, number>();
  for (const root of nodes) {
    if ((color.get(root) ?? WHITE) !== WHITE) continue;
    // The explicit stack is the current DFS path; `next` is the index of the edge to follow next.
    const path: string[] = [root];
    const next: number[] = [0];
    color.set(root, GREY);
    while (path.length > 0) {
      const top = path.length - 1;
      const node = path[top]!;
      const edges = adj.get(node)!;
      const i = next[top]!;
      if (i >= edges.length) {
        color.set(node, BLACK);
        path.pop();
        next.pop();
        continue;
      }
      next[top] = i + 1;
      const target = edges[i]!;
      const c = color.get(target) ?? WHITE;
      if (c === GREY) return [...path.slice(path.indexOf(target)), target];
      if (c === WHITE) {
        color.set(target, GREY);
        path.push(target);
        next.push(0);
      }
    }
  }
  return null;
}
