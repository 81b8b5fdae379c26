import type { FileDiff } from "../core/diff/diff.js";

/**
 * A diff as the model reads it: a `File:` header per file, then each hunk with every line prefixed by its
 * new-side line number (blank for removed lines), so a finding can name the exact line.
 *
 * @example
 * renderDiff([file])
 * // File: src/a.ts (modified, +1 −1)
 * // @@ -1,2 +1,2 @@
 * //     1 -old
 * //     1 +new
 */
export function renderDiff(files: readonly FileDiff[]): string {
  return files.map(renderFile).join("\n\n");
}

/** One file of `renderDiff`. */
export function renderFile(file: FileDiff): string {
  const from = file.oldPath ? `, from ${file.oldPath}` : "";
  // A piece of a split file says so: the model must not report what it cannot see as missing.
  const part = file.part
    ? `; part ${file.part.index} of ${file.part.of}, other parts are reviewed separately`
    : "";
  const header = `File: ${file.path} (${file.status}${from}, +${file.additions} −${file.deletions}${part})`;
  const hunks = file.hunks.map((h) =>
    [
      `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@${h.header ? ` ${h.header}` : ""}`,
      ...h.lines.map((l) => `${String(l.newLine ?? "").padStart(5)} ${SIGN[l.type]}${l.text}`),
    ].join("\n"),
  );
  return [header, ...hunks].join("\n");
}

const SIGN = { add: "+", del: "-", context: " " } as const;
