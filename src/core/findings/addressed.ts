import type { FileDiff } from "../diff/diff.js";
import { codeHash } from "./finding-fingerprint.js";

/** A posted finding as far as a push can address it: the hash of the code it flagged, in its file. */
export interface FlaggedFinding {
  readonly fingerprint: string;
  readonly file: string;
  readonly codeHash: string;
}

/**
 * The findings a push addressed: those whose flagged code is no longer on the new side of the PR's diff — the
 * line was changed or removed, or the file left the PR. Moved or re-indented code still matches (the hash is of
 * the code with whitespace removed), so moving a flagged line does not address it. A file whose patch GitHub
 * left out (too large, binary) tells nothing: its findings stay as they are.
 *
 * @example addressedBy([{ fingerprint: "f1", file: "a.ts", codeHash: h }], filesAfterPush) // → ["f1"] when the line changed
 */
export function addressedBy(findings: readonly FlaggedFinding[], files: readonly FileDiff[]): string[] {
  const present = new Map<string, Set<string> | "unknown">();
  const hashesOf = (path: string): Set<string> | "unknown" => {
    const known = present.get(path);
    if (known) return known;
    const parts = files.filter((f) => f.path === path);
    if (parts.length > 0 && parts.every((f) => f.hunks.length === 0)) {
      present.set(path, "unknown");
      return "unknown";
    }
    const set = new Set<string>();
    for (const f of parts) {
      for (const hunk of f.hunks) {
        for (const l of hunk.lines) {
          if (l.newLine === null) continue;
          const h = codeHash({ lines: [l.text], before: [], after: [] });
          if (h) set.add(h);
        }
      }
    }
    present.set(path, set);
    return set;
  };
  return findings
    .filter((f) => {
      const hashes = hashesOf(f.file);
      return hashes !== "unknown" && !hashes.has(f.codeHash);
    })
    .map((f) => f.fingerprint);
}
