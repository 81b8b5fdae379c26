import type { FileDiff } from "../../core/diff/diff.js";
import type { Finding } from "../../core/findings/finding.js";
import { addedLines } from "./added-lines.js";

/** Above this many added lines a file is hard to review as one change. */
export const LARGE_FILE_LINES = 1000;
/** Above this many added bytes a file is probably data or generated, not hand-written code. */
export const LARGE_FILE_BYTES = 500 * 1024;

/** A file that adds more than 1,000 lines (`low`) or more than 500 KB (`medium`); null otherwise. */
export function findLargeFile(file: FileDiff): Finding | null {
  const bytes = addedLines(file).reduce((n, l) => n + l.text.length + 1, 0);
  const kb = `${Math.round(bytes / 1024)} KB`;
  if (bytes > LARGE_FILE_BYTES) return large(file, "medium", `adds ${file.additions} lines (${kb})`);
  if (file.additions > LARGE_FILE_LINES) return large(file, "low", `adds ${file.additions} lines (${kb})`);
  return null;
}

function large(file: FileDiff, severity: "low" | "medium", what: string): Finding {
  return {
    file: file.path,
    line: null,
    severity,
    title: "Very large file change",
    body: `This file ${what}. Changes this size are hard to review: split it into smaller changes, or if it is generated or data, mark it so (e.g. \`linguist-generated\` in .gitattributes) and keep the generator's input under review instead.`,
    source: "heuristic",
  };
}
