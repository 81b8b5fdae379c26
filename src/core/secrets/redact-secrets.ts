import type { DiffLine, FileDiff, Hunk } from "../diff/diff.js";
import { scanSecrets } from "./secret-scan.js";

/** What replaces a line that may hold a credential, in what a model reads. */
export const REDACTED_LINE = "[line redacted by phasegate: it may hold a credential]";

/** A PEM block's body follows its header line; everything up to its END line is key material. */
const PEM_BEGIN = /-----BEGIN [A-Z ]*PRIVATE KEY/;
const PEM_END = /-----END [A-Z ]*PRIVATE KEY/;
/** A PEM block longer than this is not a key; stop redacting there rather than hide the rest of the file. */
const PEM_MAX_LINES = 200;
const PUTTY_PRIVATE = /^Private-Lines: (\d{1,3})\s*$/;

/**
 * Indexes of `texts` the secret scan flags (the same rules as the `security` step's scan), each with a private
 * key's body lines after its header. Every line is scanned as if added: a removed or unchanged credential must
 * not reach a model either.
 */
function flaggedLines(texts: readonly string[]): Set<number> {
  const lines = texts.map((text, i): DiffLine => ({ type: "add", text, newLine: i + 1, oldLine: null }));
  const probe: FileDiff = {
    path: "probe",
    oldPath: null,
    status: "added",
    binary: false,
    hunks: [{ oldStart: 0, oldLines: 0, newStart: 1, newLines: lines.length, header: "", lines }],
    additions: lines.length,
    deletions: 0,
    blobSha: null,
  };
  const flagged = new Set<number>();
  // A private key's header is redacted even when the scan does not confirm its body (too short, low
  // entropy): in a prompt, erring towards hiding key material costs nothing.
  const headers = texts.flatMap((t, i) => (PEM_BEGIN.test(t) ? [i] : []));
  const scanned = scanSecrets([probe]).map((f) => (f.line ?? 1) - 1);
  for (const at of new Set([...scanned, ...headers])) {
    flagged.add(at);
    // A PuTTY key's private part is the N lines after its `Private-Lines: N` line.
    const puttyLines = Number(PUTTY_PRIVATE.exec(texts[at] ?? "")?.[1] ?? 0);
    for (let i = at + 1; i <= Math.min(texts.length - 1, at + puttyLines); i++) flagged.add(i);
    if (!PEM_BEGIN.test(texts[at] ?? "")) continue;
    for (let i = at + 1; i < Math.min(texts.length, at + PEM_MAX_LINES); i++) {
      flagged.add(i);
      if (PEM_END.test(texts[i] ?? "")) break;
    }
  }
  return flagged;
}

/**
 * The file with every line the secret scan flags (added, removed or context; a private key's whole block)
 * replaced by `REDACTED_LINE`, and how many were. Line numbers are unchanged, so findings still point right.
 *
 * @example redactSecretLines(file).redacted // → 1 for a diff adding `GITHUB_TOKEN=ghp_…`
 */
export function redactSecretLines(file: FileDiff): { file: FileDiff; redacted: number } {
  const all = file.hunks.flatMap((h) => h.lines);
  const flagged = flaggedLines(all.map((l) => l.text));
  if (flagged.size === 0) return { file, redacted: 0 };
  let index = 0;
  const hunks = file.hunks.map(
    (h): Hunk => ({
      ...h,
      lines: h.lines.map((l) => (flagged.has(index++) ? { ...l, text: REDACTED_LINE } : l)),
    }),
  );
  return { file: { ...file, hunks }, redacted: flagged.size };
}

/** Free text (a PR description) with the lines the secret scan flags replaced by `REDACTED_LINE`. */
export function redactSecretText(text: string): { text: string; redacted: number } {
  const lines = text.split("\n");
  const flagged = flaggedLines(lines);
  if (flagged.size === 0) return { text, redacted: 0 };
  return {
    text: lines.map((l, i) => (flagged.has(i) ? REDACTED_LINE : l)).join("\n"),
    redacted: flagged.size,
  };
}
