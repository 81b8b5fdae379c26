import type { DiffLine, FileDiff, Hunk } from "./diff.js";
import { parseGitHeader, parseHeaderPath } from "./git-path.js";

/** What is known about one file while its section of the diff is being read. */
interface Draft {
  headerOld: string | null;
  headerNew: string | null;
  minusPath: string | null | undefined;
  plusPath: string | null | undefined;
  renameFrom: string | null;
  renameTo: string | null;
  copyFrom: string | null;
  copyTo: string | null;
  isNew: boolean;
  isDeleted: boolean;
  binary: boolean;
  blobSha: string | null;
  similarity: number | null;
  oldMode: string | null;
  newMode: string | null;
  hunks: Hunk[];
  additions: number;
  deletions: number;
}

/** The hunk being read and how many old and new lines it still announces. */
interface OpenHunk {
  lines: DiffLine[];
  oldNo: number;
  newNo: number;
  oldLeft: number;
  newLeft: number;
}

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$/;

function emptyDraft(): Draft {
  return {
    headerOld: null,
    headerNew: null,
    minusPath: undefined,
    plusPath: undefined,
    renameFrom: null,
    renameTo: null,
    copyFrom: null,
    copyTo: null,
    isNew: false,
    isDeleted: false,
    binary: false,
    blobSha: null,
    similarity: null,
    oldMode: null,
    newMode: null,
    hunks: [],
    additions: 0,
    deletions: 0,
  };
}

/**
 * Parses `git diff` output (also plain `diff -u` output) into one `FileDiff` per file: added, deleted, renamed
 * and copied files, mode changes, binary files, quoted paths, and new-side line numbers on every added and
 * context line. Pure and total: on malformed input it returns what it could read and never throws.
 *
 * @example
 * parseUnifiedDiff("diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n")[0]?.hunks[0]?.lines[1]
 * // → { type: "add", text: "b", newLine: 1, oldLine: null }
 */
export function parseUnifiedDiff(text: string): FileDiff[] {
  const files: FileDiff[] = [];
  const lines = typeof text === "string" ? text.split(/\r?\n/) : [];
  // The text's final newline ends the last line; it does not start an empty (context) one.
  if (lines.at(-1) === "") lines.pop();
  let draft: Draft | null = null;
  let hunk: OpenHunk | null = null;

  const finish = () => {
    if (draft) {
      const file = toFileDiff(draft);
      if (file) files.push(file);
    }
    draft = null;
    hunk = null;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (hunk && (hunk.oldLeft > 0 || hunk.newLeft > 0) && readHunkLine(hunk, line, draft!)) continue;
    hunk = null;
    if (line.startsWith("\\")) continue; // "\ No newline at end of file" follows a hunk's last line
    if (line.startsWith("diff --git ")) {
      finish();
      draft = emptyDraft();
      const header = parseGitHeader(line.slice("diff --git ".length));
      draft.headerOld = header.oldPath;
      draft.headerNew = header.newPath;
      continue;
    }
    if (line.startsWith("--- ") && lines[i + 1]?.startsWith("+++ ")) {
      // A plain unified diff has no `diff --git` line: a second `---/+++` pair starts the next file.
      if (!draft || draft.plusPath !== undefined) {
        finish();
        draft = emptyDraft();
      }
      draft.minusPath = parseHeaderPath(line.slice(4));
      draft.plusPath = parseHeaderPath(lines[i + 1]!.slice(4));
      i += 1;
      continue;
    }
    if (!draft) continue;
    const header = HUNK_HEADER.exec(line);
    if (header) {
      hunk = openHunk(draft, header);
      continue;
    }
    readExtendedHeader(draft, line);
  }
  finish();
  return files;
}

function openHunk(draft: Draft, m: RegExpExecArray): OpenHunk {
  const oldStart = Number(m[1]);
  const oldLines = m[2] === undefined ? 1 : Number(m[2]);
  const newStart = Number(m[3]);
  const newLines = m[4] === undefined ? 1 : Number(m[4]);
  const lines: DiffLine[] = [];
  draft.hunks.push({ oldStart, oldLines, newStart, newLines, header: (m[5] ?? "").trim(), lines });
  return { lines, oldNo: oldStart, newNo: newStart, oldLeft: oldLines, newLeft: newLines };
}

