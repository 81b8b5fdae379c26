/**
 * Paths as git prints them in diff headers. Git quotes a path in C style (`"caf\303\251.md"`) when it holds a
 * quote, a backslash, a control character or (with `core.quotePath`, the default) a non-ASCII byte.
 */

const ESCAPES: Readonly<Record<string, number>> = {
  a: 7,
  b: 8,
  t: 9,
  n: 10,
  v: 11,
  f: 12,
  r: 13,
  '"': 34,
  "\\": 92,
};

/**
 * Reads a C-quoted string starting at `text[start]` (which must be `"`). Returns the decoded value and the index
 * just past the closing quote, or null when the quote never closes.
 */
export function readQuoted(text: string, start: number): { value: string; end: number } | null {
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"') return { value: new TextDecoder().decode(new Uint8Array(bytes)), end: i + 1 };
    if (ch === "\\" && i + 1 < text.length) {
      const next = text[i + 1]!;
      const octal = /^[0-7]{3}/.exec(text.slice(i + 1, i + 4));
      if (octal) {
        // Octal escapes are raw bytes of a UTF-8 sequence, so decode bytes, not characters.
        bytes.push(Number.parseInt(octal[0], 8) & 0xff);
        i += 4;
        continue;
      }
      const escaped = ESCAPES[next];
      bytes.push(...(escaped !== undefined ? [escaped] : encoder.encode(next)));
      i += 2;
      continue;
    }
    bytes.push(...encoder.encode(ch));
    i += 1;
  }
  return null;
}

/** Git's default and mnemonic prefixes (`a/`, `b/`, `i/`, `w/`, `c/`, `o/`). */
const PREFIX = /^[abciwo]\//;

/** `a/src/x.ts` → `src/x.ts`; `/dev/null` → null. A path given with `--no-prefix` is kept as is. */
export function stripPrefix(path: string): string | null {
  if (path === "/dev/null") return null;
  return path.replace(PREFIX, "");
}

/**
 * The path of a `--- ` or `+++ ` line's rest: quoted, or cut at the tab that git (for names with spaces) and
 * `diff -u` (before a timestamp) put after it.
 */
export function parseHeaderPath(rest: string): string | null {
  if (rest.startsWith('"')) {
    const quoted = readQuoted(rest, 0);
    if (quoted) return stripPrefix(quoted.value);
  }
  const tab = rest.indexOf("\t");
  return stripPrefix((tab >= 0 ? rest.slice(0, tab) : rest).trimEnd());
}

/**
 * The two paths of a `diff --git A B` line (prefixes stripped). Unquoted names may hold spaces, which makes the
 * line ambiguous; git's own rule is that both names are the same unless a rename says otherwise, so prefer the
 * split where they match.
 */
export function parseGitHeader(rest: string): { oldPath: string | null; newPath: string | null } {
  if (rest.startsWith('"')) {
    const a = readQuoted(rest, 0);
    if (!a) return { oldPath: null, newPath: null };
    const tail = rest.slice(a.end).trimStart();
    return { oldPath: stripPrefix(a.value), newPath: parseHeaderPath(tail) };
  }
  if (rest.endsWith('"')) {
    const open = rest.lastIndexOf(' "');
    const b = open >= 0 ? readQuoted(rest, open + 1) : null;
    if (b) return { oldPath: stripPrefix(rest.slice(0, open)), newPath: stripPrefix(b.value) };
  }
  const splits: number[] = [];
  for (let i = rest.indexOf(" "); i >= 0; i = rest.indexOf(" ", i + 1)) splits.push(i);
  const pairs = splits.map((i) => ({
    oldPath: stripPrefix(rest.slice(0, i)),
    newPath: stripPrefix(rest.slice(i + 1)),
  }));
  const same = pairs.find((p) => p.oldPath === p.newPath);
  const prefixed = pairs.find((_, n) => PREFIX.test(rest.slice(splits[n]! + 1)));
  return same ?? prefixed ?? pairs[0] ?? { oldPath: null, newPath: null };
}
