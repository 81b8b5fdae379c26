import type { FileDiff } from "../../core/diff/diff.js";

/**
 * The new-side line numbers each file's hunks show (added and context lines): the lines GitHub accepts an
 * inline review comment on.
 */
export function diffLines(files: readonly FileDiff[]): (path: string) => ReadonlySet<number> {
  const byPath = new Map<string, Set<number>>();
  for (const f of files) {
    const lines = byPath.get(f.path) ?? new Set<number>();
    for (const hunk of f.hunks) for (const l of hunk.lines) if (l.newLine !== null) lines.add(l.newLine);
    byPath.set(f.path, lines);
  }
  const none: ReadonlySet<number> = new Set();
  return (path) => byPath.get(path) ?? none;
}