/** Adds one line to the open hunk; false when the line cannot belong to it (a truncated or malformed hunk). */
function readHunkLine(hunk: OpenHunk, line: string, draft: Draft): boolean {
  const sign = line[0];
  const text = line.slice(1);
  if (sign === "+" && hunk.newLeft > 0) {
    hunk.lines.push({ type: "add", text, newLine: hunk.newNo++, oldLine: null });
    hunk.newLeft -= 1;
    draft.additions += 1;
    return true;
  }
  if (sign === "-" && hunk.oldLeft > 0) {
    hunk.lines.push({ type: "del", text, newLine: null, oldLine: hunk.oldNo++ });
    hunk.oldLeft -= 1;
    draft.deletions += 1;
    return true;
  }
  // Some tools strip the single space of an empty context line, so "" is context too.
  if ((sign === " " || sign === undefined) && hunk.oldLeft > 0 && hunk.newLeft > 0) {
    hunk.lines.push({ type: "context", text, newLine: hunk.newNo++, oldLine: hunk.oldNo++ });
    hunk.oldLeft -= 1;
    hunk.newLeft -= 1;
    return true;
  }
  return sign === "\\";
}

/** Git's extended header lines, between `diff --git` and the first hunk. */
const EXTENDED_HEADER = new RegExp(
  `^(${[
    "new file mode",
    "deleted file mode",
    "old mode",
    "new mode",
    "similarity index",
    "rename from",
    "rename to",
    "copy from",
    "copy to",
    "index",
    "Binary files",
    "GIT binary patch",
  ].join("|")})(?: (.*))?$`,
);

/** Reads one extended header line into the draft; unknown lines are ignored. */
function readExtendedHeader(draft: Draft, line: string): void {
  const [, key, value = ""] = EXTENDED_HEADER.exec(line) ?? [];
  switch (key) {
    case "new file mode":
      draft.isNew = true;
      draft.newMode = value;
      break;
    case "deleted file mode":
      draft.isDeleted = true;
      draft.oldMode = value;
      break;
    case "old mode":
      draft.oldMode = value;
      break;
    case "new mode":
      draft.newMode = value;
      break;
    case "similarity index": {
      const percent = Number.parseInt(value, 10);
      draft.similarity = Number.isFinite(percent) ? percent : null;
      break;
    }
    case "rename from":
      draft.renameFrom = parseHeaderPath(value);
      break;
    case "rename to":
      draft.renameTo = parseHeaderPath(value);
      break;
    case "copy from":
      draft.copyFrom = parseHeaderPath(value);
      break;
    case "copy to":
      draft.copyTo = parseHeaderPath(value);
      break;
    case "index": {
      const sha = /^[0-9a-f]+(?:,[0-9a-f]+)*\.\.([0-9a-f]+)/.exec(value)?.[1];
      // An all-zero SHA is git's "no blob" (the new side of a deletion).
      draft.blobSha = sha && !/^0+$/.test(sha) ? sha : null;
      break;
    }
    case "Binary files":
    case "GIT binary patch":
      draft.binary = true;
      break;
  }
}

function toFileDiff(d: Draft): FileDiff | null {
  const added = d.isNew || d.minusPath === null;
  const deleted = d.isDeleted || d.plusPath === null;
  const renamed = d.renameFrom !== null || d.renameTo !== null;
  const copied = d.copyFrom !== null || d.copyTo !== null;
  const path = d.renameTo ?? d.copyTo ?? d.plusPath ?? d.minusPath ?? d.headerNew ?? d.headerOld;
  if (!path) return null;
  const oldPath = renamed ? (d.renameFrom ?? d.headerOld) : copied ? (d.copyFrom ?? d.headerOld) : null;
  return {
    path,
    oldPath,
    status: deleted ? "deleted" : added || copied ? "added" : renamed ? "renamed" : "modified",
    binary: d.binary,
    hunks: d.hunks,
    additions: d.additions,
    deletions: d.deletions,
    blobSha: d.blobSha,
    ...(d.similarity !== null && { similarity: d.similarity }),
    ...(d.oldMode !== null && { oldMode: d.oldMode }),
    ...(d.newMode !== null && { newMode: d.newMode }),
  };
}
