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
}
