import type { FileDiff } from "./diff.js";
import { extensionOf, isTestFile, SOURCE_EXTENSIONS } from "./file-kinds.js";

/** What a changed file is, in the order a reviewer's attention (and a token budget) is spent on it. */
export type FileRole = "source" | "test" | "other";

const RANK: Record<FileRole, number> = { source: 0, test: 1, other: 2 };

/** `source` (code in a known language, not a test), `test`, or `other` (docs, config, data). */
export function fileRole(path: string): FileRole {
  if (isTestFile(path)) return "test";
  return SOURCE_EXTENSIONS.has(extensionOf(path)) ? "source" : "other";
}

/**
 * The order files are reviewed in when a budget may not cover them all: source before tests before docs and
 * config (a bug ships from source; a test or a README rarely breaks production), then the largest change first
 * (most lines added plus removed: where most can go wrong), then by path so the order is stable.
 *
 * @example orderForReview(files).map((f) => f.path) // → ["src/big.ts", "src/small.ts", "test/a.test.ts", "README.md"]
 */
export function orderForReview(files: readonly FileDiff[]): FileDiff[] {
  return [...files].sort(
    (a, b) =>
      RANK[fileRole(a.path)] - RANK[fileRole(b.path)] ||
      b.additions + b.deletions - (a.additions + a.deletions) ||
      (a.path < b.path ? -1 : a.path > b.path ? 1 : 0),
  );
}
