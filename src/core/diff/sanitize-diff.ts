import type { Finding } from "../findings/finding.js";
import type { DiffLine, FileDiff, Hunk } from "./diff.js";
import { DOC_EXTENSIONS, extensionOf } from "./file-kinds.js";
import { type HiddenKind, stripCommentsInLine, stripHiddenChars } from "./hidden-text.js";

/** Where hidden text was found: a file (or `pull request title`…) and up to `MAX_LINES` of its lines. */
export interface HiddenNote {
  readonly where: string;
  readonly kind: HiddenKind;
  /** New-side lines (old-side for removed lines, as `-12`), first few only; empty for PR text. */
  readonly lines: readonly string[];
  readonly count: number;
}

const MAX_LINES = 10;

/**
 * Files where an HTML comment is hidden from a reader of the rendered file. Elsewhere `<!--` is code (a string
 * in a template, a regex) and removing it could blank the rest of the file, so only these are stripped.
 */
const MARKUP = new Set(["md", "mdx", "markdown", "html", "htm", "xhtml", "xml", "svg", "vue", "svelte"]);

/** A file's diff without hidden characters (and, in markup, HTML comments); line numbers are unchanged. */
export function sanitizeFile(file: FileDiff): { file: FileDiff; notes: HiddenNote[] } {
  const markup = MARKUP.has(extensionOf(file.path));
  const seen = new Map<HiddenKind, string[]>();
  const open = { new: false, old: false };
  const note = (kind: HiddenKind, line: DiffLine) => {
    const at = line.newLine !== null ? String(line.newLine) : `-${line.oldLine}`;
    const list = seen.get(kind) ?? [];
    list.push(at);
    seen.set(kind, list);
  };
  const hunks = file.hunks.map((hunk): Hunk => {
    const lines = hunk.lines.map((line): DiffLine => {
      const first = line.newLine === 1 || (line.newLine === null && line.oldLine === 1);
      const chars = stripHiddenChars(line.text, { atStart: first });
      for (const kind of chars.found) note(kind, line);
      let text = chars.text;
      if (markup) {
        const side = line.type === "del" ? "old" : "new";
        const r = stripCommentsInLine(text, open[side]);
        open[side] = r.open;
        if (line.type === "context") open.old = r.open;
        if (r.found) note("html comment", line);
        text = r.text;
      }
      return text === line.text ? line : { ...line, text };
    });
    return lines.every((l, i) => l === hunk.lines[i]) ? hunk : { ...hunk, lines };
  });
  const notes = [...seen].map(([kind, lines]) => ({
    where: file.path,
    kind,
    lines: lines.slice(0, MAX_LINES),
    count: lines.length,
  }));
  return { file: notes.length ? { ...file, hunks } : file, notes };
}

/**
 * Findings for hidden characters on ADDED lines of code: bidirectional controls can make code read differently
 * from how it runs ("Trojan Source", CVE-2021-42574), and invisible characters can hide an identifier or smuggle
 * text. HTML comments, and anything but bidi controls in prose files, are only noted.
 */
export function hiddenTextFindings(notes: readonly HiddenNote[], files: readonly FileDiff[]): Finding[] {
  const added = new Set<string>();
  for (const f of files) {
    for (const l of f.hunks.flatMap((h) => h.lines))
      if (l.type === "add") added.add(`${f.path}:${l.newLine}`);
  }
  return notes.flatMap((n): Finding[] => {
    if (n.kind === "html comment") return [];
    if (n.kind !== "bidi control" && DOC_EXTENSIONS.has(extensionOf(n.where))) return [];
    const first = n.lines.find((l) => added.has(`${n.where}:${l}`));
    if (first === undefined) return [];
    const bidi = n.kind === "bidi control";
    return [
      {
        file: n.where,
        line: Number(first),
        severity: bidi ? "high" : "medium",
        title: bidi ? "Hidden bidirectional control characters" : `Hidden ${n.kind} characters`,
        body:
          `Added lines hold invisible ${n.kind} characters (${n.count} line${n.count === 1 ? "" : "s"}, first ` +
          `${n.lines.join(", ")}). ${bidi ? "They can make code display differently from how it runs (Trojan Source). " : "They can hide text from reviewers. "}` +
          "They were removed before any model read the diff; remove them from the file unless they are intended.",
        source: "hidden-text",
      },
    ];
  });
}
