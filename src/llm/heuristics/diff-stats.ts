import type { FileDiff } from "../../core/diff/diff.js";

/** How many files an `agent` step's stand-in answer lists before it says "and N more". */
const LISTED_FILES = 50;

/** "3 files changed, +40 −12" and one line per file: what the diff holds, in words. */
export function describeDiff(files: readonly FileDiff[]): string {
  if (files.length === 0) return "The change has no file differences.";
  const added = files.reduce((n, f) => n + f.additions, 0);
  const deleted = files.reduce((n, f) => n + f.deletions, 0);
  const lines = files.slice(0, LISTED_FILES).map((f) => {
    const from = f.oldPath ? ` from ${f.oldPath}` : "";
    const binary = f.binary ? ", binary" : "";
    return `- ${f.path} (${f.status}${from}${binary}, +${f.additions} −${f.deletions})`;
  });
  if (files.length > LISTED_FILES) lines.push(`- … and ${files.length - LISTED_FILES} more files`);
  const plural = files.length === 1 ? "file" : "files";
  return [`${files.length} ${plural} changed, +${added} −${deleted}:`, ...lines].join("\n");
}
