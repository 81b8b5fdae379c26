import type { FileDiff } from "../../core/diff/diff.js";
import { DOC_EXTENSIONS, extensionOf } from "../../core/diff/file-kinds.js";
import type { Finding } from "../../core/findings/finding.js";
import { addedLines } from "./added-lines.js";

const MARKER = /\b(TODO|FIXME|XXX|HACK)\b/;
/** A comment opener before the marker: the marker is a note to self, not a word in a string or a name. */
const COMMENT_BEFORE = /(\/\/|\/\*|#|<!--|--|^\s*\*|;)/;

/** `TODO`, `FIXME`, `XXX` and `HACK` comments on added lines of code (not prose files). `low`. */
export function findTodoMarkers(file: FileDiff): Finding[] {
  if (DOC_EXTENSIONS.has(extensionOf(file.path))) return [];
  const findings: Finding[] = [];
  for (const { text, line } of addedLines(file)) {
    const marker = MARKER.exec(text);
    if (!marker || !COMMENT_BEFORE.test(text.slice(0, marker.index))) continue;
    findings.push({
      file: file.path,
      line,
      severity: "low",
      title: `${marker[1]} added`,
      body: `This change adds a ${marker[1]} comment (\`${text.trim().slice(0, 80)}\`). Resolve it before merging, or track it in an issue and link it here.`,
      source: "heuristic",
    });
  }
  return findings;
}
