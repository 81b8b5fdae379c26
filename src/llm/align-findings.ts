import type { FileDiff } from "../core/diff/diff.js";
import type { Finding } from "../core/findings/finding.js";
import type { ModelReply } from "./finding-schema.js";

/** `./src/a.ts`, `b/src/a.ts` → `src/a.ts`: paths as models tend to echo them. */
function normalizePath(path: string): string {
  return path
    .trim()
    .replace(/^\.\//, "")
    .replace(/^[ab]\//, "");
}

/**
 * A model's findings, kept only where they point into the diff it was shown: findings on other files are
 * dropped (a model cannot report on what it did not read), and a line that is not an added or context line of
 * its file becomes null (GitHub refuses inline comments elsewhere, which would sink the whole review).
 */
export function alignFindings(findings: ModelReply["findings"], files: readonly FileDiff[]): Finding[] {
  const lines = new Map<string, Set<number>>();
  for (const file of files) {
    const known = new Set<number>();
    for (const l of file.hunks.flatMap((h) => h.lines)) if (l.newLine !== null) known.add(l.newLine);
    lines.set(file.path, known);
  }
  return findings.flatMap((f): Finding[] => {
    const path = lines.has(f.file) ? f.file : normalizePath(f.file);
    const known = lines.get(path);
    if (!known) return [];
    return [
      {
        file: path,
        line: f.line !== null && known.has(f.line) ? f.line : null,
        severity: f.severity,
        title: f.title.trim(),
        body: f.body.trim(),
        ...(f.suggestion !== null && f.suggestion.trim() !== "" && { suggestion: f.suggestion }),
        source: "model",
      },
    ];
  });
}
