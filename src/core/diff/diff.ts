/** One line of a hunk. `newLine` is set for added and context lines, `oldLine` for removed and context lines. */
export interface DiffLine {
  readonly type: "add" | "del" | "context";
  readonly text: string;
  readonly newLine: number | null;
  readonly oldLine: number | null;
}

export interface Hunk {
  readonly oldStart: number;
  readonly oldLines: number;
  readonly newStart: number;
  readonly newLines: number;
  /** The section heading git prints after `@@ -a,b +c,d @@` (often the enclosing function); "" when none. */
  readonly header: string;
  readonly lines: readonly DiffLine[];
}

/** One file of a unified diff (`git diff`). */
export interface FileDiff {
  readonly path: string;
  /** Set for renames and copies. */
  readonly oldPath: string | null;
  readonly status: "added" | "modified" | "deleted" | "renamed";
  readonly binary: boolean;
  readonly hunks: readonly Hunk[];
  readonly additions: number;
  readonly deletions: number;
  /** The new blob's SHA from the `index` line, when the diff has one. */
  readonly blobSha: string | null;
  /** Renames and copies: git's `similarity index`, in percent. */
  readonly similarity?: number;
  /** Mode changes, new and deleted files: git's modes, e.g. `100644` → `100755`. */
  readonly oldMode?: string;
  readonly newMode?: string;
  /** Set on a piece of a file split to fit a model's prompt: piece `index` (from 1) of `of`. */
  readonly part?: { readonly index: number; readonly of: number };
}
