import { type Document, isAlias, isMap, isScalar, isSeq, type Node, type Pair, type YAMLMap } from "yaml";

/** Where a data path lands in the YAML source. `exact` is false when only an ancestor exists. */
export interface SourceSpot {
  readonly offset: number;
  readonly exact: boolean;
}

function deref(doc: Document.Parsed, node: unknown): unknown {
  return isAlias(node) ? (node.resolve(doc) ?? node) : node;
}

function start(node: unknown): number | null {
  return (node as Node | null)?.range?.[0] ?? null;
}

/** `phases:` with nothing after it: an empty scalar whose position is wherever the next token happens to be. */
function isEmptyScalar(node: unknown): boolean {
  if (!isScalar(node) || node.value !== null || !node.range) return false;
  return node.range[0] === node.range[1];
}

/** Pairs of a mapping by key text, built once per mapping: a file with 20,000 unknown keys must stay linear. */
const pairIndex = new WeakMap<YAMLMap, Map<string, Pair>>();

function pairOf(doc: Document.Parsed, map: YAMLMap, seg: string | number): Pair | undefined {
  let index = pairIndex.get(map);
  if (!index) {
    index = new Map();
    for (const pair of map.items) {
      const key = deref(doc, pair.key);
      if (isScalar(key) && !index.has(String(key.value))) index.set(String(key.value), pair);
    }
    pairIndex.set(map, index);
  }
  return index.get(String(seg));
}

/**
 * The source offset of the node at `path`: its value, or with `at: "key"` its key. When the node is missing, the
 * nearest existing ancestor: its key if it has one (`review:` rather than the first line inside it).
 */
export function locatePath(
  doc: Document.Parsed,
  path: readonly (string | number)[],
  at: "key" | "value" = "value",
): SourceSpot {
  let node: unknown = doc.contents;
  let offset = start(node) ?? 0;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const coll = deref(doc, node);
    let key: unknown = null;
    let child: unknown;
    if (isMap(coll)) {
      const pair = pairOf(doc, coll, seg);
      if (!pair) return { offset, exact: false };
      key = pair.key;
      child = pair.value;
    } else if (isSeq(coll) && typeof seg === "number" && seg < coll.items.length) {
      child = coll.items[seg];
    } else {
      return { offset, exact: false };
    }
    const keyAt = start(key);
    const valueAt = isEmptyScalar(child) ? null : start(child);
    if (i === path.length - 1) {
      const chosen = at === "key" ? (keyAt ?? valueAt) : (valueAt ?? keyAt);
      return { offset: chosen ?? offset, exact: true };
    }
    offset = keyAt ?? valueAt ?? offset;
    node = child;
  }
  return { offset, exact: true };
}
