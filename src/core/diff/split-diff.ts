import type { DiffLine, FileDiff, Hunk } from "./diff.js";

/** Prompt tokens a file (or a piece of one) costs as rendered for a model. */
export type FileCost = (file: FileDiff) => number;

/** One hunk cut to `lines`, its header recomputed from the lines it keeps, so line numbers stay true. */
function subHunk(hunk: Hunk, lines: readonly DiffLine[]): Hunk {
  const firstNew = lines.find((l) => l.newLine !== null)?.newLine;
  const firstOld = lines.find((l) => l.oldLine !== null)?.oldLine;
  const newLines = lines.filter((l) => l.type !== "del").length;
  const oldLines = lines.filter((l) => l.type !== "add").length;
  return {
    oldStart: firstOld ?? Math.max(0, hunk.oldStart + (hunk.oldLines > 0 ? hunk.oldLines - 1 : 0)),
    oldLines,
    newStart: firstNew ?? Math.max(0, hunk.newStart + (hunk.newLines > 0 ? hunk.newLines - 1 : 0)),
    newLines,
    header: hunk.header,
    lines,
  };
}

/** A hunk too large for `limit` cut into runs of lines that fit (a single line over it stays alone). */
function splitHunk(file: FileDiff, hunk: Hunk, limit: number, cost: FileCost): Hunk[] {
  const base = cost({ ...file, hunks: [subHunk(hunk, [])] });
  const out: Hunk[] = [];
  let lines: DiffLine[] = [];
  let used = base;
  for (const line of hunk.lines) {
    // Per-line costs add up to a little more than the joined text costs: a safe overestimate.
    const add = cost({ ...file, hunks: [subHunk(hunk, [line])] }) - base;
    if (lines.length > 0 && used + add > limit) {
      out.push(subHunk(hunk, lines));
      lines = [];
      used = base;
    }
    lines.push(line);
    used += add;
  }
  if (lines.length > 0) out.push(subHunk(hunk, lines));
  return out;
}

/**
 * Splits a file's diff into pieces that each cost at most `limit`: the whole file when it fits, else runs of
 * whole hunks, and a hunk too large alone is cut by lines. Nothing is dropped: every line of the diff is in
 * exactly one piece, and a piece may exceed `limit` only when it is a single line too large for any prompt
 * (the caller reports it). Pieces carry `part` when there is more than one.
 *
 * @example splitFile(bigFile, 8000, cost).map((p) => p.part) // → [{ index: 1, of: 3 }, { index: 2, of: 3 }, …]
 */
export function splitFile(file: FileDiff, limit: number, cost: FileCost): FileDiff[] {
  if (file.hunks.length === 0 || cost(file) <= limit) return [file];
  const hunks = file.hunks.flatMap((h) =>
    cost({ ...file, hunks: [h] }) <= limit ? [h] : splitHunk(file, h, limit, cost),
  );
  const header = cost({ ...file, hunks: [] });
  const groups: Hunk[][] = [];
  let group: Hunk[] = [];
  let used = header;
  for (const hunk of hunks) {
    const add = cost({ ...file, hunks: [hunk] }) - header;
    if (group.length > 0 && used + add > limit) {
      groups.push(group);
      group = [];
      used = header;
    }
    group.push(hunk);
    used += add;
  }
  if (group.length > 0) groups.push(group);
  return groups.map((g, i) => ({ ...file, hunks: g, part: { index: i + 1, of: groups.length } }));
}

/** "lines 120–340" of the new side (old side for a piece that only removes), for messages about a piece. */
export function pieceLines(piece: FileDiff): string {
  const lines = piece.hunks.flatMap((h) => h.lines);
  const numbers = lines.map((l) => l.newLine).filter((n): n is number => n !== null);
  const old = lines.map((l) => l.oldLine).filter((n): n is number => n !== null);
  const [first, last, side] = numbers.length
    ? [numbers[0], numbers.at(-1), ""]
    : [old[0], old.at(-1), "removed "];
  if (first === undefined) return "the whole file";
  return first === last ? `${side}line ${first}` : `${side}lines ${first}–${last}`;
}
