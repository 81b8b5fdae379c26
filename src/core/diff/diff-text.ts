import type { FileDiff } from "./diff.js";

/** Renders parsed file diffs back to unified-diff text, e.g. for `{{ diff }}` in prompts. */
export function diffText(files: readonly FileDiff[]): string {
  const out: string[] = [];
  for (const f of files) {
    out.push(`diff --git a/${f.oldPath ?? f.path} b/${f.path}`);
    if (f.binary) {
      out.push("Binary file changed");
      continue;
    }
    out.push(`--- ${f.status === "added" ? "/dev/null" : `a/${f.oldPath ?? f.path}`}`);
    out.push(`+++ ${f.status === "deleted" ? "/dev/null" : `b/${f.path}`}`);
    for (const h of f.hunks) {
      out.push(
        `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@${h.header ? ` ${h.header}` : ""}`,
      );
      for (const l of h.lines) out.push(`${l.type === "add" ? "+" : l.type === "del" ? "-" : " "}${l.text}`);
    }
  }
  return out.join("\n");
}
