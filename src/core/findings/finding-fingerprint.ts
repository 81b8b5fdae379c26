import type { FileDiff } from "../diff/diff.js";
import { titleClass } from "../learning/title-class.js";
import type { Finding } from "./finding.js";

export { titleClass } from "../learning/title-class.js";

/** Identifies a finding across runs and pushes: 16 hex characters. */
export type Fingerprint = string;

/** The text of the flagged line(s) and of up to 3 lines before and after them, on the diff's new side. */
export interface FlaggedCode {
  readonly lines: readonly string[];
  readonly before: readonly string[];
  readonly after: readonly string[];
}

/**
 * What a fingerprint is made of: the spec's "step kind, file, a normalised hash of the flagged line(s) and their
 * neighbours, and the title's class".
 */
export interface FingerprintInput {
  readonly stepKind: string;
  readonly file: string;
  readonly title: string;
  /** The flagged line's number; used only when its text is unknown. */
  readonly line: number | null;
  /**
   * The text of the flagged line(s) and the lines around them on the diff's new side; null when unknown (line
   * outside the diff, or null line).
   */
  readonly code: FlaggedCode | null;
}

function fnv1a(text: string, seed: number): string {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

/** 64 bits as 16 hex: two FNV-1a 32-bit hashes with different seeds. */
function hash64(text: string): string {
  return fnv1a(text, 0x811c9dc5) + fnv1a(text, 0x5bd1e995);
}

/**
 * The legacy fingerprint, from the finding's file, line and title (whitespace collapsed): what findings stored
 * before `findingFingerprintOf` carry. Its output must never change.
 *
 * @example findingFingerprint({ file: "a.ts", line: 3, title: "SQL injection" }) // → e.g. "1f0c…" (16 chars)
 */
export function findingFingerprint(f: Pick<Finding, "file" | "line" | "title">): Fingerprint {
  return hash64(`${f.file}\n${f.line ?? ""}\n${f.title.trim().replace(/\s+/g, " ")}`);
}

/** Whitespace-only edits (indentation, reflowed spaces) leave a line's normal form unchanged. */
function normalise(line: string): string {
  return line.replace(/\s+/g, "");
}

/** Under 8 non-whitespace characters (`}`, `return;`, blank): too common to tell one finding from another. */
const TRIVIAL_BELOW = 8;

function isTrivial(normalised: string): boolean {
  return normalised.length < TRIVIAL_BELOW;
}

/** The nearest non-trivial line of `lines` (normalised), read from the flagged code outwards; "" when none. */
function nearestNonTrivial(lines: readonly string[]): string {
  for (const line of lines) {
    const n = normalise(line);
    if (!isTrivial(n)) return n;
  }
  return "";
}

/**
 * The code part of a fingerprint: the flagged lines, normalised; for a trivial flagged line also the nearest
 * non-trivial line above and below, so two `}` in one file differ while an edit next to a non-trivial line never
 * changes its fingerprint.
 */
function codeKey(code: FlaggedCode): string {
  const flagged = code.lines.map(normalise);
  if (!isTrivial(flagged.join(""))) return flagged.join("\n");
  const above = nearestNonTrivial([...code.before].reverse());
  const below = nearestNonTrivial(code.after);
  return [`^${above}`, ...flagged, `$${below}`].join("\n");
}

/**
 * 16 hex chars. Stable under: line moves (no line number when code is known), whitespace-only edits, edits and
 * renames in unrelated neighbouring code, rewording of the title within its class, severity and body changes.
 * Changes when the flagged line's code changes, the file, the step kind, or the title's class.
 *
 * @example findingFingerprintOf({ stepKind: "agent", file: "a.ts", title: "SQL injection", line: 3, code: { lines: ["db.query(q + id)"], before: [], after: [] } })
 */
export function findingFingerprintOf(input: FingerprintInput): Fingerprint {
  const where = input.code ? `code\n${codeKey(input.code)}` : `line\n${input.line ?? ""}`;
  // "v2" keeps these apart from legacy fingerprints of any input.
  return hash64(`v2\n${input.stepKind}\n${input.file}\n${titleClass(input.title)}\n${where}`);
}

/**
 * Hash of the flagged code alone (normalised), to tell later whether a push changed it; null when unknown.
 *
 * @example codeHash({ lines: ["  a = 1"], before: [], after: [] }) === codeHash({ lines: ["a=1"], before: ["x"], after: [] }) // → true
 */
export function codeHash(code: FlaggedCode | null): string | null {
  return code ? hash64(code.lines.map(normalise).join("\n")) : null;
}

/** Lines of the flagged code's context kept on each side. */
const CONTEXT = 3;

/**
 * The flagged code from a parsed diff: the new-side text of `line` (and up to `span`-1 following lines, default 1
 * line) and up to 3 new-side lines before and after within the same hunk; null when the line is not on the diff's
 * new side.
 *
 * @example flaggedCode(parseUnifiedDiff(text), "src/a.ts", 12) // → { lines: ["return x;"], before: […], after: […] }
 */
export function flaggedCode(
  files: readonly FileDiff[],
  file: string,
  line: number | null,
  span = 1,
): FlaggedCode | null {
  if (line === null) return null;
  const count = Math.max(1, Math.floor(span));
  // A file split into parts for a prompt appears more than once: look in every part.
  for (const f of files) {
    if (f.path !== file) continue;
    for (const hunk of f.hunks) {
      const newSide = hunk.lines.filter((l) => l.newLine !== null);
      const at = newSide.findIndex((l) => l.newLine === line);
      if (at < 0) continue;
      const text = (from: number, to: number) => newSide.slice(Math.max(0, from), to).map((l) => l.text);
      return {
        lines: text(at, at + count),
        before: text(at - CONTEXT, at),
        after: text(at + count, at + count + CONTEXT),
      };
    }
  }
  return null;
}

/** The hidden marker put in every posted finding, so a restart can tell what is already on the PR. */
export function fingerprintMarker(fp: Fingerprint): string {
  return `<!-- phasegate:finding ${fp} -->`;
}

/**
 * The fingerprints marked in a review or comment body. Read only comments the app itself wrote: anyone can type
 * a marker.
 */
export function fingerprintsIn(body: string): Fingerprint[] {
  return [...body.matchAll(/<!-- phasegate:finding ([0-9a-f]{16}) -->/g)].map((m) => m[1] as string);
}
