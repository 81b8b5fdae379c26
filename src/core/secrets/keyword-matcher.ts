/** Keywords are ASCII; any other character leads back to the start state. */
const ALPHABET = 128;

/**
 * An Aho–Corasick automaton over lower-case ASCII keywords, compiled to a transition table: one pass over a
 * line, one table lookup per character, tells which keywords it holds however many there are. The secret
 * scan uses it so that a line meets only the rules whose keywords it holds.
 *
 * @example buildKeywordMatcher(["ghp_", "akia"])("token=ghp_…") // → Set { 0 }
 */
export function buildKeywordMatcher(keywords: readonly string[]): (lowerText: string) => Set<number> {
  // The trie: children per state, the keywords ending at each state.
  const children: Map<number, number>[] = [new Map()];
  const output: number[][] = [[]];
  keywords.forEach((keyword, id) => {
    let state = 0;
    for (let i = 0; i < keyword.length; i++) {
      const code = keyword.charCodeAt(i);
      if (code >= ALPHABET) throw new Error(`keyword ${JSON.stringify(keyword)} is not ASCII`);
      let to = children[state]?.get(code);
      if (to === undefined) {
        to = children.length;
        children.push(new Map());
        output.push([]);
        children[state]?.set(code, to);
      }
      state = to;
    }
    output[state]?.push(id);
  });
  // Breadth first: a state's fail target is shallower, so its row is complete when the state's is built.
  const table = new Int32Array(children.length * ALPHABET);
  const fail = new Int32Array(children.length);
  const queue: number[] = [0];
  for (let at = 0; at < queue.length; at++) {
    const state = queue[at] as number;
    const row = state * ALPHABET;
    const failRow = (fail[state] as number) * ALPHABET;
    for (let code = 0; code < ALPHABET; code++) {
      const child = children[state]?.get(code);
      if (child === undefined) {
        table[row + code] = state === 0 ? 0 : (table[failRow + code] as number);
        continue;
      }
      table[row + code] = child;
      fail[child] = state === 0 ? 0 : (table[failRow + code] as number);
      output[child]?.push(...(output[fail[child] as number] ?? []));
      queue.push(child);
    }
  }
  const hasOutput = Uint8Array.from(output, (ids) => (ids.length > 0 ? 1 : 0));
  return (lowerText) => {
    const found = new Set<number>();
    let state = 0;
    for (let i = 0; i < lowerText.length; i++) {
      const code = lowerText.charCodeAt(i);
      state = code < ALPHABET ? (table[state * ALPHABET + code] as number) : 0;
      if (hasOutput[state] === 1) for (const id of output[state] as number[]) found.add(id);
    }
    return found;
  };
}
